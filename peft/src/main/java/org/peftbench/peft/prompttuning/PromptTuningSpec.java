package org.peftbench.peft.prompttuning;

import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.PeftMethodSpec;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/** Prompt tuning (peft_type {@code PROMPT_TUNING}): the whole model runs on T + n positions. */
public final class PromptTuningSpec implements PeftMethodSpec<PromptTuningConfig> {
  @Override
  public PeftType type() {
    return PeftType.PROMPT_TUNING;
  }

  @Override
  public Class<PromptTuningConfig> configClass() {
    return PromptTuningConfig.class;
  }

  @Override
  public PromptTuningConfig defaults() {
    return PromptTuningConfig.defaults();
  }

  @Override
  public PeftMethod apply(CausalLM model, PromptTuningConfig config, Init init) {
    return new PromptTuning(model, config, init.seed(), init.tokenizer(), init.loading());
  }

  @Override
  public ForwardFlops forwardFlops(PromptTuningConfig config, ModelStructure model, int tokens) {
    return new ForwardFlops(
        model.forwardFlops(tokens, 0),
        model.forwardFlops(tokens + config.numVirtualTokens(), 0),
        false);
  }

  @Override
  public boolean promptLearning() {
    return true;
  }

  @Override
  public int sequenceTokens(PromptTuningConfig config) {
    return config.numVirtualTokens();
  }
}
