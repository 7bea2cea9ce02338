package org.peftbench.peft.ptuning;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/**
 * P-tuning (peft_type {@code P_TUNING}): T + n positions plus the prompt encoder once per sequence.
 */
public final class PTuningSpec implements PeftMethodSpec<PromptEncoderConfig> {
  @Override
  public PeftType type() {
    return PeftType.P_TUNING;
  }

  @Override
  public Class<PromptEncoderConfig> configClass() {
    return PromptEncoderConfig.class;
  }

  @Override
  public PromptEncoderConfig defaults() {
    return PromptEncoderConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, PromptEncoderConfig config, Init init) {
    return new PTuning(model, config, init.seed());
  }

  /**
   * The model on T + n positions, plus the prompt encoder on the n virtual tokens: MLP {@code
   * Linear(C,e) → Linear(e,e) → Linear(e,C)}; LSTM: a bidirectional LSTM (2 directions × 4 gates ×
   * (input + recurrent) products per layer, the input counted at width e) then the MLP head.
   */
  @Override
  public ForwardFlops forwardFlops(PromptEncoderConfig config, ModelStructure model, int tokens) {
    int n = config.numVirtualTokens();
    double c = model.hidden();
    double e = config.encoderHiddenSize();
    double encoder =
        config.lstm()
            ? 2 * 4 * 2.0 * n * e * (c + e) * config.encoderNumLayers()
                + 2.0 * n * 2 * e * e
                + 2.0 * n * e * c
            : 2.0 * n * c * e + 2.0 * n * e * e + 2.0 * n * e * c;
    return new ForwardFlops(
        model.forwardFlops(tokens, 0), model.forwardFlops(tokens + n, 0) + encoder, false);
  }

  @Override
  public boolean promptLearning() {
    return true;
  }
}
