package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.peftbench.autograd.OpProfile;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.GradClip;
import org.peftbench.harness.cost.ProcessMemory;
import org.peftbench.harness.suite.ModelPaths;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.MemoryTracker;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.TensorArena;
import org.peftbench.transformer.CausalLM;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench bench train}: the speed of a PEFT training step on random token ids (forward,
 * backward, gradient clipping, AdamW), after warm-up steps that are not counted.
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
    // the arena reuses the arrays of the tensors each step closes in the next steps
    try (CausalLM lm = CausalLM.load(dir);
        TensorArena arena = noArena ? null : TensorArena.open()) {
      PeftModel pm = PeftModel.apply(lm, config, 42, null);
      List<Parameter> params = pm.trainableParameters();
      AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0);
      int vocab = lm.config().vocabSize();
      SplittableRandom rnd = new SplittableRandom(0);
      int[] ids = new int[batch * seq];
      double timed = 0;
      long gcStart = 0, freshStart = 0, reusedStart = 0;
      double lastLoss = Double.NaN;
      for (int s = 0; s < warmup + steps; s++) {
        for (int i = 0; i < ids.length; i++) {
          ids[i] = rnd.nextInt(vocab);
        }
        if (s == warmup) {
          MemoryTracker.resetPeak();
          ProcessMemory.resetPeak(); // peaks of the timed steps only
          gcStart = gcMillis();
          freshStart = arena == null ? 0 : arena.freshArrays();
          reusedStart = arena == null ? 0 : arena.reusedArrays();
          if (profile) {
            OpProfile.start();
          }
        }
        long t0 = System.nanoTime();
        OpProfile.mark();
        Var loss = pm.loss(ids, null, ids, batch, seq);
        lastLoss = loss.item();
        loss.backward();
        GradClip.clipGlobalNorm(params, 1.0);
        OpProfile.lap("gradient clipping");
        opt.step(1e-4);
        OpProfile.lap("optimizer step");
        opt.zeroGrad();
        OpProfile.lap("zero gradients");
        if (s >= warmup) {
          timed += (System.nanoTime() - t0) / 1e9;
        }
      }
      List<OpProfile.Entry> ops = profile ? OpProfile.stop() : List.of();
      double gcMsPerStep = (gcMillis() - gcStart) / (double) steps;
      double freshPerStep = arena == null ? 0 : (arena.freshArrays() - freshStart) / (double) steps;
      double reusedPerStep =
          arena == null ? 0 : (arena.reusedArrays() - reusedStart) / (double) steps;
      double sps = timed / steps;
      double tokS = batch * (double) seq / sps;
      ObjectNode n = new ObjectMapper().createObjectNode();
      n.put("tokens_per_second", tokS);
      n.put("seconds_per_step", sps);
      n.put("peak_rss_bytes", ProcessMemory.peakRssBytes());
      n.put("peak_tensor_bytes", MemoryTracker.peakBytes());
      n.put("batch", batch);
      n.put("seq", seq);
      n.put("steps", steps);
      n.put("warmup", warmup);
      n.put("threads", Parallel.threads());
      n.put("trainable_params", pm.count().trainable());
      n.put("last_loss", lastLoss);
      n.put("gc_ms_per_step", gcMsPerStep);
      if (arena != null) {
        n.put("arena_reused_arrays_per_step", reusedPerStep);
        n.put("arena_fresh_arrays_per_step", freshPerStep);
      }
      if (profile) {
        ArrayNode rows = n.putArray("profile");
        for (OpProfile.Entry e : ops) {
          ObjectNode r = rows.addObject();
          r.put("name", e.name());
          r.put("phase", e.phase().name().toLowerCase(Locale.ROOT));
          r.put("calls_per_step", e.calls() / (double) steps);
          r.put("ms_per_step", e.nanos() / 1e6 / steps);
          r.put("share", e.nanos() / 1e9 / timed);
        }
      }
      var out = spec.commandLine().getOut();
      if (json) {
        out.println(n.toString());
      } else {
        out.printf(
            Locale.ROOT,
            "%.1f tokens/s, %.3f s/step, peak RSS %.2f GB, peak tensors %.2f GB (B=%d T=%d, %d threads)%n",
            tokS,
            sps,
            ProcessMemory.peakRssBytes() / 1e9,
            MemoryTracker.peakBytes() / 1e9,
            batch,
            seq,
            Parallel.threads());
        if (profile) {
          printProfile(out, ops, timed);
          out.printf(
              Locale.ROOT, "GC pauses: %.1f ms/step (inside the times above)%n", gcMsPerStep);
          if (arena != null) {
            out.printf(
                Locale.ROOT,
                "tensor arena: %.0f arrays reused, %.0f allocated afresh per step%n",
                reusedPerStep,
                freshPerStep);
          }
        }
      }
      return ExitCodes.OK;
    }
  }

  /** Time the JVM's collectors have spent so far (pauses, in ms), over all collectors. */
  private static long gcMillis() {
    long ms = 0;
    for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      ms += Math.max(0, gc.getCollectionTime());
    }
    return ms;
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
