package org.peftbench.peft.full;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** Full fine-tuning (peft_type {@code FULL}): the weights change in place, no extra FLOPs. */
public final class FullFineTuningSpec implements PeftMethodSpec<FullFineTuningConfig> {
  @Override
  public PeftType type() {
    return PeftType.FULL;
  }

  @Override
  public Class<FullFineTuningConfig> configClass() {
    return FullFineTuningConfig.class;
  }

  @Override
  public FullFineTuningConfig defaults() {
    return new FullFineTuningConfig();
  }

  @Override
  public PeftMethod apply(CausalLM model, FullFineTuningConfig config, Init init) {
    return new FullFineTuning(model, config);
  }

  /** Every weight already exists: its gradient and AdamW's two moments are added (3 F32 each). */
  @Override
  public long extraTrainingBytes(FullFineTuningConfig config, ModelStructure model) {
    return 12L * model.totalParameters();
  }
}
