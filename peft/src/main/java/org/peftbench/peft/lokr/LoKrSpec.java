package org.peftbench.peft.lokr;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;

/** LoKr (peft_type {@code LOKR}): merged for inference, so no extra FLOPs. */
public final class LoKrSpec implements PeftMethodSpec<LoKrConfig> {
  @Override
  public PeftType type() {
    return PeftType.LOKR;
  }

  @Override
  public Class<LoKrConfig> configClass() {
    return LoKrConfig.class;
  }

  @Override
  public LoKrConfig defaults() {
    return LoKrConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, LoKrConfig config, Init init) {
    return new LoKr(model, config, init.seed());
  }
}
