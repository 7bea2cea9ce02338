package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench bench matmul}: GFLOP/s of one GEMM {@code C[M,N] = op(A)[M,K] · op(B)[K,N]} with
 * the current backend. A holds activations (F32); B is the "weight" (F32 on the heap, or BF16/F16
 * off-heap like a mapped checkpoint). Variants: nn = A·B, nt = A·Bᵀ (a linear layer's forward), tn
 * = Aᵀ·B (its weight gradient). The kernels run untimed until the JIT has compiled them, then
 * several timed runs; the median is reported (the best too), and GFLOP per CPU-second of the
 * process, which stays comparable when other jobs share the machine.
 */
@Command(
    name = "matmul",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Measure GEMM GFLOP/s for one shape (threads: the global --threads).")
public final class BenchMatmulCommand implements Callable<Integer> {
  enum Variant {
    nn,
    nt,
    tn
  }

  enum WeightType {
    f32,
    bf16,
    f16
  }

  @Range(min = 1, max = 1 << 20)
  @Option(names = "--m", required = true, paramLabel = "M", description = "Rows of C.")
  int m;

  @Range(min = 1, max = 1 << 20)
  @Option(names = "--n", required = true, paramLabel = "N", description = "Columns of C.")
  int n;

  @Range(min = 1, max = 1 << 20)
  @Option(names = "--k", required = true, paramLabel = "K", description = "Inner dimension.")
  int k;

  @Option(
      names = "--dtype",
      defaultValue = "f32",
      paramLabel = "TYPE",
      description = "Storage of B: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  WeightType dtype;

  @Option(
      names = "--variant",
      defaultValue = "nn",
      paramLabel = "V",
      description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Variant variant;

  @Range(min = 0)
  @Option(
      names = "--warmup",
      defaultValue = "10",
      paramLabel = "CALLS",
      description = "Untimed calls first, at least (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Range(min = 0, max = 3600)
  @Option(
      names = "--warmup-time",
      defaultValue = "2",
      paramLabel = "SECONDS",
      description =
          "Untimed calls go on for at least this long: the JIT compiles the Vector API kernels"
              + " in stages over a few seconds, and 10 calls of a product this size measured"
              + " 20% low (default: ${DEFAULT-VALUE}).")
  double warmupTime;

  @Range(min = 1)
  @Option(
      names = "--runs",
      defaultValue = "7",
      paramLabel = "R",
      description = "Timed runs (default: ${DEFAULT-VALUE}).")
  int runs;

  @Range(min = 0, max = 3600)
  @Option(
      names = "--min-time",
      defaultValue = "0.3",
      paramLabel = "SECONDS",
      description =
          "Each timed run repeats the call for at least this long (default: ${DEFAULT-VALUE}).")
  double minTime;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (m < 1 || n < 1 || k < 1) {
      throw new UserError("--m, --n and --k must be >= 1, got " + m + ", " + n + ", " + k);
    }
    if (warmup < 0 || runs < 1 || !(minTime >= 0) || !(warmupTime >= 0)) {
      throw new UserError("--warmup must be >= 0, --runs >= 1, --min-time and --warmup-time >= 0");
    }
    if ((long) m * k > Integer.MAX_VALUE - 8
        || (long) k * n > Integer.MAX_VALUE - 8
        || (long) m * n > Integer.MAX_VALUE - 8) {
      throw new UserError("matrices of " + m + "x" + n + "x" + k + " do not fit in Java arrays");
    }
    boolean transA = variant == Variant.tn, transB = variant == Variant.nt;
    Backend backend = Backends.current();
    SplittableRandom rnd = new SplittableRandom(42);
    Tensor a = transA ? random(rnd, k, m) : random(rnd, m, k);
    Tensor c = Tensor.zeros(m, n);
    // a shared arena: the worker threads read B
    try (Arena arena = Arena.ofShared()) {
      Tensor b = weight(rnd, arena, transB ? new int[] {n, k} : new int[] {k, n});
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
      report(gflops[runs / 2], gflops[runs - 1], cpuGflops[runs / 2], backend.name());
    }
    return ExitCodes.OK;
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

  private void report(double median, double best, double cpuMedian, String backendName)
      throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int threads = Parallel.threads();
    if (json) {
      ObjectNode node = new ObjectMapper().createObjectNode();
      node.put("gflops", round(median));
      node.put("best_gflops", round(best));
      node.put("cpu_gflops", round(cpuMedian));
      node.put("m", m);
      node.put("n", n);
      node.put("k", k);
      node.put("threads", threads);
      node.put("dtype", dtype.name());
      node.put("variant", variant.name());
      node.put("backend", backendName);
      out.println(new ObjectMapper().writeValueAsString(node));
    } else {
      out.printf(
          Locale.ROOT,
          "matmul %s %dx%dx%d, B %s, %d threads, backend %s: %.1f GFLOP/s (median of %d runs;"
              + " best %.1f; %.1f per CPU-second)%n",
          variant,
          m,
          n,
          k,
          dtype,
          threads,
          backendName,
          median,
          runs,
          best,
          cpuMedian);
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static Tensor random(SplittableRandom rnd, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return Tensor.of(v, rows, cols);
  }

  /** B in the requested storage: F32 on the heap, BF16/F16 in an off-heap segment. */
  private Tensor weight(SplittableRandom rnd, Arena arena, int[] shape) {
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
