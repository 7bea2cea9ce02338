package org.peftbench.harness.run;

import java.util.Arrays;
import java.util.List;

/**
 * A right-padded batch [B, T]: pad positions carry the pad id and label {@code -100}. With causal
 * attention, padding on the right never influences the real positions before it, so no attention
 * mask is needed for the loss.
 */
public record Batch(int[][] inputIds, int[][] labels, int[] lengths) {

  public static Batch of(List<TokenizedExample> examples, int padId) {
    int b = examples.size();
    int t = 0;
    for (TokenizedExample e : examples) {
      t = Math.max(t, e.inputIds().length);
    }
    int[][] ids = new int[b][t];
    int[][] labels = new int[b][t];
    int[] lengths = new int[b];
    for (int i = 0; i < b; i++) {
      TokenizedExample e = examples.get(i);
      int n = e.inputIds().length;
      Arrays.fill(ids[i], padId);
      Arrays.fill(labels[i], TokenizedExample.IGNORE);
      System.arraycopy(e.inputIds(), 0, ids[i], 0, n);
      System.arraycopy(e.labels(), 0, labels[i], 0, n);
      lengths[i] = n;
    }
    return new Batch(ids, labels, lengths);
  }

  public int size() {
    return inputIds.length;
  }

  public int width() {
    return inputIds.length == 0 ? 0 : inputIds[0].length;
  }

  /** Real (non-pad) tokens in the batch. */
  public int tokens() {
    int n = 0;
    for (int l : lengths) {
      n += l;
    }
    return n;
  }
}
