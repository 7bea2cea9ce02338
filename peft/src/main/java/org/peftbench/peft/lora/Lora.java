package org.peftbench.peft.lora;

import java.util.List;
import java.util.SplittableRandom;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.Init;
import org.peftbench.peft.LayerMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.peft.WeightMath;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * LoRA/DoRA injection: every targeted linear's slot gets a {@link LoraLinear} around its base
 * module. File keys: {@code <module>.lora_A.weight}, {@code <module>.lora_B.weight}, and for DoRA
 * {@code <module>.lora_magnitude_vector}.
 */
public final class Lora extends LayerMethod {
  private final LoraConfig config;

  public Lora(CausalLM model, LoraConfig config, long seed) {
    this.config = config;
    List<String> targets =
        Targeting.select(model.linears(), config.targetModules(), config.excludeModules());
    float scaling = (float) config.scaling();
    for (String module : targets) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      int in = base.inFeatures(), out = base.outFeatures();
      String keyA = StateDicts.key(module, "lora_A.weight");
      String keyB = StateDicts.key(module, "lora_B.weight");
      Tensor a, b;
      SplittableRandom rng = Init.rng(seed, keyA);
      Object init = config.initLoraWeights();
      if ("gaussian".equals(init)) {
        a = Init.normal(rng, 1.0 / config.r(), config.r(), in);
        b = Tensor.zeros(out, config.r());
      } else if (Boolean.FALSE.equals(init)) {
        // PEFT leaves torch's default Linear init on both: a non-identity start (for tests).
        a = Init.kaimingUniform(rng, config.r(), in);
        b = Init.kaimingUniform(rng, out, config.r());
      } else {
        a = Init.kaimingUniform(rng, config.r(), in);
        b = Tensor.zeros(out, config.r());
      }
      Parameter pa = param(keyA, a);
      Parameter pb = param(keyB, b);
      Parameter magnitude = null;
      if (config.useDora()) {
        Tensor w = WeightMath.outIn(WeightMath.baseLinear(base, module));
        magnitude =
            param(
                StateDicts.key(module, "lora_magnitude_vector"),
                LoraLinear.rowNorms(w, a, b, scaling));
      }
      LoraLinear layer =
          new LoraLinear(module, base, pa, pb, magnitude, scaling, (float) config.loraDropout());
      install(slot, layer, layer::merged);
    }
  }

  @Override
  public LoraConfig config() {
    return config;
  }
}
