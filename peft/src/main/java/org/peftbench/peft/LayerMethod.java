package org.peftbench.peft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * Bookkeeping shared by methods that wrap linear layers with a mergeable update: the slots they
 * took, the wrapper in each, and its merged form.
 */
public abstract class LayerMethod implements PeftMethod {
  protected final Map<String, Parameter> trainable = new LinkedHashMap<>();
  private final List<Slot<LinearLayer>> slots = new ArrayList<>();
  private final List<LinearLayer> wrappers = new ArrayList<>();
  private final List<Supplier<Linear>> mergedForms = new ArrayList<>();
  private boolean merged;

  /** Puts {@code wrapper} into {@code slot}; {@code merged} builds its folded form. */
  protected void install(Slot<LinearLayer> slot, LinearLayer wrapper, Supplier<Linear> merged) {
    slot.set(wrapper);
    slots.add(slot);
    wrappers.add(wrapper);
    mergedForms.add(merged);
  }

  protected Parameter param(String key, Tensor init) {
    Parameter p = StateDicts.trainable(key, init);
    trainable.put(key, p);
    return p;
  }

  @Override
  public Map<String, Parameter> trainable() {
    return trainable;
  }

  @Override
  public boolean canMerge() {
    return true;
  }

  @Override
  public void merge() {
    if (!merged) {
      for (int i = 0; i < slots.size(); i++) {
        slots.get(i).set(mergedForms.get(i).get());
      }
      merged = true;
    }
  }

  @Override
  public void unmerge() {
    for (int i = 0; i < slots.size(); i++) {
      slots.get(i).set(wrappers.get(i));
    }
    merged = false;
  }

  @Override
  public void remove() {
    slots.forEach(Slot::reset);
  }
}
