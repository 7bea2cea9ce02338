package org.peftbench.tensor.backend;

import java.util.Arrays;

/**
 * One batch of a causal-LM training step, {@code [B, T]} row-major.
 *
 * @param ids token ids {@code [B·T]}
 * @param labels labels aligned with the inputs {@code [B·T]} (position t predicts label t+1;
 *     {@value #IGNORE} = not predicted)
 * @param positions RoPE positions {@code [B·T]}
 * @param padding {@code [B·T]}, true = padding token (hidden from attention), or null
 * @param batch B
 * @param time T
 */
public record TrainBatch(
    int[] ids, int[] labels, int[] positions, boolean[] padding, int batch, int time) {
  /** The label value that is not predicted (HF's {@code -100}). */
  public static final int IGNORE = -100;

  public TrainBatch {
    int n = batch * time;
    if (batch <= 0 || time <= 0) {
      throw new IllegalArgumentException(
          "training batch: B and T must be > 0, got " + batch + "×" + time);
    }
    if (ids.length != n || labels.length != n || positions.length != n) {
      throw new IllegalArgumentException(
          "training batch: "
              + ids.length
              + " ids, "
              + labels.length
              + " labels, "
              + positions.length
              + " positions for B×T = "
              + n);
    }
    if (padding != null && padding.length != n) {
      throw new IllegalArgumentException(
          "training batch: " + padding.length + " padding flags for B×T = " + n);
    }
  }

  /** A batch without padding at positions 0..T-1 of every row. */
  public static TrainBatch of(int[] ids, int[] labels, int batch, int time) {
    int[] positions = new int[batch * time];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = i % time;
    }
    return new TrainBatch(ids, labels, positions, null, batch, time);
  }

  /**
   * The target of every position: {@code targets[b·T + t] = labels[b·T + t + 1]}, and {@value
   * #IGNORE} at each row's last position (HF's shift).
   */
  public int[] targets() {
    int[] targets = new int[labels.length];
    Arrays.fill(targets, IGNORE);
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t + 1 < time; t++) {
        targets[b * time + t] = labels[b * time + t + 1];
      }
    }
    return targets;
  }
}
