package org.peftbench.peft.scale;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * A test-only method (peft_type {@code SCALE}) added the way {@code docs/adding-a-method.md} says:
 * each targeted linear's output is rescaled per channel, {@code y = base(x) ⊙ (1 + g)}, with {@code
 * g [out]} trainable and zero at the start (the model starts unchanged). Default targets: the LoRA
 * defaults.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ScaleConfig(@JsonProperty("target_modules") TargetModules targetModules)
    implements PeftConfig {
  public static final PeftType TYPE = new PeftType("SCALE");

  @Override
  public PeftType peftType() {
    return TYPE;
  }

  @Override
  public ScaleConfig resolve(ModelStructure model) {
    return targetModules != null ? this : new ScaleConfig(Targeting.loraDefault(model.modelType()));
  }

  public List<ModelStructure.ModuleSpec> targeted(ModelStructure model) {
    return Targeting.linears(model, targetModules, null);
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    return targeted(model).stream().mapToLong(ModelStructure.ModuleSpec::out).sum();
  }
}
