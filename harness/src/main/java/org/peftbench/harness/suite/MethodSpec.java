package org.peftbench.harness.suite;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One method of a suite: a display name, an {@code adapter_config.json}-style block (HF PEFT field
 * names, {@code peft_type} as PEFT spells it), and optional training and cap overrides.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MethodSpec(String name, ObjectNode peft, TrainingSettings training, Caps caps) {

  /** The PEFT type as written in the block, e.g. {@code LORA}. */
  public String peftType() {
    return peft.path("peft_type").asText("");
  }
}
