package org.peftbench.peft.none;

import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.PeftMethod;
import org.peftbench.tensor.Tensor;

/** The untouched base model: nothing trains, nothing is saved. */
public final class NoAdapter implements PeftMethod {
  private final NoAdapterConfig config;

  public NoAdapter(NoAdapterConfig config) {
    this.config = config;
  }

  @Override
  public NoAdapterConfig config() {
    return config;
  }

  @Override
  public Map<String, Parameter> trainable() {
    return Map.of();
  }

  @Override
  public void load(Map<String, Tensor> state, String source) {}

  @Override
  public boolean canMerge() {
    return true;
  }

  @Override
  public void merge() {}

  @Override
  public void unmerge() {}

  @Override
  public void remove() {}
}
