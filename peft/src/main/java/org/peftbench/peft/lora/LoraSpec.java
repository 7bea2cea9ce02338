package org.peftbench.peft.lora;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** LoRA, DoRA and rsLoRA (peft_type {@code LORA}): merged for inference, so no extra FLOPs. */
public final class LoraSpec implements PeftMethodSpec<LoraConfig> {
  @Override
  public PeftType type() {
    return PeftType.LORA;
  }

  @Override
  public Class<LoraConfig> configClass() {
    return LoraConfig.class;
  }

  @Override
  public LoraConfig defaults() {
    return LoraConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, LoraConfig config, Init init) {
    return new Lora(model, config, init.seed());
  }

  /**
   * Extra forward FLOPs of LoRA unmerged, as trained: per adapted module the two low-rank products
   * {@code 2·T·r·(in + out)} and the scaled add {@code 2·T·out}. DoRA also rebuilds {@code ‖W +
   * s·B·A‖} every forward ({@code 2·r·in·out} for {@code B·A}, {@code 3·in·out} for the sum and the
   * row norms) and rescales ({@code 3·T·out}).
   */
  public static double unmergedExtraFlops(LoraConfig config, ModelStructure model, int tokens) {
    double sum = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      double in = m.in(), out = m.out();
      sum += 2.0 * tokens * config.r() * (in + out) + 2.0 * tokens * out;
      if (config.useDora()) {
        sum += 2.0 * config.r() * in * out + 3.0 * in * out + 3.0 * tokens * out;
      }
    }
    return sum;
  }

  @Override
  public ForwardFlops forwardFlops(LoraConfig config, ModelStructure model, int tokens) {
    double base = model.forwardFlops(tokens, 0);
    return new ForwardFlops(base, base + unmergedExtraFlops(config, model, tokens), true);
  }

  /**
   * Per adapted module LoRA keeps its input (bf16, for A's gradient), its dropout mask (one byte
   * per input element when dropout is on) and {@code x·Aᵀ} (for B's gradient).
   */
  @Override
  public long activationBytesPerToken(LoraConfig config, ModelStructure model) {
    long sum = 0;
    for (ModelStructure.ModuleSpec m : config.targeted(model)) {
      sum += 2L * m.in() + (config.loraDropout() > 0 ? m.in() : 0) + 2L * config.r();
    }
    return sum / model.numLayers();
  }
}
