package org.peftbench.peft.bitfit;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * BitFit (peft_type {@code BITFIT}, PEFT-Bench's own; HF PEFT has no such type): only bias terms
 * train. On each targeted linear the existing bias becomes trainable; where the linear has none
 * (Llama), a zero-initialised trainable bias {@code [out]} is added, so the model starts unchanged.
 * Default targets: {@code q_proj}, {@code v_proj} (GPT-2: {@code c_attn}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BitFitConfig(@JsonProperty("target_modules") TargetModules targetModules)
    implements PeftConfig {

  public static BitFitConfig defaults() {
    return new BitFitConfig(null);
  }

  @Override
  public PeftType peftType() {
    return PeftType.BITFIT;
  }

  @Override
  public BitFitConfig resolve(ModelStructure model) {
    // PEFT-Bench's q_proj, v_proj: the LoRA default (GPT-2: its fused c_attn)
    return targetModules != null
        ? this
        : new BitFitConfig(Targeting.loraDefault(model.modelType()));
  }

  public List<ModelStructure.ModuleSpec> targeted(ModelStructure model) {
    return Targeting.linears(model, targetModules, null);
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    return targeted(model).stream().mapToLong(ModelStructure.ModuleSpec::out).sum();
  }

  /** Only the biases the model lacks are new parameters. */
  @Override
  public long addedParameters(ModelStructure model) {
    return targeted(model).stream()
        .filter(l -> !l.bias())
        .mapToLong(ModelStructure.ModuleSpec::out)
        .sum();
  }
}
