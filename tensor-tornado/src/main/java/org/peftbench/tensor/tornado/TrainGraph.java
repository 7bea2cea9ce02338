package org.peftbench.tensor.tornado;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * Bookkeeping while a training step is assembled ({@link TrainStepGraph}): a chain of task graphs
 * ("segments": the embedding, each layer's forward, the head, each layer's backward, the optimizer)
 * that share their device buffers. Every buffer is allocated here, so the step's device memory is
 * known before it runs.
 *
 * <p>Why a chain and not one graph: TornadoVM 5.2 caps a task graph at 8 KiB of graph code and
 * 1,024 graph nodes, about a hundred tasks, and a step has several hundred. The segments run in
 * order in one execution plan ({@code withGraph(i)}); the first one allocates and uploads every
 * shared buffer (weights, parameters, optimizer state, activations: once, {@code FIRST_EXECUTION};
 * the batch on every run) and each later one takes the device buffers over from the one before
 * ({@code consumeFromDevice}) and hands them on ({@code persistOnDevice}): nothing is copied
 * between segments. Shapes and constants made while a segment is open belong to it alone.
 */
final class TrainGraph {
  /** 2-D tasks: work-groups of 16×4 work-items unless the task says otherwise (a GEMM's kernel). */
  static final int GROUP_X = GemmKernels.BLOCK_GROUP_X, GROUP_Y = GemmKernels.BLOCK_GROUP_Y;

  /** One task graph of the chain. */
  private static final class Segment {
    final String name;
    final List<Object> local = new ArrayList<>();
    final List<UnaryOperator<TaskGraph>> tasks = new ArrayList<>();
    final Map<String, Integer> grids1D = new LinkedHashMap<>();
    final Map<String, int[]> grids2D = new LinkedHashMap<>();

    Segment(String name) {
      this.name = name;
    }
  }

  private final Set<Object> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
  private final List<Object> shared = new ArrayList<>();
  private final List<Object> perStep = new ArrayList<>();
  private final List<Segment> segments = new ArrayList<>();
  private Segment current;
  private long bytes;
  private int tasks;

  /** Starts the next task graph of the chain; tasks and local constants go there. */
  void segment(String name) {
    current = new Segment(name);
    segments.add(current);
  }

  /** A float buffer of {@code n} elements (zeros), shared by the whole chain. */
  FloatArray floats(int n) {
    FloatArray a = new FloatArray(Math.max(n, 1));
    share(a);
    return a;
  }

  /** An int buffer of {@code n} elements (zeros), shared by the whole chain. */
  IntArray intsShared(int n) {
    IntArray a = new IntArray(Math.max(n, 1));
    share(a);
    return a;
  }

  /** Constant floats: local to the open segment, or shared when none is open. */
  FloatArray constants(float... values) {
    FloatArray a = FloatArray.fromArray(values);
    constant(a);
    return a;
  }

  /** Constant ints (a kernel's shape): local to the open segment, or shared when none is open. */
  IntArray ints(int... values) {
    IntArray a = IntArray.fromArray(values);
    constant(a);
    return a;
  }

  /** Registers an array built elsewhere (a weight copy, a table), shared, sent once. */
  <T extends TornadoNativeArray> T resident(T array) {
    share(array);
    return array;
  }

  /** Registers a shared array whose host contents are sent before every run (the batch). */
  <T extends TornadoNativeArray> T perStep(T array) {
    if (count(array)) {
      perStep.add(array);
    }
    return array;
  }

  private void share(TornadoNativeArray a) {
    if (count(a)) {
      shared.add(a);
    }
  }

  private void constant(TornadoNativeArray a) {
    if (current == null) {
      share(a);
    } else if (count(a)) {
      current.local.add(a);
    }
  }

  private boolean count(TornadoNativeArray a) {
    if (buffers.add(a)) {
      bytes += a.getNumBytesOfSegmentWithHeader();
      return true;
    }
    return false;
  }

  /** Device bytes of every buffer registered so far. */
  long bytes() {
    return bytes;
  }

  /** How many tasks the chain has. */
  int tasks() {
    return tasks;
  }

  /** How many task graphs the chain has. */
  int graphs() {
    return segments.size();
  }

