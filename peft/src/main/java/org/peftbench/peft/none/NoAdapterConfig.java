package org.peftbench.peft.none;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.peftbench.peft.ModelShapes;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;

/** No adaptation (peft_type {@code NONE}): the base model, evaluated untouched. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NoAdapterConfig() implements PeftConfig {
  @Override
  public PeftType peftType() {
    return PeftType.NONE;
  }

  @Override
  public NoAdapterConfig resolve(ModelShapes model) {
    return this;
  }

  @Override
  public long trainableParameters(ModelShapes model) {
    return 0;
  }
}
