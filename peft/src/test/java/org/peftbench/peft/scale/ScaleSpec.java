package org.peftbench.peft.scale;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;

/** SCALE: merged for inference, so no extra FLOPs (the interface's default). */
public final class ScaleSpec implements PeftMethodSpec<ScaleConfig> {
  @Override
  public PeftType type() {
    return ScaleConfig.TYPE;
  }

  @Override
  public Class<ScaleConfig> configClass() {
    return ScaleConfig.class;
  }

  @Override
  public ScaleConfig defaults() {
    return new ScaleConfig(null);
  }

  @Override
  public PeftMethod apply(CausalLM model, ScaleConfig config, Init init) {
    return new Scale(model, config);
  }
}