  /** Adds a 1-D task of {@code items} work-items (rounded up to whole work-groups). */
  void task1D(String name, int items, UnaryOperator<TaskGraph> add) {
    check(name);
    current.grids1D.put(name, items);
    current.tasks.add(add);
    tasks++;
  }

  /** Adds a 2-D task of {@code x × y} work-items (rounded up to whole 16×4 work-groups). */
  void task2D(String name, int x, int y, UnaryOperator<TaskGraph> add) {
    task2D(name, x, y, GROUP_X, GROUP_Y, add);
  }

  /**
   * Adds a GEMM task that {@code add} builds with {@code kernel} ({@link GemmKernel#addF32} or
   * {@link GemmKernel#add16}) for a {@code C[m,n]}: that kernel's grid and work-group shape.
   */
  void gemmTask(String name, GemmKernel kernel, int m, int n, UnaryOperator<TaskGraph> add) {
    int per = kernel.perItem;
    task2D(name, (n + per - 1) / per, (m + per - 1) / per, kernel.groupX, kernel.groupY, add);
  }

  private void task2D(
      String name, int x, int y, int groupX, int groupY, UnaryOperator<TaskGraph> add) {
    check(name);
    current.grids2D.put(name, new int[] {x, y, groupX, groupY});
    current.tasks.add(add);
    tasks++;
  }

  private void check(String name) {
    if (current == null) {
      throw new IllegalStateException("no segment open for task " + name);
    }
    if (current.grids1D.containsKey(name) || current.grids2D.containsKey(name)) {
      throw new IllegalStateException("task " + name + " added twice");
    }
  }

