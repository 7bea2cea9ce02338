package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;

/**
 * A task graph compiled once into a TornadoVM execution plan and run many times. The graph's
 * buffers are fixed when it is built; per call the host refills them, sets the grid sizes and runs
 * it. Kernels are compiled on the first run.
 */
final class KernelPlan {
  private final TornadoExecutionPlan plan;
  private final GridScheduler scheduler = new GridScheduler();
  private final String graphName;

  KernelPlan(TaskGraph graph, String graphName, String... tasks1D) {
    this.graphName = graphName;
    for (String task : tasks1D) {
      WorkerGrid1D grid = new WorkerGrid1D(TornadoBackend.LOCAL);
      grid.setLocalWork(TornadoBackend.LOCAL, 1, 1);
      scheduler.addWorkerGrid(graphName + "." + task, grid);
    }
    this.plan = new TornadoExecutionPlan(graph.snapshot());
  }

  /** Adds a 2-D grid with {@code lx×ly} work-groups for {@code task} (before the first run). */
  KernelPlan with2D(String task, int lx, int ly) {
    WorkerGrid2D grid = new WorkerGrid2D(lx, ly);
    grid.setLocalWork(lx, ly, 1);
    scheduler.addWorkerGrid(graphName + "." + task, grid);
    return this;
  }

  /** Sets the global size of a 1-D task to {@code n} work-items, rounded up to the group size. */
  KernelPlan size1D(String task, int n) {
    WorkerGrid grid = scheduler.get(graphName + "." + task);
    grid.setGlobalWork(DeviceBuffers.roundUp(Math.max(n, 1), TornadoBackend.LOCAL), 1, 1);
    return this;
  }

  /** Sets the global size of a 2-D task to at least {@code x×y}, whole work-groups. */
  KernelPlan size2D(String task, int x, int y) {
    WorkerGrid grid = scheduler.get(graphName + "." + task);
    long[] local = grid.getLocalWork();
    grid.setGlobalWork(
        DeviceBuffers.roundUp(Math.max(x, 1), (int) local[0]),
        DeviceBuffers.roundUp(Math.max(y, 1), (int) local[1]),
        1);
    return this;
  }

  /** Runs the graph; the result can fetch buffers marked {@code UNDER_DEMAND}. */
  TornadoExecutionResult run() {
    return plan.withGridScheduler(scheduler).execute();
  }

  /**
   * Runs with TornadoVM's profiler on: the result's profiler counts the bytes TornadoVM itself
   * copied in this run (tests use it to see which buffers a run really transferred).
   */
  TornadoExecutionResult runProfiled() {
    return plan.withProfiler(ProfilerMode.SILENT).withGridScheduler(scheduler).execute();
  }

  /** Releases the plan's device buffers (the plan must not run again). */
  void free() {
    plan.freeDeviceMemory();
  }
}
