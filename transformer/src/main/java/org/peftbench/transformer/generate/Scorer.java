package org.peftbench.transformer.generate;

import java.util.function.UnaryOperator;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelException;
import org.peftbench.transformer.ModelInput;

/** Per-token log-probabilities of a sequence under the model (teacher forcing). */
public final class Scorer {
  private Scorer() {}

  /**
   * {@code log p(ids[t+1] | ids[0..t])} for {@code t = 0 .. n−2}.
   *
   * @param hook rewrites the input before it runs (adapters that prepend virtual tokens; their
   *     positions are dropped from the output), or null
   */
  public static float[] logprobs(CausalLM model, int[] ids, UnaryOperator<ModelInput> hook) {
    if (ids.length < 2) {
      return new float[0];
    }
    int n = ids.length, v = model.config().vocabSize();
    try (var noGrad = GradMode.noGrad()) {
      ModelInput in = ModelInput.of(model.embedTokens(ids, 1, n));
      if (hook != null) {
        in = hook.apply(in);
      }
      checkLength(model, in);
      Var logits = model.forward(in);
      int shift = in.time() - n; // virtual tokens come first
      Tensor lp = Tensor.zeros(logits.shape());
      Backends.current().logSoftmax(logits.value(), lp);
      float[] out = new float[n - 1];
      for (int t = 0; t + 1 < n; t++) {
        out[t] = lp.get((long) (shift + t) * v + ids[t + 1]);
      }
      lp.close();
      return requireFinite(out);
    }
  }

  /**
   * {@code log p(ids[j] | ids[0..j−1])} for {@code j = firstTarget .. n−1} only: {@code lm_head}
   * and the softmax run just at those positions (ranking answer choices after a long prompt).
   *
   * @param firstTarget the first scored token (at least 1)
   * @param hook rewrites the input (virtual tokens come first and are skipped), or null
   */
  public static float[] logprobs(
      CausalLM model, int[] ids, int firstTarget, UnaryOperator<ModelInput> hook) {
    int n = ids.length;
    if (firstTarget < 1 || firstTarget > n) {
      throw new IllegalArgumentException(
          "first scored token " + firstTarget + " outside [1, " + n + "]");
    }
    if (firstTarget == n) {
      return new float[0];
    }
    int v = model.config().vocabSize(), k = n - firstTarget;
    try (var noGrad = GradMode.noGrad()) {
      ModelInput in = ModelInput.of(model.embedTokens(ids, 1, n));
      if (hook != null) {
        in = hook.apply(in);
      }
      checkLength(model, in);
      Var hidden = model.forwardHidden(in); // [1, T', C]
      int shift = in.time() - n;
      // position t predicts token t+1: targets j need the hidden states of j−1
      Var rows = Ops.slice(hidden, 1, shift + firstTarget - 1, shift + n - 1);
      Var logits = model.logits(rows); // [1, k, V]
      Tensor lp = Tensor.zeros(logits.shape());
      Backends.current().logSoftmax(logits.value(), lp);
      float[] out = new float[k];
      for (int i = 0; i < k; i++) {
        out[i] = lp.get((long) i * v + ids[firstTarget + i]);
      }
      lp.close();
      return requireFinite(out);
    }
  }

  private static void checkLength(CausalLM model, ModelInput in) {
    int positions = in.prefixLength() + in.time();
    int max = model.config().maxPositionEmbeddings();
    if (positions > max) {
      throw new ModelException(
          "scoring needs "
              + positions
              + " positions, beyond the model's "
              + max
              + " (max_position_embeddings); shorten the text");
    }
  }

  /** A NaN or infinite log-probability means broken weights, adapter or config: stop. */
  private static float[] requireFinite(float[] logprobs) {
    for (int i = 0; i < logprobs.length; i++) {
      if (Float.isNaN(logprobs[i]) || logprobs[i] == Float.POSITIVE_INFINITY) {
        throw new ModelException(
            "the model computed a non-finite log-probability ("
                + logprobs[i]
                + ") for scored token "
                + i
                + ": its weights, its adapter or its config.json hold NaN/Inf or values that"
                + " overflow");
      }
    }
    return logprobs;
  }

  /** Mean negative log-probability of {@link #logprobs} (0 when there is nothing to score). */
  public static double loss(float[] logprobs) {
    double s = 0;
    for (float x : logprobs) {
      s -= x;
    }
    return logprobs.length == 0 ? 0 : s / logprobs.length;
  }
}
