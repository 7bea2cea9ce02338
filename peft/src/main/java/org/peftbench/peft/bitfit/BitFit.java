package org.peftbench.peft.bitfit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * BitFit: only biases train. A targeted linear with a bias has it unfrozen (as a heap F32 copy);
 * one without gets a zero-initialised {@link BiasLinear}. File key {@code <module>.bias}.
 */
public final class BitFit implements PeftMethod {
  private final BitFitConfig config;
  private final List<Slot<LinearLayer>> slots = new ArrayList<>();
  private final List<BiasLinear> added = new ArrayList<>();
  private final List<Parameter> unfrozen = new ArrayList<>();
  private final List<Tensor> originals = new ArrayList<>();
  private final Map<String, Parameter> trainable = new LinkedHashMap<>();
  private boolean merged;

  public BitFit(CausalLM model, BitFitConfig config) {
    this.config = config;
    List<String> targets =
        Targeting.select(
            List.copyOf(model.linears().keySet()), config.targetModules(), null, "target_modules");
    for (String module : targets) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      String key = StateDicts.key(module, "bias");
      if (base instanceof Linear lin && lin.bias() != null) {
        Parameter b = lin.bias();
        originals.add(b.value());
        b.setValue(b.value().toF32());
        b.setTrainable(true);
        unfrozen.add(b);
        trainable.put(key, b);
      } else {
        Parameter b = StateDicts.trainable(key, Tensor.zeros(base.outFeatures()));
        BiasLinear layer = new BiasLinear(module, base, b);
        slot.set(layer);
        slots.add(slot);
        added.add(layer);
        trainable.put(key, b);
      }
    }
  }

  @Override
  public BitFitConfig config() {
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
        slots.get(i).set(added.get(i).merged());
      }
      merged = true;
    }
  }

  @Override
  public void unmerge() {
    for (int i = 0; i < slots.size(); i++) {
      slots.get(i).set(added.get(i));
    }
    merged = false;
  }

  /** Slots back to base; unfrozen biases frozen again with their original values. */
  @Override
  public void remove() {
    slots.forEach(Slot::reset);
    for (int i = 0; i < unfrozen.size(); i++) {
      unfrozen.get(i).setTrainable(false);
      unfrozen.get(i).setValue(originals.get(i));
    }
  }
}
