package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.peftbench.bench.MatmulBench;
import org.peftbench.tensor.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench bench matmul}: the options, checks and report of {@link MatmulBench} (GFLOP/s of
 * one GEMM with the current backend; the measurement itself lives in the {@code bench} module).
 */
@Command(
    name = "matmul",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Measure GEMM GFLOP/s for one shape (threads: the global --threads).")
public final class BenchMatmulCommand implements Callable<Integer> {
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
  MatmulBench.WeightType dtype;

  @Option(
      names = "--variant",
      defaultValue = "nn",
      paramLabel = "V",
      description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  MatmulBench.Variant variant;

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
              + " 20%% low (default: ${DEFAULT-VALUE}).")
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
    MatmulBench.Result r =
        MatmulBench.run(
            new MatmulBench.Settings(m, n, k, dtype, variant, warmup, warmupTime, runs, minTime));
    report(r.median(), r.best(), r.cpuMedian(), r.backend());
    return ExitCodes.OK;
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
}
