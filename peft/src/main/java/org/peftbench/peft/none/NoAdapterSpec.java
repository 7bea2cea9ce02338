package org.peftbench.peft.none;

import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;

/** No adaptation (peft_type {@code NONE}): the base model itself. */
public final class NoAdapterSpec implements PeftMethodSpec<NoAdapterConfig> {
  @Override
  public PeftType type() {
    return PeftType.NONE;
  }

  @Override
  public Class<NoAdapterConfig> configClass() {
    return NoAdapterConfig.class;
  }

  @Override
  public NoAdapterConfig defaults() {
    return new NoAdapterConfig();
  }

  @Override
  public PeftMethod apply(CausalLM model, NoAdapterConfig config, Init init) {
    return new NoAdapter(config);
  }
}
