package org.peftbench.peft.examples.lorafa;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * Walk-through "write your own method" (docs/examples.md), step 1, the config: LoRA-FA (Zhang et
 * al., 2023, arXiv:2308.03303) is LoRA with A frozen at its random init, so only B trains: half the
 * trainable parameters and no activation {@code x} kept for A's gradient. Its JSON form is {@code
 * {"peft_type": "LORA_FA", "r": 8, "lora_alpha": 8, "target_modules": [...]}}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LoraFaConfig(
    @JsonProperty("r") int r,
    @JsonProperty("lora_alpha") double loraAlpha,
    @JsonProperty("target_modules") TargetModules targetModules)
    implements PeftConfig {
  public static final PeftType TYPE = new PeftType("LORA_FA");

  public LoraFaConfig {
    if (r <= 0) {
      throw new IllegalArgumentException("LORA_FA r must be positive, got " + r);
    }
  }

  @Override
  public PeftType peftType() {
    return TYPE;
  }

  /** PEFT's LoRA default targets when none are given. */
  @Override
  public LoraFaConfig resolve(ModelStructure model) {
    return targetModules != null
        ? this
        : new LoraFaConfig(r, loraAlpha, Targeting.loraDefault(model.modelType()));
  }

  /** B {@code [out, r]} per targeted module: A is frozen, so it does not count. */
  @Override
  public long trainableParameters(ModelStructure model) {
    return Targeting.linears(model, targetModules, null).stream()
        .mapToLong(m -> (long) m.out() * r)
        .sum();
  }

  /** A {@code [r, in]} is added to the model too (frozen), so it counts in the total. */
  @Override
  public long addedParameters(ModelStructure model) {
    return Targeting.linears(model, targetModules, null).stream()
        .mapToLong(m -> (long) r * (m.in() + m.out()))
        .sum();
  }

  public float scaling() {
    return (float) (loraAlpha / r);
  }
}
