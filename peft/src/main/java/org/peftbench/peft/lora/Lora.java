package org.peftbench.peft.lora;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.Init;
import org.peftbench.peft.PeftMethod;
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
public final class Lora implements PeftMethod {
  private final LoraConfig config;
  private final List<Slot<LinearLayer>> slots = new ArrayList<>();
  private final List<LoraLinear> layers = new ArrayList<>();
  private final Map<String, Parameter> trainable = new LinkedHashMap<>();
  private boolean merged;

  public Lora(CausalLM model, LoraConfig config, long seed) {
    this.config = config;
    List<String> targets =
        Targeting.select(
            List.copyOf(model.linears().keySet()),
            config.targetModules(),
            config.excludeModules(),
            "target_modules");
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
      Parameter pa = StateDicts.trainable(keyA, a);
      Parameter pb = StateDicts.trainable(keyB, b);
      trainable.put(keyA, pa);
      trainable.put(keyB, pb);
      Parameter magnitude = null;
      if (config.useDora()) {
        String keyM = StateDicts.key(module, "lora_magnitude_vector");
        Tensor w = WeightMath.outIn(WeightMath.baseLinear(base, module));
        magnitude = StateDicts.trainable(keyM, LoraLinear.rowNorms(w, a, b, scaling));
        trainable.put(keyM, magnitude);
      }
      LoraLinear layer =
          new LoraLinear(
              module,
              base,
              pa,
              pb,
              magnitude,
              scaling,
              (float) config.loraDropout(),
              Init.rng(seed, module).nextLong());
      slot.set(layer);
      slots.add(slot);
      layers.add(layer);
    }
  }

  @Override
  public LoraConfig config() {
    return config;
  }

  @Override
  public Map<String, Parameter> trainable() {
    return trainable;
  }

  @Override
  public void load(Map<String, Tensor> state, String source) {
    trainable.forEach((k, p) -> StateDicts.copyInto(state, k, p, source));
  }

  @Override
  public boolean canMerge() {
    return true;
  }

  @Override
  public void merge() {
    if (merged) {
      return;
    }
    for (int i = 0; i < slots.size(); i++) {
      slots.get(i).set(layers.get(i).merged());
    }
    merged = true;
  }

  @Override
  public void unmerge() {
    for (int i = 0; i < slots.size(); i++) {
      slots.get(i).set(layers.get(i));
    }
    merged = false;
  }

  @Override
  public void remove() {
    slots.forEach(Slot::reset);
  }
}
