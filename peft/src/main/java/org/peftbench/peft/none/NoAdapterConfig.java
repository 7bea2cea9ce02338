package org.peftbench.peft.none;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.ModelStructure;

/** No adaptation (peft_type {@code NONE}): the base model, evaluated untouched. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NoAdapterConfig() implements PeftConfig {
  @Override
  public PeftType peftType() {
    return PeftType.NONE;
  }

  @Override
  public NoAdapterConfig resolve(ModelStructure model) {
    return this;
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    return 0;
  }
}
