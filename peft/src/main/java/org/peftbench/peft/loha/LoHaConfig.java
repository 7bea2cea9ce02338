package org.peftbench.peft.loha;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code LoHaConfig} (peft_type {@code LOHA}): the weight update is a Hadamard product of
 * two rank-r products, {@code ΔW = (W1a·W1b) ⊙ (W2a·W2b) · alpha/r}, {@code W1a, W2a [out,r]},
 * {@code W1b, W2b [r,in]}; W2b starts at zero so ΔW = 0.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LoHaConfig(
    @JsonProperty("r") int r,
    @JsonProperty("alpha") double alpha,
    @JsonProperty("rank_dropout") double rankDropout,
    @JsonProperty("module_dropout") double moduleDropout,
    @JsonProperty("target_modules") TargetModules targetModules,
    @JsonProperty("exclude_modules") TargetModules excludeModules,
    @JsonProperty("init_weights") boolean initWeights)
    implements PeftConfig {

  public LoHaConfig {
    if (r <= 0) {
      throw new IllegalArgumentException("LoHa r must be positive, got " + r);
    }
    if (rankDropout != 0 || moduleDropout != 0) {
      throw new IllegalArgumentException(
          "LoHa rank_dropout/module_dropout are not supported (use 0)");
    }
  }

  public static LoHaConfig defaults() {
    return new LoHaConfig(8, 8, 0, 0, null, null, true);
  }

  public double scaling() {
    return alpha / r;
  }

  @Override
  public PeftType peftType() {
    return PeftType.LOHA;
  }

  @Override
  public LoHaConfig resolve(ModelStructure model) {
    return targetModules != null
        ? this
        : new LoHaConfig(
            r,
            alpha,
            rankDropout,
            moduleDropout,
            Targeting.loraDefault(model.modelType()),
            excludeModules,
            initWeights);
  }

  public List<ModelStructure.ModuleSpec> targeted(ModelStructure model) {
    return Targeting.linears(model, targetModules, excludeModules);
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    return targeted(model).stream().mapToLong(l -> 2L * r * (l.in() + l.out())).sum();
  }
}
