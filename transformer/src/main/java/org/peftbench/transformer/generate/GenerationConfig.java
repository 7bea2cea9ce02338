package org.peftbench.transformer.generate;

import java.util.List;
import java.util.Set;

/**
 * How to generate: length, sampling and stopping.
 *
 * @param maxNewTokens at most this many tokens per row
 * @param temperature 0 = greedy (argmax); otherwise logits are divided by it before sampling
 * @param topK keep only the k most likely tokens (0 = off)
 * @param topP keep the smallest set of most likely tokens whose probability reaches p (1 = off)
 * @param seed sampling seed (same seed ⇒ same tokens)
 * @param eosTokenIds a row stops after producing one of these (the id is kept in its output)
 * @param stopStrings a row stops once its decoded text contains one of these (needs a decoder)
 */
public record GenerationConfig(
    int maxNewTokens,
    double temperature,
    int topK,
    double topP,
    long seed,
    Set<Integer> eosTokenIds,
    List<String> stopStrings) {

  public GenerationConfig {
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be a finite number >= 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
    }
    eosTokenIds = Set.copyOf(eosTokenIds);
    stopStrings = List.copyOf(stopStrings);
  }

  /** Greedy decoding of up to {@code maxNewTokens}, stopping at the given EOS ids. */
  public static GenerationConfig greedy(int maxNewTokens, Set<Integer> eosTokenIds) {
    return new GenerationConfig(maxNewTokens, 0, 0, 1, 0, eosTokenIds, List.of());
  }

  public GenerationConfig withSampling(double temperature, int topK, double topP, long seed) {
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, seed, eosTokenIds, stopStrings);
  }

  public GenerationConfig withStopStrings(List<String> stops) {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, eosTokenIds, stops);
  }

  public boolean greedy() {
    return temperature == 0;
  }
}
