package org.peftbench.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The one fixed worker pool all kernels share, sized by {@code --threads} (system property {@code
 * peftbench.threads}, default: available cores).
 *
 * <p>Determinism: kernels split work into tasks whose boundaries depend only on the problem size,
 * never on the thread count, and combine partial results in task order. So 1 or N threads give
 * bit-identical results.
 */
public final class Parallel {
  private static volatile ForkJoinPool pool;
  private static volatile int threads;

  private Parallel() {}

  public static int threads() {
    ensurePool();
    return threads;
  }

  /** Resizes the pool (used by {@code --threads}). */
  public static synchronized void setThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + n);
    }
    if (pool != null && threads == n) {
      return;
    }
    ForkJoinPool old = pool;
    pool = n == 1 ? null : new ForkJoinPool(n);
    threads = n;
    if (old != null) {
      old.shutdown();
    }
  }

  private static void ensurePool() {
    if (threads == 0) {
      synchronized (Parallel.class) {
        if (threads == 0) {
          String p = System.getProperty("peftbench.threads");
          setThreads(
              p == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(p.trim()));
        }
      }
    }
  }

  private static boolean inPool(ForkJoinPool p) {
    return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w
        && w.getPool() == p;
  }

  /** Runs {@code body.accept(i)} for every task {@code i} in {@code [0, tasks)}, in parallel. */
  public static void forEach(int tasks, IntConsumer body) {
    ensurePool();
    ForkJoinPool p = pool;
    if (tasks <= 1 || p == null || inPool(p)) {
      for (int i = 0; i < tasks; i++) {
        body.accept(i);
      }
      return;
    }
    p.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)).join();
  }
}
