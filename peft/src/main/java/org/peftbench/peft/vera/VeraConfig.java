package org.peftbench.peft.vera;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code VeraConfig} (peft_type {@code VERA}): frozen random projections shared by all
 * targeted layers, {@code A [r, max_in]} and {@code B [max_out, r]} (Kaiming-uniform from {@code
 * projection_prng_key}); per layer only {@code λ_d [r]} (init {@code d_initial}) and {@code λ_b
 * [out]} (init 0) train: {@code y = x·Wᵀ + λ_b ⊙ (B[:out]·(λ_d ⊙ (A[:, :in]·dropout(x))))}. A and B
 * are buffers, not parameters (PEFT does not count them).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VeraConfig(
    @JsonProperty("r") int r,
    @JsonProperty("target_modules") TargetModules targetModules,
    @JsonProperty("projection_prng_key") long projectionPrngKey,
    @JsonProperty("save_projection") boolean saveProjection,
    @JsonProperty("vera_dropout") double veraDropout,
    @JsonProperty("d_initial") double dInitial,
    @JsonProperty("fan_in_fan_out") boolean fanInFanOut,
    @JsonProperty("bias") String bias)
    implements PeftConfig {

  public VeraConfig {
    if (r <= 0) {
      throw new IllegalArgumentException("VeRA r must be positive, got " + r);
    }
    if (bias == null) {
      bias = "none";
    }
    if (!bias.equals("none")) {
      throw new IllegalArgumentException("VeRA supports only bias \"none\"");
    }
    if (veraDropout < 0 || veraDropout >= 1) {
      throw new IllegalArgumentException("vera_dropout must be in [0, 1)");
    }
  }

  /** PEFT's defaults: r=256, d_initial=0.1, projections saved. */
  public static VeraConfig defaults() {
    return new VeraConfig(256, null, 0, true, 0.0, 0.1, false, "none");
  }

  public VeraConfig withRank(int r) {
    return new VeraConfig(
        r,
        targetModules,
        projectionPrngKey,
        saveProjection,
        veraDropout,
        dInitial,
        fanInFanOut,
        bias);
  }

  @Override
  public PeftType peftType() {
    return PeftType.VERA;
  }

  @Override
  public VeraConfig resolve(ModelStructure model) {
    return targetModules != null
        ? this
        : new VeraConfig(
            r,
            Targeting.loraDefault(model.modelType()),
            projectionPrngKey,
            saveProjection,
            veraDropout,
            dInitial,
            fanInFanOut,
            bias);
  }

  public List<ModelStructure.ModuleSpec> targeted(ModelStructure model) {
    return Targeting.linears(model, targetModules, null);
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    return targeted(model).stream().mapToLong(l -> r + l.out()).sum();
  }
}
