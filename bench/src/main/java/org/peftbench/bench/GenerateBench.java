package org.peftbench.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.CpuDecodePath;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;

/**
 * Prefill and decode speed of a model on random prompt ids (the measurement behind {@code peftbench
 * bench generate}): greedy, no EOS stop, so exactly the requested number of tokens is produced. One
 * short warm-up run first lets the JIT compile the kernels; of the timed runs the best counts.
 */
public final class GenerateBench {
  private GenerateBench() {}

  /**
   * Best prefill and decode tokens/s, the timing of the run with the best decode, and which decode
   * path ran ({@code "cpu-decode"}: {@link CpuDecodePath}; {@code "general"}: the autograd graph;
   * {@code "device …"}: the KV cache resident on a device, {@link Generator#lastPath}).
   */
  public record Result(
      double prefillTokensPerSecond,
      double decodeTokensPerSecond,
      Generator.Timing best,
      String decodePath,
      long weightBytesPerToken) {

    /** Weight bytes a decode step reads per second (batch rows share one read). */
    public double decodeWeightGbPerSecond(int batch) {
      return decodeTokensPerSecond / batch * weightBytesPerToken / 1e9;
    }
  }

  /**
   * Bytes of weights one decode step reads: every linear layer's weight (the output head included,
   * tied or not) in its stored type; norms, biases and the one embedding row are negligible.
   */
  public static long weightBytesPerToken(CausalLM m) {
    long bytes = 0;
    for (var slot : m.linears().values()) {
      if (slot.base() instanceof org.peftbench.transformer.nn.Linear lin) {
        var w = lin.weight().value();
        bytes += w.numel() * w.dtype().byteSize();
      }
    }
    return bytes;
  }

  /** Runs the measurement on {@code m} (arguments already checked by the caller). */
  public static Result run(
      CausalLM m, int promptTokens, int newTokens, int batch, int repeats, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<int[]> prompts = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      int[] p = new int[promptTokens];
      for (int i = 0; i < p.length; i++) {
        p[i] = rng.nextInt(m.config().vocabSize());
      }
      prompts.add(p);
    }
    Generator g = new Generator(m);
    // warm-up: a short run through the same code paths (same batch), so the JIT has compiled the
    // kernels before the timed runs
    List<int[]> warm = new ArrayList<>();
    for (int[] p : prompts) {
      warm.add(java.util.Arrays.copyOf(p, Math.min(promptTokens, 16)));
    }
    g.generate(warm, GenerationConfig.greedy(Math.min(newTokens, 16), Set.of()));
    double bestPrefill = 0, bestDecode = 0;
    Generator.Timing best = null;
    for (int r = 0; r < repeats; r++) {
      g.generate(prompts, GenerationConfig.greedy(newTokens, Set.of()));
      Generator.Timing t = g.lastTiming();
      double prefill = t.prefillTokens() / (t.prefillNanos() / 1e9);
      double decode = t.decodeSteps() == 0 ? 0 : batch * t.decodeSteps() / (t.decodeNanos() / 1e9);
      bestPrefill = Math.max(bestPrefill, prefill);
      if (decode >= bestDecode) {
        bestDecode = decode;
        best = t;
      }
    }
    String path = g.lastPath().equals("cpu") ? "cpu-decode" : g.lastPath();
    return new Result(bestPrefill, bestDecode, best, path, weightBytesPerToken(m));
  }
}
