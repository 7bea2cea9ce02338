package org.peftbench.peft.prefixtuning;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** Prefix tuning (peft_type {@code PREFIX_TUNING}): every layer attends to n extra keys/values. */
public final class PrefixTuningSpec implements PeftMethodSpec<PrefixTuningConfig> {
  @Override
  public PeftType type() {
    return PeftType.PREFIX_TUNING;
  }

  @Override
  public Class<PrefixTuningConfig> configClass() {
    return PrefixTuningConfig.class;
  }

  @Override
  public PrefixTuningConfig defaults() {
    return PrefixTuningConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, PrefixTuningConfig config, Init init) {
    return new PrefixTuning(model, config, init.seed());
  }

  /**
   * Attention over S = T + n keys in every layer; with {@code prefix_projection} PEFT's encoder
   * (embedding → Linear(C, e) → tanh → Linear(e, L·2·K·D)) runs once per sequence.
   */
  @Override
  public ForwardFlops forwardFlops(PrefixTuningConfig config, ModelStructure model, int tokens) {
    int n = config.numVirtualTokens();
    double encoder = 0;
    if (config.prefixProjection()) {
      double e = config.encoderHiddenSize();
      encoder =
          2.0 * n * model.hidden() * e
              + 2.0 * n * e * (2.0 * model.numLayers() * model.kvHeads() * model.headDim());
    }
    return new ForwardFlops(
        model.forwardFlops(tokens, 0), model.forwardFlops(tokens, n) + encoder, false);
  }

  @Override
  public boolean promptLearning() {
    return true;
  }

  /**
   * PEFT-Bench's prefix-tuning yaml sets {@code disable_gradient_checkpointing: true} (PEFT's
   * prefix keys travel as past key/values, which HF's checkpointed layers do not take).
   */
  @Override
  public boolean referenceGradientCheckpointing(PrefixTuningConfig config) {
    return false;
  }
}
