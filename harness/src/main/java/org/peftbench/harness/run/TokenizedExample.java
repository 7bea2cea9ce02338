package org.peftbench.harness.run;

import java.util.Arrays;

/**
 * One training sequence: token ids and labels aligned with them (label[t] is the token at t, or
 * {@link #IGNORE} where no loss is taken). The model shifts inside, as HF does: position t's logits
 * are scored against label[t + 1].
 */
public record TokenizedExample(int[] inputIds, int[] labels) {
  public static final int IGNORE = -100;

  public TokenizedExample {
    if (inputIds.length == 0) {
      throw new IllegalArgumentException("an example needs at least one token");
    }
    if (labels.length != inputIds.length) {
      throw new IllegalArgumentException(
          "labels (" + labels.length + ") must be as long as input_ids (" + inputIds.length + ")");
    }
  }

  /** Labels = the input ids: language modelling on the whole sequence. */
  public static TokenizedExample ofIds(int[] ids) {
    return new TokenizedExample(ids, ids.clone());
  }

  /**
   * A prompt/target pair: loss only on the target tokens. When longer than {@code maxLen} (≤ 0: no
   * limit), the prompt loses tokens from its start (the instruction), so the question's end and the
   * whole target stay; a target longer than maxLen is cut at its end.
   */
  public static TokenizedExample promptTarget(int[] prompt, int[] target, int maxLen) {
    int[] p = prompt;
    int[] t = target;
    if (maxLen > 0 && p.length + t.length > maxLen) {
      if (t.length >= maxLen) {
        t = Arrays.copyOf(t, maxLen - 1);
        p = Arrays.copyOfRange(p, p.length - 1, p.length);
      } else {
        p = Arrays.copyOfRange(p, p.length - (maxLen - t.length), p.length);
      }
    }
    int[] ids = new int[p.length + t.length];
    int[] labels = new int[ids.length];
    System.arraycopy(p, 0, ids, 0, p.length);
    System.arraycopy(t, 0, ids, p.length, t.length);
    Arrays.fill(labels, 0, p.length, IGNORE);
    System.arraycopy(t, 0, labels, p.length, t.length);
    return new TokenizedExample(ids, labels);
  }
}
