package org.peftbench.peft.loha;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** LoHa (peft_type {@code LOHA}): merged for inference, so no extra FLOPs. */
public final class LoHaSpec implements PeftMethodSpec<LoHaConfig> {
  @Override
  public PeftType type() {
    return PeftType.LOHA;
  }

  @Override
  public Class<LoHaConfig> configClass() {
    return LoHaConfig.class;
  }

  @Override
  public LoHaConfig defaults() {
    return LoHaConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, LoHaConfig config, Init init) {
    return new LoHa(model, config, init.seed());
  }

  /**
   * LoHa unmerged, as trained (PEFT rebuilds ΔW every forward): per adapted module the two rank-r
   * products {@code 2·2·r·in·out}, their Hadamard product and scaling {@code 2·in·out}, then {@code
   * x·ΔWᵀ} {@code 2·T·in·out} and the add {@code T·out}.
   */
  @Override
  public ForwardFlops forwardFlops(LoHaConfig config, ModelStructure model, int tokens) {
    double extra = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      double in = m.in(), out = m.out();
      extra +=
          4.0 * config.r() * in * out + 2.0 * in * out + 2.0 * tokens * in * out + tokens * out;
    }
    double base = model.forwardFlops(tokens, 0);
    return new ForwardFlops(base, base + extra, true);
  }
}
