package org.peftbench.transformer;

/**
 * How long a sequence a model takes: {@code max_position_embeddings} positions, shared by the
 * virtual tokens of prompt learning (prompt tuning, P-tuning, prefix tuning put P positions in
 * front of the real tokens) and the real tokens. Checked before any work starts, so that a
 * 100k-token row or 100,000 virtual tokens end in one line instead of minutes of computing; a
 * protocol that truncates instead asks {@link #maxTokens} for its cut.
 */
public final class SequenceLimits {
  private SequenceLimits() {}

  /** Real tokens that fit beside {@code virtualTokens} virtual ones (0 when none fit). */
  public static int maxTokens(ModelConfig config, int virtualTokens) {
    return Math.max(0, config.maxPositionEmbeddings() - Math.max(0, virtualTokens));
  }

  /**
   * Throws unless at least one real token fits beside {@code virtualTokens}.
   *
   * @param what names the source in the message, e.g. the adapter config file
   */
  public static void checkVirtualTokens(ModelConfig config, int virtualTokens, String what) {
    if (virtualTokens >= config.maxPositionEmbeddings()) {
      throw new ModelException(
          what
              + ": "
              + virtualTokens
              + " virtual tokens leave no room for text: the model takes "
              + config.maxPositionEmbeddings()
              + " positions (max_position_embeddings)");
    }
  }

  /**
   * Throws unless {@code tokens} real tokens fit beside {@code virtualTokens}.
   *
   * @param what names the sequence in the message, e.g. {@code "train.jsonl:17"}
   */
  public static void check(ModelConfig config, int virtualTokens, long tokens, String what) {
    if (tokens > maxTokens(config, virtualTokens)) {
      throw new ModelException(
          tooLong(config.maxPositionEmbeddings(), virtualTokens, tokens, what));
    }
  }

  /** The one-line message for a sequence of {@code tokens} beyond a limit of {@code max}. */
  public static String tooLong(int maxPositions, int virtualTokens, long tokens, String what) {
    return what
        + ": "
        + tokens
        + " tokens"
        + (virtualTokens > 0 ? " + " + virtualTokens + " virtual tokens" : "")
        + " exceed the model's "
        + maxPositions
        + " positions (max_position_embeddings); shorten it or truncate it (--max-seq-len)";
  }
}
