package org.peftbench.peft.ia3;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code IA3Config} (peft_type {@code IA3}): a learned vector {@code l} per targeted
 * linear, initialised to ones. Feed-forward modules scale their input ({@code l [1,in]}: {@code y =
 * (x⊙l)·Wᵀ}), the others their output ({@code l [out,1]}: {@code y = (x·Wᵀ)⊙l}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IA3Config(
    @JsonProperty("target_modules") TargetModules targetModules,
    @JsonProperty("exclude_modules") TargetModules excludeModules,
    @JsonProperty("feedforward_modules") TargetModules feedforwardModules,
    @JsonProperty("fan_in_fan_out") boolean fanInFanOut,
    @JsonProperty("init_ia3_weights") boolean initIa3Weights)
    implements PeftConfig {

  public IA3Config {
    if (targetModules != null
        && feedforwardModules != null
        && !targetModules.isRegex()
        && !feedforwardModules.isRegex()
        && !targetModules.names().containsAll(feedforwardModules.names())) {
      throw new IllegalArgumentException(
          "feedforward_modules "
              + feedforwardModules
              + " must be a subset of target_modules "
              + targetModules);
    }
  }

  public static IA3Config defaults() {
    return new IA3Config(null, null, null, false, true);
  }

  @Override
  public PeftType peftType() {
    return PeftType.IA3;
  }

  @Override
  public IA3Config resolve(ModelStructure model) {
    TargetModules t =
        targetModules != null ? targetModules : Targeting.ia3Default(model.modelType());
    TargetModules ff =
        feedforwardModules != null
            ? feedforwardModules
            : Targeting.ia3FeedforwardDefault(model.modelType());
    return new IA3Config(t, excludeModules, ff, fanInFanOut, initIa3Weights);
  }

  /** Is {@code module} treated as feed-forward (input scaling)? PEFT's suffix rule. */
  public boolean isFeedforward(String module) {
    return feedforwardModules != null && feedforwardModules.matchesSuffix(module);
  }

  public List<ModelStructure.ModuleSpec> targeted(ModelStructure model) {
    return Targeting.linears(model, targetModules, excludeModules);
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    long n = 0;
    for (ModelStructure.ModuleSpec l : targeted(model)) {
      n += isFeedforward(l.name()) ? l.in() : l.out();
    }
    return n;
  }
}
