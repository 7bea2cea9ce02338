package org.peftbench.harness.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.peftbench.autograd.OpProfile;
import org.peftbench.bench.TrainBench;
import org.peftbench.harness.cost.ProcessMemory;
import org.peftbench.harness.suite.ModelPaths;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.tensor.MemoryTracker;
import org.peftbench.tensor.Parallel;
import org.peftbench.transformer.CausalLM;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench bench train}: the options and report of {@link TrainBench} (the speed of a PEFT
 * training step on random token ids; the measurement lives in the {@code bench} module).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Training-step speed: tokens/s, seconds per step, peak RSS and peak live tensor bytes of",
      "B × T random tokens per step (warm-up steps not counted)."
    })
public final class BenchTrainCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR")
  String model;

  @Option(names = "--peft", required = true, paramLabel = "adapter_config.json")
  Path peft;

  @Range(min = 1, max = 4096)
  @Option(names = "--batch", paramLabel = "B", description = "Sequences per step (default 4).")
  int batch = 4;

  @Range(min = 1, max = 1 << 20)
  @Option(names = "--seq", paramLabel = "T", description = "Tokens per sequence (default 256).")
  int seq = 256;

  @Range(min = 1)
  @Option(names = "--steps", paramLabel = "N", description = "Timed steps (default 5).")
  int steps = 5;

  @Range(min = 0)
  @Option(names = "--warmup", paramLabel = "W", description = "Untimed steps first (default 2).")
  int warmup = 2;

  @Option(names = "--json", description = "Print the figures as JSON.")
  boolean json;

  @Option(
      names = "--profile",
      description = {
        "Also print where the timed steps' time goes: per autograd op (forward and backward",
        "separately), the optimizer and gradient clipping, calls and ms per step, share of the",
        "step; and the GC pauses."
      })
  boolean profile;

  @Option(
      names = "--no-arena",
      description = {
        "Allocate every tensor afresh instead of reusing the arrays of closed ones across",
        "steps (TensorArena): for comparison, the collector then has more to do."
      })
  boolean noArena;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (batch < 1 || seq < 2 || steps < 1 || warmup < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "need --batch >= 1, --seq >= 2, --steps >= 1, --warmup >= 0");
    }
    Path dir;
    PeftConfig config;
    try {
      dir = ModelPaths.resolveModel(model, null);
      config = PeftConfigs.read(peft);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    try (CausalLM lm = CausalLM.load(dir)) {
      TrainBench.Result r =
          TrainBench.run(
              lm,
              config,
              new TrainBench.Settings(batch, seq, steps, warmup, profile, noArena),
              new TrainBench.PeakRss() {
                @Override
                public void resetPeak() {
                  ProcessMemory.resetPeak();
                }

                @Override
                public long peakBytes() {
                  return ProcessMemory.peakRssBytes();
                }
              });
      var out = spec.commandLine().getOut();
      if (json) {
        out.println(r.figures().toString());
      } else {
        out.printf(
            Locale.ROOT,
            "%.1f tokens/s, %.3f s/step, peak RSS %.2f GB, peak tensors %.2f GB (B=%d T=%d, %d threads)%n",
            r.tokensPerSecond(),
            r.secondsPerStep(),
            ProcessMemory.peakRssBytes() / 1e9,
            MemoryTracker.peakBytes() / 1e9,
            batch,
            seq,
            Parallel.threads());
        if (profile) {
          printProfile(out, r.ops(), r.timedSeconds());
          out.printf(
              Locale.ROOT, "GC pauses: %.1f ms/step (inside the times above)%n", r.gcMsPerStep());
          if (r.arena()) {
            out.printf(
                Locale.ROOT,
                "tensor arena: %.0f arrays reused, %.0f allocated afresh per step%n",
                r.reusedPerStep(),
                r.freshPerStep());
          }
        }
      }
      return ExitCodes.OK;
    }
  }

  /** The per-op table: one line per op and phase, largest first, then what no entry covers. */
  private void printProfile(java.io.PrintWriter out, List<OpProfile.Entry> ops, double timed) {
    double stepMs = timed * 1e3 / steps;
    out.printf(
        Locale.ROOT, "%-34s %-8s %9s %10s %7s%n", "op", "phase", "calls", "ms/step", "share");
    double covered = 0;
    for (OpProfile.Entry e : ops) {
      double ms = e.nanos() / 1e6 / steps;
      covered += ms;
      out.printf(
          Locale.ROOT,
          "%-34s %-8s %9.0f %10.1f %6.1f%%%n",
          e.name(),
          e.phase().name().toLowerCase(Locale.ROOT),
          e.calls() / (double) steps,
          ms,
          100 * ms / stepMs);
    }
    out.printf(
        Locale.ROOT,
        "%-34s %-8s %9s %10.1f %6.1f%%%n",
        "(not covered)",
        "",
        "",
        stepMs - covered,
        100 * (stepMs - covered) / stepMs);
  }
}
