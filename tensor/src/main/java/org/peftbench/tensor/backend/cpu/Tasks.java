package org.peftbench.tensor.backend.cpu;

import org.peftbench.tensor.Parallel;

/**
 * How the CPU kernels cut work into tasks: by problem size only (never by thread count), so that
 * partial results combined in task order make every output bit-identical for any number of threads.
 */
final class Tasks {
  private Tasks() {}

  /** Elements per task for elementwise ops and reductions. */
  static final int CHUNK = 1 << 14;

  /** Rows per task when a parameter gradient is reduced over rows (fixed: determinism). */
  static final int GRAD_ROWS = 32;

  /**
   * Runs {@code body(from, to)} over {@code [0, n)} cut into pieces of {@code per}, in parallel.
   */
  interface Range {
    void run(int from, int to);
  }

  static void ranges(int n, int per, Range body) {
    int tasks = (n + per - 1) / per;
    Parallel.forEach(tasks, t -> body.run(t * per, Math.min(n, (t + 1) * per)));
  }

  static int rowsPerTask(int cols) {
    return Math.max(1, CHUNK / Math.max(1, cols));
  }
}
