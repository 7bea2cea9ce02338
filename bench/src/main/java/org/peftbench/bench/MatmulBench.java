package org.peftbench.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;

/**
 * GFLOP/s of one GEMM {@code C[M,N] = op(A)[M,K] · op(B)[K,N]} with the current backend (the
 * measurement behind {@code peftbench bench matmul}). A holds activations (F32); B is the "weight"
 * (F32 on the heap, or BF16/F16 off-heap like a mapped checkpoint). Variants: nn = A·B, nt = A·Bᵀ
 * (a linear layer's forward), tn = Aᵀ·B (its weight gradient). The kernels run untimed until the
 * JIT has compiled them, then several timed runs; the median is reported (the best too), and GFLOP
 * per CPU-second of the process, which stays comparable when other jobs share the machine.
 */
public final class MatmulBench {
  private MatmulBench() {}

  /** Which product. */
  public enum Variant {
    nn,
    nt,
    tn
  }

  /** Storage of B. */
  public enum WeightType {
    f32,
    bf16,
    f16
  }

  /** What to measure and how long. */
  public record Settings(
      int m,
      int n,
      int k,
      WeightType dtype,
      Variant variant,
      int warmup,
      double warmupTime,
      int runs,
      double minTime) {}

  /** GFLOP/s: median and best of the timed runs, median per CPU-second; the backend's name. */
  public record Result(double median, double best, double cpuMedian, String backend) {}

  /** Runs the measurement (settings already checked by the caller). */
  public static Result run(Settings s) {
    int m = s.m(), n = s.n(), k = s.k(), warmup = s.warmup(), runs = s.runs();
    double warmupTime = s.warmupTime(), minTime = s.minTime();
    Variant variant = s.variant();
    boolean transA = variant == Variant.tn, transB = variant == Variant.nt;
    Backend backend = Backends.current();
    SplittableRandom rnd = new SplittableRandom(42);
    Tensor a = transA ? random(rnd, k, m) : random(rnd, m, k);
    Tensor c = Tensor.zeros(m, n);
    // a shared arena: the worker threads read B
    try (Arena arena = Arena.ofShared()) {
      Tensor b = weight(s.dtype(), rnd, arena, transB ? new int[] {n, k} : new int[] {k, n});
      long warmupStart = System.nanoTime();
      for (int i = 0; i < warmup || System.nanoTime() - warmupStart < warmupTime * 1e9; i++) {
        backend.matmul(a, transA, b, transB, c, false);
      }
      double flops = 2.0 * m * n * k;
      double[] gflops = new double[runs], cpuGflops = new double[runs];
      for (int r = 0; r < runs; r++) {
        long start = System.nanoTime(), cpuStart = processCpuNanos(), elapsed;
        int calls = 0;
        do {
          backend.matmul(a, transA, b, transB, c, false);
          calls++;
          elapsed = System.nanoTime() - start;
        } while (elapsed < minTime * 1e9);
        gflops[r] = flops * calls / elapsed;
        cpuGflops[r] = flops * calls / Math.max(1, processCpuNanos() - cpuStart);
      }
      Arrays.sort(gflops);
      Arrays.sort(cpuGflops);
      return new Result(gflops[runs / 2], gflops[runs - 1], cpuGflops[runs / 2], backend.name());
    }
  }

  /**
   * CPU time of the whole process: with it, GFLOP per CPU-second (the speed per busy core) can be
   * compared between programs even on a machine other jobs share, where wall-clock time cannot.
   */
  private static long processCpuNanos() {
    // the sum over threads: the per-thread clocks count nanoseconds, while the process total
    // the JVM reports moves in 10 ms ticks here
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long id : threads.getAllThreadIds()) {
      long t = threads.getThreadCpuTime(id);
      if (t > 0) {
        sum += t;
      }
    }
    return sum;
  }

  private static Tensor random(SplittableRandom rnd, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return Tensor.of(v, rows, cols);
  }

  /** B in the requested storage: F32 on the heap, BF16/F16 in an off-heap segment. */
  private static Tensor weight(WeightType dtype, SplittableRandom rnd, Arena arena, int[] shape) {
    if (dtype == WeightType.f32) {
      return random(rnd, shape[0], shape[1]);
    }
    long count = (long) shape[0] * shape[1];
    MemorySegment seg = arena.allocate(2 * count, 64);
    ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < count; i++) {
      float v = (float) (rnd.nextDouble() * 2 - 1);
      seg.setAtIndex(le, i, dtype == WeightType.bf16 ? Half.floatToBf16(v) : Half.floatToF16(v));
    }
    return Tensor.ofSegment(seg, dtype == WeightType.bf16 ? DType.BF16 : DType.F16, shape);
  }
}
