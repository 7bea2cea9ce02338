package org.peftbench.transformer.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits, as HF's logits warpers do, in their order:
 * temperature, top-k, top-p, then a draw from the remaining distribution. Greedy (temperature 0) is
 * the argmax (lowest id on ties).
 */
public final class Sampler {
  private final GenerationConfig config;
  private final SplittableRandom random;

  public Sampler(GenerationConfig config) {
    this.config = config;
    this.random = new SplittableRandom(config.seed());
  }

  /** The argmax of {@code logits[off, off+v)} (first maximum). */
  public static int argmax(float[] logits, int off, int v) {
    int best = 0;
    float bestValue = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < v; i++) {
      if (logits[off + i] > bestValue) {
        bestValue = logits[off + i];
        best = i;
      }
    }
    return best;
  }

  /** Next token for the logits {@code logits[off, off+v)}. */
  public int next(float[] logits, int off, int v) {
    if (config.greedy()) {
      return argmax(logits, off, v);
    }
    // candidate ids sorted by logit, descending (stable: lower id first on ties)
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(logits[off + b], logits[off + a]));
    int keep = config.topK() > 0 ? Math.min(config.topK(), v) : v;
    double max = logits[off + order[0]] / config.temperature();
    double[] p = new double[keep];
    double total = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[off + order[i]] / config.temperature() - max);
      total += p[i];
    }
    if (config.topP() < 1) {
      // smallest prefix whose probability reaches top_p (at least one token)
      double cum = 0;
      int n = 0;
      while (n < keep) {
        cum += p[n] / total;
        n++;
        if (cum >= config.topP()) {
          break;
        }
      }
      keep = n;
      total = 0;
      for (int i = 0; i < keep; i++) {
        total += p[i];
      }
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < keep; i++) {
      u -= p[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[keep - 1];
  }
}
