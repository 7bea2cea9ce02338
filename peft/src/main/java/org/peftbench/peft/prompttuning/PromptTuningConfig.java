package org.peftbench.peft.prompttuning;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code PromptTuningConfig} (peft_type {@code PROMPT_TUNING}): {@code
 * num_virtual_tokens} trainable embeddings {@code [P, C]} prepended to the input embeddings. {@code
 * prompt_tuning_init} RANDOM draws them from N(0,1) (torch's Embedding init); TEXT copies the word
 * embeddings of {@code prompt_tuning_init_text}'s tokens, repeated/truncated to P; SAMPLE_VOCAB
 * copies the embeddings of P ids drawn uniformly from the whole vocabulary (PEFT's {@code
 * torch.randint(0, vocab, (P,))}; our stream, not torch's). {@value #PEFT_FACTORY_INIT} is not a
 * PEFT value: it is what PEFT-Factory does after PEFT's RANDOM init (its {@code model/adapter.py}),
 * the embeddings of the first P ids of {@code np.random.permutation(range(5000))} under the run
 * seed, rounded to BF16.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PromptTuningConfig(
    @JsonProperty("num_virtual_tokens") int numVirtualTokens,
    @JsonProperty("token_dim") Integer tokenDim,
    @JsonProperty("num_transformer_submodules") Integer numTransformerSubmodules,
    @JsonProperty("num_attention_heads") Integer numAttentionHeads,
    @JsonProperty("num_layers") Integer numLayers,
    @JsonProperty("prompt_tuning_init") String promptTuningInit,
    @JsonProperty("prompt_tuning_init_text") String promptTuningInitText,
    @JsonProperty("tokenizer_name_or_path") String tokenizerNameOrPath)
    implements PeftConfig {

  public PromptTuningConfig {
    if (numVirtualTokens <= 0) {
      throw new IllegalArgumentException(
          "num_virtual_tokens must be positive, got " + numVirtualTokens);
    }
    if (promptTuningInit == null) {
      promptTuningInit = "RANDOM";
    }
    if (!promptTuningInit.equals("RANDOM")
        && !promptTuningInit.equals("TEXT")
        && !promptTuningInit.equals("SAMPLE_VOCAB")
        && !promptTuningInit.equals(PEFT_FACTORY_INIT)) {
      throw new IllegalArgumentException(
          "prompt_tuning_init must be RANDOM, TEXT, SAMPLE_VOCAB or "
              + PEFT_FACTORY_INIT
              + ", got "
              + promptTuningInit);
    }
    if (promptTuningInit.equals("TEXT")
        && (promptTuningInitText == null || promptTuningInitText.isEmpty())) {
      throw new IllegalArgumentException("prompt_tuning_init TEXT needs prompt_tuning_init_text");
    }
    if (numTransformerSubmodules != null && numTransformerSubmodules != 1) {
      throw new IllegalArgumentException("num_transformer_submodules must be 1 for CAUSAL_LM");
    }
  }

  /** PEFT-Factory's prompt init (see the class comment). */
  public static final String PEFT_FACTORY_INIT = "PEFT_FACTORY";

  /** PEFT-Factory samples the init ids from the first 5,000 token ids. */
  public static final int PEFT_FACTORY_INIT_IDS = 5000;

  /** PEFT has no default for num_virtual_tokens; ours is 20. */
  public static PromptTuningConfig defaults() {
    return new PromptTuningConfig(20, null, null, null, null, "RANDOM", null, null);
  }

  public static PromptTuningConfig text(int numVirtualTokens, String text) {
    return new PromptTuningConfig(numVirtualTokens, null, null, null, null, "TEXT", text, null);
  }

  @Override
  public PeftType peftType() {
    return PeftType.PROMPT_TUNING;
  }

  @Override
  public PromptTuningConfig resolve(ModelStructure m) {
    return new PromptTuningConfig(
        numVirtualTokens,
        tokenDim != null ? tokenDim : m.hidden(),
        1,
        numAttentionHeads != null ? numAttentionHeads : m.heads(),
        numLayers != null ? numLayers : m.numLayers(),
        promptTuningInit,
        promptTuningInitText,
        tokenizerNameOrPath);
  }

  /** The prompt embedding {@code [P, token_dim]}. */
  @Override
  public long trainableParameters(ModelStructure m) {
    return (long) numVirtualTokens * resolve(m).tokenDim();
  }
}
