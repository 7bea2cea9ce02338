package org.peftbench.harness.cli;

import java.util.concurrent.Callable;
import org.peftbench.bench.MemoryBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench bench memory}: the memory read bandwidth decode is bound by ({@link
 * MemoryBench}), for each thread count asked.
 */
@Command(
    name = "memory",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Measure memory read GB/s (sequential vector loads, one contiguous share per thread):"
            + " the ceiling of token-by-token decode.")
public final class BenchMemoryCommand implements Callable<Integer> {
  @Range(min = 1, max = 1 << 16)
  @Option(
      names = "--mib",
      defaultValue = "512",
      paramLabel = "MIB",
      description =
          "Buffer size in MiB; far above the last-level cache (default: ${DEFAULT-VALUE}).")
  int mib;

  @Range(min = 1, max = 4096)
  @Option(
      names = "--threads-sweep",
      split = ",",
      defaultValue = "1,2",
      paramLabel = "N",
      description = "Thread counts, comma-separated (default: ${DEFAULT-VALUE}).")
  int[] threads;

  @Range(min = 1, max = 1000)
  @Option(
      names = "--runs",
      defaultValue = "5",
      paramLabel = "R",
      description = "Timed passes; the best counts (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--json", description = "One JSON object per thread count.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    for (int t : threads) {
      double gb = MemoryBench.readGbPerSecond((long) mib << 20, t, runs);
      if (json) {
        out.printf(
            java.util.Locale.ROOT,
            "{\"threads\":%d,\"mib\":%d,\"read_gb_per_s\":%.3f}%n",
            t,
            mib,
            gb);
      } else {
        out.printf(
            java.util.Locale.ROOT, "memory read, %d MiB, %d threads: %.1f GB/s%n", mib, t, gb);
      }
      out.flush();
    }
    return ExitCodes.OK;
  }
}
