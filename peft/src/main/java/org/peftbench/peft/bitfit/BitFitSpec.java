package org.peftbench.peft.bitfit;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/**
 * BitFit (peft_type {@code BITFIT}): served with its bias adds, one per output of each adapted
 * module.
 */
public final class BitFitSpec implements PeftMethodSpec<BitFitConfig> {
  @Override
  public PeftType type() {
    return PeftType.BITFIT;
  }

  @Override
  public Class<BitFitConfig> configClass() {
    return BitFitConfig.class;
  }

  @Override
  public BitFitConfig defaults() {
    return BitFitConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, BitFitConfig config, Init init) {
    return new BitFit(model, config, init.seed());
  }

  /** {@code T·out} per adapted module: one add per bias element and token. */
  @Override
  public ForwardFlops forwardFlops(BitFitConfig config, ModelStructure model, int tokens) {
    double extra = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      extra += (double) tokens * m.out();
    }
    double base = model.forwardFlops(tokens, 0);
    return new ForwardFlops(base, base + extra, false);
  }

  /**
   * PEFT-Bench's BitFit wraps each target in a new {@code nn.Linear} holding a clone of the weight
   * ({@code peft/bitfit/layer.py}), so the device holds every adapted weight twice (bf16).
   */
  @Override
  public long deviceFrozenBytes(BitFitConfig config, ModelStructure model) {
    long sum = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      sum += 2L * m.in() * m.out();
    }
    return sum;
  }
}
