package org.peftbench.peft.ia3;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.Init;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/** (IA)³ injection; file key {@code <module>.ia3_l}, init ones. */
public final class IA3 implements PeftMethod {
  private final IA3Config config;
  private final List<Slot<LinearLayer>> slots = new ArrayList<>();
  private final List<IA3Linear> layers = new ArrayList<>();
  private final Map<String, Parameter> trainable = new LinkedHashMap<>();
  private boolean merged;

  public IA3(CausalLM model, IA3Config config, long seed) {
    this.config = config;
    List<String> targets =
        Targeting.select(
            List.copyOf(model.linears().keySet()),
            config.targetModules(),
            config.excludeModules(),
            "target_modules");
    for (String module : targets) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      boolean ff = config.isFeedforward(module);
      String key = StateDicts.key(module, "ia3_l");
      int[] shape = ff ? new int[] {1, base.inFeatures()} : new int[] {base.outFeatures(), 1};
      Tensor init =
          config.initIa3Weights()
              ? Init.filled(1f, shape)
              : Init.normal(Init.rng(seed, key), 1, shape);
      Parameter l = StateDicts.trainable(key, init);
      trainable.put(key, l);
      IA3Linear layer = new IA3Linear(module, base, l, ff);
      slot.set(layer);
      slots.add(slot);
      layers.add(layer);
    }
  }

  @Override
  public IA3Config config() {
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
    if (!merged) {
      for (int i = 0; i < slots.size(); i++) {
        slots.get(i).set(layers.get(i).merged());
      }
      merged = true;
    }
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
