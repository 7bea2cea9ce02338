package org.peftbench.peft.ia3;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;

/** (IA)³ (peft_type {@code IA3}): merged for inference, so no extra FLOPs. */
public final class IA3Spec implements PeftMethodSpec<IA3Config> {
  @Override
  public PeftType type() {
    return PeftType.IA3;
  }

  @Override
  public Class<IA3Config> configClass() {
    return IA3Config.class;
  }

  @Override
  public IA3Config defaults() {
    return IA3Config.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, IA3Config config, Init init) {
    return new IA3(model, config, init.seed());
  }
}
