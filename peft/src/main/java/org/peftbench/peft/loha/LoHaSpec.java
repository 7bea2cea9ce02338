package org.peftbench.peft.loha;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;

/** LoHa (peft_type {@code LOHA}): merged for inference, so no extra FLOPs. */
public final class LoHaSpec implements PeftMethodSpec<LoHaConfig> {
  @Override
  public PeftType type() {
    return PeftType.LOHA;
  }

  @Override
  public Class<LoHaConfig> configClass() {
    return LoHaConfig.class;
  }

  @Override
  public LoHaConfig defaults() {
    return LoHaConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, LoHaConfig config, Init init) {
    return new LoHa(model, config, init.seed());
  }
}
