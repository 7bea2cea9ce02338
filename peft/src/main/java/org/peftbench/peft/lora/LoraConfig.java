package org.peftbench.peft.lora;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code LoraConfig} (peft_type {@code LORA}); DoRA is {@code use_dora: true}.
 *
 * <p>Each targeted linear {@code W [out,in]} gets {@code A [r,in]} (Kaiming-uniform, a=√5) and
 * {@code B [out,r]} (zeros): {@code y = x·Wᵀ + scaling · dropout(x)·Aᵀ·Bᵀ}, {@code scaling =
 * lora_alpha/r} ({@code lora_alpha/√r} with rsLoRA). DoRA adds a magnitude vector {@code m [out]}.
 *
 * @param initLoraWeights {@code true} (PEFT's default), {@code false} (B random too) or {@code
 *     "gaussian"} (A ~ N(0, 1/r))
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LoraConfig(
    @JsonProperty("r") int r,
    @JsonProperty("lora_alpha") double loraAlpha,
    @JsonProperty("lora_dropout") double loraDropout,
    @JsonProperty("target_modules") TargetModules targetModules,
    @JsonProperty("exclude_modules") TargetModules excludeModules,
    @JsonProperty("use_rslora") boolean useRslora,
    @JsonProperty("use_dora") boolean useDora,
    @JsonProperty("bias") String bias,
    // the weight layout comes from the model (GPT-2's Conv1D is [in, out]); PEFT likewise corrects
    // this flag to the layer it finds, so it is recorded but not needed
    @JsonProperty("fan_in_fan_out") boolean fanInFanOut,
    @JsonProperty("init_lora_weights") Object initLoraWeights)
    implements PeftConfig {

  public LoraConfig {
    if (r <= 0) {
      throw new IllegalArgumentException("LoRA r must be positive, got " + r);
    }
    if (loraDropout < 0 || loraDropout >= 1) {
      throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + loraDropout);
    }
    if (bias == null) {
      bias = "none";
    }
    if (!bias.equals("none")) {
      throw new IllegalArgumentException(
          "LoRA bias '" + bias + "' is not supported (only \"none\"; use BITFIT for biases)");
    }
    if (initLoraWeights == null) {
      initLoraWeights = Boolean.TRUE;
    }
    if (!(initLoraWeights instanceof Boolean) && !"gaussian".equals(initLoraWeights)) {
      throw new IllegalArgumentException(
          "init_lora_weights '"
              + initLoraWeights
              + "' is not supported (true, false, \"gaussian\")");
    }
  }

  /** PEFT's defaults: r=8, lora_alpha=8, no dropout, architecture's default targets. */
  public static LoraConfig defaults() {
    return new LoraConfig(8, 8, 0.0, null, null, false, false, "none", false, true);
  }

  public LoraConfig withRank(int r, double alpha) {
    return new LoraConfig(
        r,
        alpha,
        loraDropout,
        targetModules,
        excludeModules,
        useRslora,
        useDora,
        bias,
        fanInFanOut,
        initLoraWeights);
  }

  public LoraConfig withTargets(TargetModules t) {
    return new LoraConfig(
        r,
        loraAlpha,
        loraDropout,
        t,
        excludeModules,
        useRslora,
        useDora,
        bias,
        fanInFanOut,
        initLoraWeights);
  }

  public LoraConfig withDora(boolean dora) {
    return new LoraConfig(
        r,
        loraAlpha,
        loraDropout,
        targetModules,
        excludeModules,
        useRslora,
        dora,
        bias,
        fanInFanOut,
        initLoraWeights);
  }

  public LoraConfig withDropout(double p) {
    return new LoraConfig(
        r,
        loraAlpha,
        p,
        targetModules,
        excludeModules,
        useRslora,
        useDora,
        bias,
        fanInFanOut,
        initLoraWeights);
  }

  public LoraConfig withRslora(boolean rs) {
    return new LoraConfig(
        r,
        loraAlpha,
        loraDropout,
        targetModules,
        excludeModules,
        rs,
        useDora,
        bias,
        fanInFanOut,
        initLoraWeights);
  }

  /** {@code lora_alpha/r}, or {@code lora_alpha/√r} with rsLoRA. */
  public double scaling() {
    return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
  }

  @Override
  public PeftType peftType() {
    return PeftType.LORA;
  }

  @Override
  public LoraConfig resolve(ModelStructure model) {
    return targetModules != null ? this : withTargets(Targeting.loraDefault(model.modelType()));
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    long n = 0;
    for (ModelStructure.ModuleSpec l : targeted(model)) {
      n += (long) r * (l.in() + l.out()) + (useDora ? l.out() : 0);
    }
    return n;
  }

  /** The linears this config adapts (config must be resolved). */
  public java.util.List<ModelStructure.ModuleSpec> targeted(ModelStructure model) {
    return Targeting.linears(model, targetModules, excludeModules);
  }
}
