package org.peftbench.peft.ptuning;

import java.util.LinkedHashMap;
import java.util.Map;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.VirtualTokens;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;

/**
 * P-tuning: virtual tokens produced by the {@link PromptEncoder} are prepended to every input.
 *
 * <p>As in PEFT, the file holds the encoder's output ({@code prompt_embeddings [P, C]}), not the
 * encoder: a loaded adapter is a fixed table (inference mode), not trainable further.
 */
public final class PTuning implements PeftMethod {
  private final PromptEncoderConfig config;
  private final PromptEncoder encoder;
  private Parameter loaded; // [P, C] after load(), else null

  public PTuning(CausalLM model, PromptEncoderConfig config, long seed) {
    this.config = config;
    if (config.tokenDim() != model.config().hiddenSize()) {
      throw new IllegalArgumentException(
          "token_dim "
              + config.tokenDim()
              + " does not match the model's hidden size "
              + model.config().hiddenSize());
    }
    this.encoder = new PromptEncoder(config, seed);
  }

  public PromptEncoder encoder() {
    return encoder;
  }

  @Override
  public PromptEncoderConfig config() {
    return config;
  }

  @Override
  public Map<String, Parameter> trainable() {
    return loaded != null ? Map.of() : encoder.parameters();
  }

  /** PEFT's {@code get_prompt_embedding_to_save}: the encoder's output. */
  @Override
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    try (var ignored = GradMode.noGrad()) {
      m.put("prompt_embeddings", loaded != null ? loaded.value() : encoder.forward().value());
    }
    return m;
  }

  @Override
  public void load(Map<String, Tensor> state, String source) {
    Parameter p =
        new Parameter(
            "prompt_embeddings", Tensor.zeros(config.numVirtualTokens(), config.tokenDim()), false);
    StateDicts.copyInto(state, "prompt_embeddings", p, source);
    loaded = p;
  }

  private Var prompts() {
    return loaded != null ? loaded : encoder.forward();
  }

  @Override
  public ModelInput prepare(ModelInput in) {
    if (in.cache() != null && in.cache().length() > 0) {
      return in;
    }
    return VirtualTokens.prepend(in, prompts());
  }

  @Override
  public int virtualTokens() {
    return config.numVirtualTokens();
  }

  @Override
  public void remove() {}
}
