package org.peftbench.peft.examples.lorafa;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/**
 * Step 3, the spec the registry looks up by {@code peft_type}. Merged for inference, so the
 * interface's default FLOPs (no extra) hold; training memory is 16 bytes per trainable parameter
 * (B: value, gradient, two AdamW moments) plus 4 per frozen one (A: value only).
 */
public final class LoraFaSpec implements PeftMethodSpec<LoraFaConfig> {
  @Override
  public PeftType type() {
    return LoraFaConfig.TYPE;
  }

  @Override
  public Class<LoraFaConfig> configClass() {
    return LoraFaConfig.class;
  }

  @Override
  public LoraFaConfig defaults() {
    return new LoraFaConfig(8, 8, null);
  }

  @Override
  public PeftMethod apply(CausalLM model, LoraFaConfig config, PeftMethodSpec.Init init) {
    return new LoraFa(model, config, init.seed());
  }

  @Override
  public long extraTrainingBytes(LoraFaConfig config, ModelStructure model) {
    long trainable = config.trainableParameters(model);
    return 16L * trainable + 4L * (config.addedParameters(model) - trainable);
  }
}
