package org.peftbench.peft;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The configuration of one PEFT method. Each implementation is a record whose JSON form is the
 * method part of HF PEFT's {@code adapter_config.json} (same field names, same defaults); the
 * common fields ({@code peft_type}, {@code task_type}, {@code base_model_name_or_path}, ...) are
 * added by {@link PeftConfigs}.
 */
public interface PeftConfig {
  @JsonIgnore
  PeftType peftType();

  /**
   * This config with the fields PEFT fills in from the model filled in: default target modules for
   * the architecture, or {@code token_dim}/{@code num_layers}/... for prompt learning.
   */
  PeftConfig resolve(ModelShapes model);

  /**
   * The parameters {@code print_trainable_parameters} reports as trainable, from structure alone.
   * Call on a {@link #resolve resolved} config.
   */
  long trainableParameters(ModelShapes model);

  /** Parameters the method adds to the model (they count in the total too). */
  default long addedParameters(ModelShapes model) {
    return trainableParameters(model);
  }

  /**
   * {@code (trainable, total)} exactly as PEFT's {@code print_trainable_parameters} counts them.
   */
  default ParameterCount count(ModelShapes model) {
    PeftConfig r = resolve(model);
    long trainable = r.trainableParameters(model);
    long added = r.addedParameters(model);
    if (trainable < 0 || added < 0) { // a method's own product wrapped around
      throw new ArithmeticException("long overflow");
    }
    return new ParameterCount(trainable, Math.addExact(model.totalParameters(), added));
  }
}
