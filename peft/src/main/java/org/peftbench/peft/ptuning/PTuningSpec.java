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
   * The model on T + n positions, plus the prompt encoder run once on the n virtual tokens: 2 FLOPs
   * per weight (not bias) of the encoder and token. MLP {@code Linear(C,e) → Linear(e,e) →
   * Linear(e,C)}; LSTM: per layer and direction 4 gates × (input + recurrent) weights, the input C
   * wide in the first layer and 2e in the next, then the head {@code Linear(2e,2e) → Linear(2e,C)}.
   */
  @Override
  public ForwardFlops forwardFlops(PromptEncoderConfig config, ModelStructure model, int tokens) {
    int n = config.numVirtualTokens();
    double c = model.hidden();
    double e = config.encoderHiddenSize();
    double weights;
    if (config.lstm()) {
      weights = 0;
      for (int layer = 0; layer < config.encoderNumLayers(); layer++) {
        double in = layer == 0 ? c : 2 * e;
        weights += 2 * 4 * e * (in + e);
      }
      weights += 2 * e * 2 * e + 2 * e * c;
    } else {
      weights = c * e + e * e + e * c;
    }
    double encoder = 2.0 * n * weights;
    return new ForwardFlops(
        model.forwardFlops(tokens, 0), model.forwardFlops(tokens + n, 0) + encoder, false);
  }

  @Override
  public boolean promptLearning() {
    return true;
  }

  @Override
  public int sequenceTokens(PromptEncoderConfig config) {
    return config.numVirtualTokens();
  }
}
