package org.peftbench.transformer;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/**
 * The causal-LM training loss, as HF's {@code ForCausalLMLoss}: position t predicts label t+1
 * (labels are shifted here, so pass them aligned with the inputs), labels of {@value #IGNORE} are
 * skipped, and the result is the mean over the counted positions.
 */
public final class LanguageModelLoss {
  /** The label value that is not predicted (HF's {@code -100}). */
  public static final int IGNORE = -100;

  /**
   * Logits computed at once by {@link #lossFromHidden}: up to 2²⁶ floats (256 MB), at least 256
   * rows. Bigger chunks cost memory but amortise the packing of the [V, C] output weight, which
   * every chunk does again (twice: logits and dX): at a 49k vocabulary 1,365 rows, so a 4 × 256
   * batch is one chunk.
   */
  static final long CHUNK_FLOATS = 1L << 26;

  static int chunkRows(int vocab) {
    return (int) Math.max(256, CHUNK_FLOATS / Math.max(1, vocab));
  }

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
   * The same loss as {@link #loss(Var, int[])}, computing {@code lm_head} only at the positions
   * that have a target. With prompts masked by {@value #IGNORE} (answers of a few tokens) this
   * skips most of the {@code [B, T, V]} logits and their gradient: much less memory and compute.
   *
   * @param hidden {@code [B, T, C]} from {@link CausalLM#forwardHidden}
   * @param labels {@code [B·T]} aligned with the inputs
   */
  public static Var lossFromHidden(CausalLM model, Var hidden, int[] labels) {
    int b = hidden.dim(0), t = hidden.dim(1), c = hidden.dim(2);
    int[] targets = shiftLabels(labels, b, t);
    Var rows = Ops.reshape(hidden, b * t, c);
    // runs [from, to) of consecutive positions with a target, gathered by slice + concat
    java.util.List<Var> runs = new java.util.ArrayList<>();
    int counted = 0;
    for (int i = 0; i < targets.length; ) {
      if (targets[i] == IGNORE) {
        i++;
        continue;
      }
      int from = i;
      while (i < targets.length && targets[i] != IGNORE) {
        i++;
      }
      runs.add(Ops.slice(rows, 0, from, i));
      counted += i - from;
    }
    if (counted == 0) {
      return loss(model.logits(hidden), labels); // nothing to predict: loss 0, no gradient
    }
    int[] kept = new int[counted];
    int k = 0;
    for (int y : targets) {
      if (y != IGNORE) {
        kept[k++] = y;
      }
    }
    int v = model.config().vocabSize();
    for (int y : kept) {
      if (y < 0 || y >= v) {
        throw new IllegalArgumentException("label " + y + " outside the vocabulary [0, " + v + ")");
      }
    }
    Var selected =
        counted == targets.length
            ? rows
            : runs.size() == 1 ? runs.get(0) : Ops.concat(0, runs.toArray(Var[]::new));
    LinearLayer head = model.lmHead().get();
    if (head.getClass() == Linear.class
        && model.config().finalLogitSoftcapping() == null // the fused kernel has no soft cap
        && ((Linear) head).bias() == null
        && !((Linear) head).fanInFanOut()) {
      // plain lm_head: projection + loss fused in row chunks, never all [N, V] logits at once
      Var w = ((Linear) head).weight();
      return Ops.linearCrossEntropy(selected, w, kept, IGNORE, chunkRows(w.dim(0)));
    }
    return Ops.crossEntropy(model.logits(selected), kept, IGNORE);
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
    return lossFromHidden(model, model.forwardHidden(in), labels);
  }
}
