package org.peftbench.peft.full;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;

/**
 * Full fine-tuning: every base parameter becomes trainable (as a heap F32 copy: mapped weights are
 * never written). Saved under {@code base_model.model.<HF name>}.
 */
public final class FullFineTuning implements PeftMethod {
  private final FullFineTuningConfig config;
  private final Map<String, Parameter> trainable = new LinkedHashMap<>();
  private final List<Tensor> originals = new ArrayList<>();

  public FullFineTuning(CausalLM model, FullFineTuningConfig config) {
    this.config = config;
    for (Parameter p : model.parameters().values()) {
      originals.add(p.value());
      p.setValue(p.value().toF32());
      p.setTrainable(true);
      trainable.put(StateDicts.PREFIX + p.name(), p);
    }
  }

  @Override
  public FullFineTuningConfig config() {
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

  /** Nothing to fold: the trained weights are the model's own. */
  @Override
  public void merge() {}

  @Override
  public void unmerge() {}

  @Override
  public void remove() {
    int i = 0;
    for (Parameter p : trainable.values()) {
      p.setTrainable(false);
      p.setValue(originals.get(i++));
    }
  }
}
