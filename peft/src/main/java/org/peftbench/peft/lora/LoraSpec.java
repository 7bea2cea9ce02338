package org.peftbench.peft.lora;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** LoRA, DoRA and rsLoRA (peft_type {@code LORA}): merged for inference, so no extra FLOPs. */
public final class LoraSpec implements PeftMethodSpec<LoraConfig> {
  @Override
  public PeftType type() {
    return PeftType.LORA;
  }

  @Override
  public Class<LoraConfig> configClass() {
    return LoraConfig.class;
  }

  @Override
  public LoraConfig defaults() {
    return LoraConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, LoraConfig config, Init init) {
    return new Lora(model, config, init.seed());
  }

  /**
   * Extra forward FLOPs of LoRA served unmerged: {@code 2·T·r·(in + out)} per adapted module (the
   * two low-rank products; DoRA's norm rescale is O(T·out) and left out).
   */
  public static double unmergedExtraFlops(LoraConfig config, ModelStructure model, int tokens) {
    double sum = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      sum += 2.0 * tokens * config.r() * (m.in() + m.out());
    }
    return sum;
  }
}
