package org.peftbench.peft.full;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.peftbench.peft.ModelShapes;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;

/** Full fine-tuning (peft_type {@code FULL}, PEFT-Bench's baseline): every parameter trains. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FullFineTuningConfig() implements PeftConfig {
  @Override
  public PeftType peftType() {
    return PeftType.FULL;
  }

  @Override
  public FullFineTuningConfig resolve(ModelShapes model) {
    return this;
  }

  @Override
  public long trainableParameters(ModelShapes model) {
    return model.totalParameters();
  }

  @Override
  public long addedParameters(ModelShapes model) {
    return 0;
  }
}
