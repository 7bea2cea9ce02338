package org.peftbench.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.peftbench.autograd.OpProfile;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.LrSchedule;
import org.peftbench.autograd.optim.TrainStep;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.MemoryTracker;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.TensorArena;
import org.peftbench.transformer.CausalLM;

/**
 * The speed of a PEFT training step on random token ids (the measurement behind {@code peftbench
 * bench train}): forward, backward, gradient clipping, AdamW, after warm-up steps that are not
 * counted; tokens/s, seconds per step, peak RSS and peak live tensor bytes of the timed steps, and
 * optionally where their time goes per autograd op.
 */
public final class TrainBench {
  private TrainBench() {}

  /** B × T random tokens per step, {@code steps} timed after {@code warmup} untimed ones. */
  public record Settings(
      int batch, int seq, int steps, int warmup, boolean profile, boolean noArena) {}

  /** The process's peak resident memory, which the caller knows how to read (VmHWM on Linux). */
  public interface PeakRss {
    /** Starts a new peak (the timed steps' own). */
    void resetPeak();

    /** The peak since the last reset, in bytes. */
    long peakBytes();
  }

  /**
   * The figures ({@code figures}: the JSON {@code bench train --json} prints) and, for the text
   * report, the per-op profile and the numbers it is printed from.
   */
  public record Result(
      ObjectNode figures,
      List<OpProfile.Entry> ops,
      double timedSeconds,
      double tokensPerSecond,
      double secondsPerStep,
      double gcMsPerStep,
      boolean arena,
      double reusedPerStep,
      double freshPerStep) {}

  /** Applies {@code config} to {@code lm} and times the steps. */
  public static Result run(CausalLM lm, PeftConfig config, Settings settings, PeakRss rss) {
    int batch = settings.batch(), seq = settings.seq(), steps = settings.steps();
    int warmup = settings.warmup();
    boolean profile = settings.profile();
    // the arena reuses the arrays of the tensors each step closes in the next steps
    try (TensorArena arena = settings.noArena() ? null : TensorArena.open()) {
      PeftModel pm = PeftModel.apply(lm, config, 42, null);
      List<Parameter> params = pm.trainableParameters();
      AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0);
      // the training step of real runs: clipping to norm 1, constant learning rate 1e-4
      TrainStep trainStep = new TrainStep(opt, LrSchedule.constant(1e-4, 0), 1.0, 1, 42);
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
          rss.resetPeak(); // peaks of the timed steps only
          gcStart = gcMillis();
          freshStart = arena == null ? 0 : arena.freshArrays();
          reusedStart = arena == null ? 0 : arena.reusedArrays();
          if (profile) {
            OpProfile.start();
          }
        }
        long t0 = System.nanoTime();
        OpProfile.mark();
        lastLoss = trainStep.run(s, m -> pm.loss(ids, null, ids, batch, seq)).loss();
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
      n.put("peak_rss_bytes", rss.peakBytes());
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
      return new Result(
          n, ops, timed, tokS, sps, gcMsPerStep, arena != null, reusedPerStep, freshPerStep);
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
}
