package org.peftbench.peft.lntuning;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;

/**
 * LN tuning (peft_type {@code LN_TUNING}): the tuned norms replace the base ones, no extra FLOPs.
 */
public final class LNTuningSpec implements PeftMethodSpec<LNTuningConfig> {
  @Override
  public PeftType type() {
    return PeftType.LN_TUNING;
  }

  @Override
  public Class<LNTuningConfig> configClass() {
    return LNTuningConfig.class;
  }

  @Override
  public LNTuningConfig defaults() {
    return LNTuningConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, LNTuningConfig config, Init init) {
    return new LNTuning(model, config);
  }
}
