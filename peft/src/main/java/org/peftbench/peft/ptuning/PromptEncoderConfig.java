package org.peftbench.peft.ptuning;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code PromptEncoderConfig} (peft_type {@code P_TUNING}): virtual-token embeddings
 * {@code [P, C]} reparameterised by PEFT's PromptEncoder before being prepended to the input.
 *
 * <p>MLP: {@code Linear(C,h) → ReLU → Linear(h,h) → ReLU → Linear(h,C)} (exactly three layers;
 * {@code encoder_num_layers} is ignored, as in PEFT). LSTM: a bidirectional LSTM (input C, hidden
 * h, {@code encoder_num_layers} layers, dropout between layers) then {@code Linear(2h,2h) → ReLU →
 * Linear(2h,C)}. {@code h = encoder_hidden_size}, default C.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PromptEncoderConfig(
    @JsonProperty("num_virtual_tokens") int numVirtualTokens,
    @JsonProperty("token_dim") Integer tokenDim,
    @JsonProperty("num_transformer_submodules") Integer numTransformerSubmodules,
    @JsonProperty("num_attention_heads") Integer numAttentionHeads,
    @JsonProperty("num_layers") Integer numLayers,
    @JsonProperty("encoder_reparameterization_type") String encoderReparameterizationType,
    @JsonProperty("encoder_hidden_size") Integer encoderHiddenSize,
    @JsonProperty("encoder_num_layers") int encoderNumLayers,
    @JsonProperty("encoder_dropout") double encoderDropout)
    implements PeftConfig {

  public PromptEncoderConfig {
    if (numVirtualTokens <= 0) {
      throw new IllegalArgumentException(
          "num_virtual_tokens must be positive, got " + numVirtualTokens);
    }
    if (encoderReparameterizationType == null) {
      encoderReparameterizationType = "MLP";
    }
    if (!encoderReparameterizationType.equals("MLP")
        && !encoderReparameterizationType.equals("LSTM")) {
      throw new IllegalArgumentException(
          "encoder_reparameterization_type must be MLP or LSTM, got "
              + encoderReparameterizationType);
    }
    if (encoderNumLayers <= 0) {
      throw new IllegalArgumentException("encoder_num_layers must be positive");
    }
    if (encoderDropout < 0 || encoderDropout >= 1) {
      throw new IllegalArgumentException("encoder_dropout must be in [0, 1)");
    }
    if (numTransformerSubmodules != null && numTransformerSubmodules != 1) {
      throw new IllegalArgumentException("num_transformer_submodules must be 1 for CAUSAL_LM");
    }
  }

  /** PEFT's defaults (MLP, 2 layers, no dropout); num_virtual_tokens (no PEFT default) 20. */
  public static PromptEncoderConfig defaults() {
    return new PromptEncoderConfig(20, null, null, null, null, "MLP", null, 2, 0.0);
  }

  public PromptEncoderConfig withEncoder(String type, Integer hidden) {
    return new PromptEncoderConfig(
        numVirtualTokens,
        tokenDim,
        numTransformerSubmodules,
        numAttentionHeads,
        numLayers,
        type,
        hidden,
        encoderNumLayers,
        encoderDropout);
  }

  public boolean lstm() {
    return encoderReparameterizationType.equals("LSTM");
  }

  @Override
  public PeftType peftType() {
    return PeftType.P_TUNING;
  }

  @Override
  public PromptEncoderConfig resolve(ModelStructure m) {
    int dim = tokenDim != null ? tokenDim : m.hidden();
    return new PromptEncoderConfig(
        numVirtualTokens,
        dim,
        1,
        numAttentionHeads != null ? numAttentionHeads : m.heads(),
        numLayers != null ? numLayers : m.numLayers(),
        encoderReparameterizationType,
        encoderHiddenSize != null ? encoderHiddenSize : dim,
        encoderNumLayers,
        encoderDropout);
  }

  @Override
  public long trainableParameters(ModelStructure m) {
    PromptEncoderConfig c = resolve(m);
    long p = c.numVirtualTokens;
    long d = c.tokenDim;
    long h = c.encoderHiddenSize;
    long n = p * d; // embedding
    if (!c.lstm()) {
      return n + (d * h + h) + (h * h + h) + (h * d + d);
    }
    // Bidirectional LSTM: per direction and layer, W_ih [4h, in], W_hh [4h, h], b_ih, b_hh [4h].
    for (int layer = 0; layer < c.encoderNumLayers; layer++) {
      long in = layer == 0 ? d : 2 * h;
      n += 2 * (4 * h * in + 4 * h * h + 8 * h);
    }
    return n + (2 * h * 2 * h + 2 * h) + (2 * h * d + d);
  }
}
