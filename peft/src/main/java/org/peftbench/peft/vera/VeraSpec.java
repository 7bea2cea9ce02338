package org.peftbench.peft.vera;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** VeRA (peft_type {@code VERA}): merged for inference, so no extra FLOPs. */
public final class VeraSpec implements PeftMethodSpec<VeraConfig> {
  @Override
  public PeftType type() {
    return PeftType.VERA;
  }

  @Override
  public Class<VeraConfig> configClass() {
    return VeraConfig.class;
  }

  @Override
  public VeraConfig defaults() {
    return VeraConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, VeraConfig config, Init init) {
    return new Vera(model, config, init.seed());
  }

  /**
   * The trainable vectors' state plus the frozen shared projections A {@code [r, max_in]} and B
   * {@code [max_out, r]} (F32), which are buffers, not parameters.
   */
  @Override
  public long extraTrainingBytes(VeraConfig config, ModelStructure model) {
    int maxIn = 0, maxOut = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      maxIn = Math.max(maxIn, m.in());
      maxOut = Math.max(maxOut, m.out());
    }
    return 16L * config.trainableParameters(model) + 4L * config.r() * (maxIn + maxOut);
  }

  /**
   * VeRA unmerged, as trained: per adapted module {@code x·Aᵀ} and {@code ·Bᵀ} ({@code 2·T·r·(in +
   * out)}), the two vector scalings ({@code T·(r + out)}) and the add ({@code T·out}).
   */
  @Override
  public ForwardFlops forwardFlops(VeraConfig config, ModelStructure model, int tokens) {
    double extra = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      extra +=
          2.0 * tokens * config.r() * (m.in() + m.out())
              + (double) tokens * (config.r() + m.out())
              + (double) tokens * m.out();
    }
    double base = model.forwardFlops(tokens, 0);
    return new ForwardFlops(base, base + extra, true);
  }

  /** The shared frozen projections A and B (F32 buffers). */
  @Override
  public long deviceFrozenBytes(VeraConfig config, ModelStructure model) {
    return extraTrainingBytes(config, model) - 16L * config.trainableParameters(model);
  }
}
