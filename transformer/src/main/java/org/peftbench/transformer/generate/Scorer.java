package org.peftbench.transformer.generate;

import java.util.function.UnaryOperator;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.transformer.CausalLM;
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
      Var logits = model.forward(in);
      int shift = in.time() - n; // virtual tokens come first
      Tensor lp = Tensor.zeros(logits.shape());
      Backends.current().logSoftmax(logits.value(), lp);
      float[] out = new float[n - 1];
      for (int t = 0; t + 1 < n; t++) {
        out[t] = lp.get((long) (shift + t) * v + ids[t + 1]);
      }
      lp.close();
      return out;
    }
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
