package org.peftbench.peft.lokr;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** LoKr (peft_type {@code LOKR}): merged for inference, so no extra FLOPs. */
public final class LoKrSpec implements PeftMethodSpec<LoKrConfig> {
  @Override
  public PeftType type() {
    return PeftType.LOKR;
  }

  @Override
  public Class<LoKrConfig> configClass() {
    return LoKrConfig.class;
  }

  @Override
  public LoKrConfig defaults() {
    return LoKrConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, LoKrConfig config, Init init) {
    return new LoKr(model, config, init.seed());
  }

  /**
   * LoKr unmerged, as trained (PEFT rebuilds ΔW every forward): per adapted module the low-rank
   * factor products where a factor is decomposed ({@code 2·rows·r·cols}), the Kronecker product and
   * scaling {@code 2·in·out}, then {@code x·ΔWᵀ} {@code 2·T·in·out} and the add {@code T·out}.
   */
  @Override
  public ForwardFlops forwardFlops(LoKrConfig config, ModelStructure model, int tokens) {
    double extra = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      double in = m.in(), out = m.out();
      LoKrConfig.Factors f = config.factors(m.out(), m.in());
      if (!f.fullW1()) {
        extra += 2.0 * f.a() * config.r() * f.c();
      }
      if (!f.fullW2()) {
        extra += 2.0 * f.b() * config.r() * f.d();
      }
      extra += 2.0 * in * out + 2.0 * tokens * in * out + tokens * out;
    }
    double base = model.forwardFlops(tokens, 0);
    return new ForwardFlops(base, base + extra, true);
  }
}
