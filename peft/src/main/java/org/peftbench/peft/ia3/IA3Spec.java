package org.peftbench.peft.ia3;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** (IA)³ (peft_type {@code IA3}): a learned scaling vector per adapted linear. */
public final class IA3Spec implements PeftMethodSpec<IA3Config> {
  @Override
  public PeftType type() {
    return PeftType.IA3;
  }

  @Override
  public Class<IA3Config> configClass() {
    return IA3Config.class;
  }

  @Override
  public IA3Config defaults() {
    return IA3Config.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, IA3Config config, Init init) {
    return new IA3(model, config, init.seed());
  }

  /**
   * (IA)³ unmerged, as trained: one multiply per scaled element and token, {@code T·in} for a
   * feed-forward module (input scaled), {@code T·out} otherwise.
   */
  @Override
  public ForwardFlops forwardFlops(IA3Config config, ModelStructure model, int tokens) {
    double extra = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      extra += (double) tokens * (config.isFeedforward(m.name()) ? m.in() : m.out());
    }
    double base = model.forwardFlops(tokens, 0);
    return new ForwardFlops(base, base + extra, true);
  }

  /** Each scaled tensor is kept for l's gradient: the input (feed-forward) or the output. */
  @Override
  public long activationBytesPerToken(IA3Config config, ModelStructure model) {
    long sum = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      sum += 2L * (config.isFeedforward(m.name()) ? m.in() : m.out());
    }
    return sum / model.numLayers();
  }
}
