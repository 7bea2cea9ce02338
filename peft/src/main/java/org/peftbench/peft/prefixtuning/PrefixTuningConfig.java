package org.peftbench.peft.prefixtuning;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code PrefixTuningConfig} (peft_type {@code PREFIX_TUNING}): per layer, P trainable
 * keys and values prepended to attention's keys and values.
 *
 * <p>Sizing as PEFT does it for grouped-query attention: {@code token_dim = head_dim ·
 * num_key_value_heads} and {@code num_attention_heads = num_key_value_heads}. The prefix encoder's
 * output per virtual token is {@code num_layers · 2 · token_dim} (layer l's key at {@code 2l},
 * value at {@code 2l+1}, each {@code [Hkv, D]}). Without {@code prefix_projection} that is a plain
 * embedding {@code [P, 2·L·token_dim]}; with it, an embedding {@code [P, token_dim]} followed by
 * {@code Linear(token_dim, encoder_hidden_size) → tanh → Linear(encoder_hidden_size,
 * 2·L·token_dim)} ({@code encoder_hidden_size} defaults to token_dim).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PrefixTuningConfig(
    @JsonProperty("num_virtual_tokens") int numVirtualTokens,
    @JsonProperty("token_dim") Integer tokenDim,
    @JsonProperty("num_transformer_submodules") Integer numTransformerSubmodules,
    @JsonProperty("num_attention_heads") Integer numAttentionHeads,
    @JsonProperty("num_layers") Integer numLayers,
    @JsonProperty("encoder_hidden_size") Integer encoderHiddenSize,
    @JsonProperty("prefix_projection") boolean prefixProjection)
    implements PeftConfig {

  public PrefixTuningConfig {
    if (numVirtualTokens <= 0) {
      throw new IllegalArgumentException(
          "num_virtual_tokens must be positive, got " + numVirtualTokens);
    }
    if (numTransformerSubmodules != null && numTransformerSubmodules != 1) {
      throw new IllegalArgumentException("num_transformer_submodules must be 1 for CAUSAL_LM");
    }
  }

  /** PEFT has no default for num_virtual_tokens; ours is 20. */
  public static PrefixTuningConfig defaults() {
    return new PrefixTuningConfig(20, null, null, null, null, null, false);
  }

  public PrefixTuningConfig withProjection(boolean projection) {
    return new PrefixTuningConfig(
        numVirtualTokens,
        tokenDim,
        numTransformerSubmodules,
        numAttentionHeads,
        numLayers,
        encoderHiddenSize,
        projection);
  }

  @Override
  public PeftType peftType() {
    return PeftType.PREFIX_TUNING;
  }

  /** PEFT's _prepare_prompt_learning_config, including the grouped-query adjustment. */
  @Override
  public PrefixTuningConfig resolve(ModelStructure m) {
    int layers = numLayers != null ? numLayers : m.numLayers();
    int dim = tokenDim != null ? tokenDim : m.kvHeads() * m.headDim();
    int heads = numAttentionHeads != null ? numAttentionHeads : m.kvHeads();
    return new PrefixTuningConfig(
        numVirtualTokens,
        dim,
        1,
        heads,
        layers,
        encoderHiddenSize != null ? encoderHiddenSize : dim,
        prefixProjection);
  }

  /** Width of one virtual token's prefix row: {@code 2 · num_layers · token_dim}. */
  public int prefixWidth() {
    return 2 * numLayers * tokenDim;
  }

  @Override
  public long trainableParameters(ModelStructure m) {
    PrefixTuningConfig c = resolve(m);
    long p = c.numVirtualTokens;
    long width = c.prefixWidth();
    if (!c.prefixProjection) {
      return p * width;
    }
    long e = c.encoderHiddenSize;
    long d = c.tokenDim;
    return p * d + (d * e + e) + (e * width + width);
  }
}
