package org.peftbench.peft.lntuning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.LayerNorm;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.RmsNorm;
import org.peftbench.transformer.nn.Slot;

/**
 * LN tuning: each targeted norm's slot gets a trainable copy of the norm (PEFT deep-copies the
 * layer); the original stays in the model, frozen. File keys {@code
 * <module>.ln_tuning_layers.weight} (and {@code .bias} for LayerNorm). Merging is free: the copy is
 * already a plain norm layer.
 */
public final class LNTuning implements PeftMethod {
  private final LNTuningConfig config;
  private final List<Slot<NormLayer>> slots = new ArrayList<>();
  private final Map<String, Parameter> trainable = new LinkedHashMap<>();

  public LNTuning(CausalLM model, LNTuningConfig config) {
    this.config = config;
    List<String> targets =
        Targeting.select(model.norms(), config.targetModules(), config.excludeModules());
    for (String module : targets) {
      Slot<NormLayer> slot = model.norms().get(module);
      NormLayer base = slot.get();
      Parameter w = copy(module, "ln_tuning_layers.weight", base.weight());
      NormLayer copy;
      if (base instanceof RmsNorm r) {
        copy = r.withWeight(w); // keeps eps and Gemma's (1 + w) form
      } else if (base instanceof LayerNorm ln) {
        Parameter b = ln.bias() == null ? null : copy(module, "ln_tuning_layers.bias", ln.bias());
        copy = new LayerNorm(w, b, ln.eps());
      } else {
        throw new IllegalArgumentException(module + ": cannot copy norm layer " + base);
      }
      slot.set(copy);
      slots.add(slot);
    }
  }

  private Parameter copy(String module, String suffix, Parameter original) {
    String key = StateDicts.key(module, suffix);
    Parameter p = StateDicts.trainable(key, original.value().toF32());
    trainable.put(key, p);
    return p;
  }

  @Override
  public LNTuningConfig config() {
    return config;
  }

  @Override
  public Map<String, Parameter> trainable() {
    return trainable;
  }

  @Override
  public boolean canMerge() {
    return true;
  }

  /** Nothing to fold: the trained copy is a plain norm and costs what the original did. */
  @Override
  public void merge() {}

  @Override
  public void unmerge() {}

  @Override
  public void remove() {
    slots.forEach(Slot::reset);
  }
}
