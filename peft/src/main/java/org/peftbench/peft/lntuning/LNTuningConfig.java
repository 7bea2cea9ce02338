package org.peftbench.peft.lntuning;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code LNTuningConfig} (peft_type {@code LN_TUNING}): each targeted normalisation layer
 * is replaced by a trainable copy (the original stays, frozen, so both count in the total).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LNTuningConfig(
    @JsonProperty("target_modules") TargetModules targetModules,
    @JsonProperty("exclude_modules") TargetModules excludeModules)
    implements PeftConfig {

  public static LNTuningConfig defaults() {
    return new LNTuningConfig(null, null);
  }

  @Override
  public PeftType peftType() {
    return PeftType.LN_TUNING;
  }

  @Override
  public LNTuningConfig resolve(ModelStructure model) {
    return targetModules != null
        ? this
        : new LNTuningConfig(Targeting.lnTuningDefault(model.modelType()), excludeModules);
  }

  public List<ModelStructure.ModuleSpec> targeted(ModelStructure model) {
    return Targeting.norms(model, targetModules, excludeModules);
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    return targeted(model).stream().mapToLong(ModelStructure.ModuleSpec::numel).sum();
  }
}
