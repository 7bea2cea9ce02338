package org.peftbench.tensor.tornado;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;

/**
 * The execution plans of one backend, built on first use and kept: keyed by the operation and its
 * buffer capacities (and the weight, for GEMMs with a frozen weight). Counts the device runs.
 */
final class Plans {
  private final Map<Object, Object> plans = new HashMap<>();
  private final AtomicLong runs = new AtomicLong();

  /** The plan for {@code key}, built by {@code build} the first time. */
  <P> P get(Object key, Supplier<P> build) {
    @SuppressWarnings("unchecked")
    P p = (P) plans.computeIfAbsent(key, k -> build.get());
    return p;
  }

  /** Runs {@code plan} on the device (compiling its kernels on the first run). */
  TornadoExecutionResult run(KernelPlan plan) {
    TornadoExecutionResult result = plan.run();
    runs.incrementAndGet();
    return result;
  }

  /** As {@link #run} with TornadoVM's profiler on. */
  TornadoExecutionResult runProfiled(KernelPlan plan) {
    TornadoExecutionResult result = plan.runProfiled();
    runs.incrementAndGet();
    return result;
  }

  /** Counts a run of a plan managed elsewhere (the resident training step's chain). */
  void countRun() {
    runs.incrementAndGet();
  }

  /** How many plans exist. */
  int size() {
    return plans.size();
  }

  /** How many plans have run so far. */
  long runs() {
    return runs.get();
  }
}
