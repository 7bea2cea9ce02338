package org.peftbench.transformer;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;

/**
 * The causal-LM training loss, as HF's {@code ForCausalLMLoss}: position t predicts label t+1
 * (labels are shifted here, so pass them aligned with the inputs), labels of {@value #IGNORE} are
 * skipped, and the result is the mean over the counted positions.
 */
public final class LanguageModelLoss {
  /** The label value that is not predicted (HF's {@code -100}). */
  public static final int IGNORE = -100;

  private LanguageModelLoss() {}

  /**
   * Targets for each position: {@code targets[b·T + t] = labels[b·T + t + 1]}, and {@value #IGNORE}
   * at each row's last position.
   */
  public static int[] shiftLabels(int[] labels, int batch, int time) {
    if (labels.length != batch * time) {
      throw new IllegalArgumentException(labels.length + " labels for B=" + batch + ", T=" + time);
    }
    int[] targets = new int[labels.length];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < time; t++) {
        targets[b * time + t] = t + 1 < time ? labels[b * time + t + 1] : IGNORE;
      }
    }
    return targets;
  }

  /**
   * Mean next-token cross-entropy.
   *
   * @param logits {@code [B, T, V]}
   * @param labels {@code [B·T]} aligned with the inputs, {@value #IGNORE} = not predicted
   * @return a scalar
   */
  public static Var loss(Var logits, int[] labels) {
    int b = logits.dim(0), t = logits.dim(1), v = logits.dim(2);
    int[] targets = shiftLabels(labels, b, t);
    for (int y : targets) {
      if (y != IGNORE && (y < 0 || y >= v)) {
        throw new IllegalArgumentException("label " + y + " outside the vocabulary [0, " + v + ")");
      }
    }
    return Ops.crossEntropy(Ops.reshape(logits, b * t, v), targets, IGNORE);
  }

  /**
   * Forward and loss of a padded batch of token ids.
   *
   * @param ids {@code [B·T]}
   * @param attentionMask {@code [B·T]}, 1 = real token, 0 = padding (null = no padding)
   * @param labels {@code [B·T]}
   */
  public static Var loss(
      CausalLM model, int[] ids, int[] attentionMask, int[] labels, int batch, int time) {
    ModelInput in = ModelInput.of(model.embedTokens(ids, batch, time));
    if (attentionMask != null) {
      in = in.withPadding(ModelInput.paddingFromAttentionMask(attentionMask));
    }
    return loss(model.forward(in), labels);
  }
}