  /**
   * The chain as one execution plan; {@code toHost} comes back after every run of the last segment
   * and every other shared buffer stays on the device (fetch with {@link
   * TornadoExecutionResult#transferToHost}).
   */
  Chain build(Object... toHost) {
    List<Object> all = new ArrayList<>(shared);
    all.addAll(perStep);
    Set<Object> back = Collections.newSetFromMap(new IdentityHashMap<>());
    back.addAll(List.of(toHost));
    GridScheduler scheduler = new GridScheduler();
    ImmutableTaskGraph[] graphs = new ImmutableTaskGraph[segments.size()];
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      boolean first = i == 0, last = i == segments.size() - 1;
      TaskGraph g = new TaskGraph(s.name);
      if (first) {
        g = g.transferToDevice(DataTransferMode.FIRST_EXECUTION, shared.toArray());
        g = g.transferToDevice(DataTransferMode.EVERY_EXECUTION, perStep.toArray());
      } else {
        g = g.consumeFromDevice(segments.get(i - 1).name, all.toArray());
      }
      if (!s.local.isEmpty()) {
        g = g.transferToDevice(DataTransferMode.FIRST_EXECUTION, s.local.toArray());
      }
      if (first) {
        g = touch(g, s, all);
      }
      for (UnaryOperator<TaskGraph> t : s.tasks) {
        g = t.apply(g);
      }
      if (last) {
        g = g.persistOnDevice(all.stream().filter(o -> !back.contains(o)).toArray());
        g = g.transferToHost(DataTransferMode.EVERY_EXECUTION, toHost);
      } else {
        g = g.persistOnDevice(all.toArray());
      }
      graphs[i] = g.snapshot();
      for (Map.Entry<String, Integer> e : s.grids1D.entrySet()) {
        WorkerGrid1D grid = new WorkerGrid1D(TornadoBackend.LOCAL);
        grid.setLocalWork(TornadoBackend.LOCAL, 1, 1);
        grid.setGlobalWork(
            DeviceBuffers.roundUp(Math.max(e.getValue(), 1), TornadoBackend.LOCAL), 1, 1);
        scheduler.addWorkerGrid(s.name + "." + e.getKey(), grid);
      }
      for (Map.Entry<String, int[]> e : s.grids2D.entrySet()) {
        int[] xy = e.getValue();
        WorkerGrid grid = new WorkerGrid2D(xy[2], xy[3]);
        grid.setLocalWork(xy[2], xy[3], 1);
        grid.setGlobalWork(
            DeviceBuffers.roundUp(Math.max(xy[0], 1), xy[2]),
            DeviceBuffers.roundUp(Math.max(xy[1], 1), xy[3]),
            1);
        scheduler.addWorkerGrid(s.name + "." + e.getKey(), grid);
      }
    }
    return new Chain(new TornadoExecutionPlan(graphs), scheduler, graphs.length);
  }

  /**
   * Adds tasks to the first graph that take every shared buffer as an argument: TornadoVM allocates
   * (and uploads) only what a graph's tasks use, and the later graphs take the first one's buffers
   * over (ten buffers per task).
   */
  private static TaskGraph touch(TaskGraph g, Segment s, List<Object> all) {
    List<FloatArray> floats = new ArrayList<>();
    List<IntArray> ints = new ArrayList<>();
    List<ShortArray> shorts = new ArrayList<>();
    for (Object o : all) {
      switch (o) {
        case FloatArray f -> floats.add(f);
        case IntArray i -> ints.add(i);
        case ShortArray sh -> shorts.add(sh);
        default -> throw new IllegalStateException("unexpected buffer " + o);
      }
    }
    int k = 0;
    // whole tasks of ten distinct buffers, then one buffer per task (a task must not take the
    // same buffer twice)
    int whole = floats.size() / 10 * 10;
    for (int i = 0; i < whole; i += 10) {
      List<FloatArray> a = floats.subList(i, i + 10);
      String name = "touchF" + (k++);
      s.grids1D.put(name, 1);
      g =
          g.task(
              name,
              TrainKernels::touchFloats,
              new KernelContext(),
              a.get(0),
              a.get(1),
              a.get(2),
              a.get(3),
              a.get(4),
              a.get(5),
              a.get(6),
              a.get(7),
              a.get(8),
              a.get(9));
    }
    for (FloatArray a : floats.subList(whole, floats.size())) {
      String name = "touchF" + (k++);
      s.grids1D.put(name, 1);
      g = g.task(name, TrainKernels::touchFloat, new KernelContext(), a);
    }
    whole = ints.size() / 10 * 10;
    for (int i = 0; i < whole; i += 10) {
      List<IntArray> a = ints.subList(i, i + 10);
      String name = "touchI" + (k++);
      s.grids1D.put(name, 1);
      g =
          g.task(
              name,
              TrainKernels::touchInts,
              new KernelContext(),
              a.get(0),
              a.get(1),
              a.get(2),
              a.get(3),
              a.get(4),
              a.get(5),
              a.get(6),
              a.get(7),
              a.get(8),
              a.get(9));
    }
    for (IntArray a : ints.subList(whole, ints.size())) {
      String name = "touchI" + (k++);
      s.grids1D.put(name, 1);
      g = g.task(name, TrainKernels::touchInt, new KernelContext(), a);
    }
    for (ShortArray w : shorts) {
      IntArray dims = IntArray.fromArray(new int[] {1});
      String name = "touchS" + (k++);
      s.grids1D.put(name, 1);
      g = g.transferToDevice(DataTransferMode.FIRST_EXECUTION, dims);
      g = g.task(name, TrainKernels::touchShorts, new KernelContext(), w, dims);
    }
    return g;
  }

  /** The built chain: runs its graphs in order. */
  static final class Chain {
    private static final boolean TRACE = Boolean.getBoolean("peftbench.tornado.traceChain");
    private final TornadoExecutionPlan plan;
    private final GridScheduler scheduler;
    private final int graphs;

    Chain(TornadoExecutionPlan plan, GridScheduler scheduler, int graphs) {
      this.plan = plan;
      this.scheduler = scheduler;
      this.graphs = graphs;
      plan.withGridScheduler(scheduler);
    }

    /** Runs every graph once, in order; returns the last one's result. */
    TornadoExecutionResult run() {
      TornadoExecutionResult r = null;
      for (int i = 0; i < graphs; i++) {
        if (TRACE) {
          System.err.println("resident step: graph " + i);
        }
        r = plan.withGraph(i).execute();
      }
      return r;
    }

    void free() {
      plan.freeDeviceMemory();
    }
  }

  /** A frozen projection weight as the GEMM kernels read it: F32, or 16-bit bits + table. */
  record Weight(FloatArray f32, ShortArray bits, FloatArray decode) {}
}
