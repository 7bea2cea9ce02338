package org.peftbench.peft.full;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.ModelStructure;

/** Full fine-tuning (peft_type {@code FULL}, PEFT-Bench's baseline): every parameter trains. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FullFineTuningConfig() implements PeftConfig {
  @Override
  public PeftType peftType() {
    return PeftType.FULL;
  }

  @Override
  public FullFineTuningConfig resolve(ModelStructure model) {
    return this;
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    return model.totalParameters();
  }

  @Override
  public long addedParameters(ModelStructure model) {
    return 0;
  }
}
