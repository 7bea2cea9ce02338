package org.peftbench.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The structure of a Llama/Mistral/Qwen2/Qwen3/GPT-2 causal LM as HF transformers builds it,
 * derived from {@code config.json} alone: every module (with HF's name) and every parameter shape,
 * no weights allocated. It is what PEFT's targeting and {@code print_trainable_parameters} see, so
 * parameter counts for 8B-scale models cost nothing.
 *
 * @param modelType HF {@code model_type} ("llama", "mistral", "qwen2", "qwen3", "gpt2")
 * @param hidden C
 * @param intermediate the MLP width
 * @param layers number of decoder layers
 * @param heads H (query heads)
 * @param kvHeads Hkv (key/value heads)
 * @param headDim D
 * @param vocab V
 * @param tiedEmbeddings lm_head shares embed_tokens' weight (counted once, as torch does)
 * @param positionEmbeddings learned position table size (GPT-2's wpe), 0 for RoPE models
 * @param linears every linear layer, in module order
 * @param norms every normalisation layer, in module order
 */
public record ModelShapes(
    String modelType,
    int hidden,
    int intermediate,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int vocab,
    boolean tiedEmbeddings,
    long positionEmbeddings,
    List<Linear> linears,
    List<Norm> norms) {

  /** A linear layer {@code y = x·Wᵀ (+ b)}, W {@code [out, in]}. */
  public record Linear(String name, int in, int out, boolean bias) {
    public long numel() {
      return (long) in * out + (bias ? out : 0);
    }
  }

  /** A norm of {@code size} channels: RMSNorm (weight only) or LayerNorm (weight and bias). */
  public record Norm(String name, int size, boolean bias) {
    public Norm(String name, int size) {
      this(name, size, false);
    }

    public long numel() {
      return bias ? 2L * size : size;
    }
  }

  private static final JsonMapper JSON = new JsonMapper();

  /** Reads {@code config.json} (or a model folder holding one). */
  public static ModelShapes load(Path configOrDir) {
    Path file = Files.isDirectory(configOrDir) ? configOrDir.resolve("config.json") : configOrDir;
    JsonNode c;
    try {
      c = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read model config " + file + ": " + e.getMessage(), e);
    }
    if (c == null || !c.isObject()) {
      throw new IllegalArgumentException("model config " + file + " is not a JSON object");
    }
    if (c.has("text_config")) {
      c = c.get("text_config");
    }
    try {
      return fromJson(c);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("model config " + file + ": " + e.getMessage(), e);
    }
  }

  /** Builds the structure from a parsed HF config object. */
  public static ModelShapes fromJson(JsonNode c) {
    String type = text(c, "model_type");
    if (type.equals("gpt2")) {
      return gpt2(c);
    }
    if (!List.of("llama", "mistral", "qwen2", "qwen3").contains(type)) {
      throw new IllegalArgumentException(
          "model_type '" + type + "' is not supported (llama, mistral, qwen2, qwen3, gpt2)");
    }
    int hidden = integer(c, "hidden_size");
    int inter = integer(c, "intermediate_size");
    int layers = integer(c, "num_hidden_layers");
    int heads = integer(c, "num_attention_heads");
    int kvHeads = c.hasNonNull("num_key_value_heads") ? integer(c, "num_key_value_heads") : heads;
    int headDim = c.hasNonNull("head_dim") ? integer(c, "head_dim") : hidden / heads;
    int vocab = integer(c, "vocab_size");
    // transformers' default for tie_word_embeddings is true for Qwen2/Qwen3 configs, false for
    // Llama/Mistral.
    boolean defaultTie = type.startsWith("qwen");
    boolean tied =
        c.hasNonNull("tie_word_embeddings") ? c.get("tie_word_embeddings").asBoolean() : defaultTie;
    // Qwen2 always has q/k/v biases (and none on o_proj); Llama-style configs say so explicitly.
    boolean qkvBias =
        type.equals("qwen2")
            || (c.hasNonNull("attention_bias") && c.get("attention_bias").asBoolean());
    boolean oBias =
        !type.equals("qwen2")
            && c.hasNonNull("attention_bias")
            && c.get("attention_bias").asBoolean();
    boolean mlpBias = c.hasNonNull("mlp_bias") && c.get("mlp_bias").asBoolean();

    List<Linear> linears = new ArrayList<>();
    List<Norm> norms = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      norms.add(new Norm(p + "input_layernorm", hidden));
      linears.add(new Linear(p + "self_attn.q_proj", hidden, heads * headDim, qkvBias));
      linears.add(new Linear(p + "self_attn.k_proj", hidden, kvHeads * headDim, qkvBias));
      linears.add(new Linear(p + "self_attn.v_proj", hidden, kvHeads * headDim, qkvBias));
      linears.add(new Linear(p + "self_attn.o_proj", heads * headDim, hidden, oBias));
      if (type.equals("qwen3")) {
        norms.add(new Norm(p + "self_attn.q_norm", headDim));
        norms.add(new Norm(p + "self_attn.k_norm", headDim));
      }
      linears.add(new Linear(p + "mlp.gate_proj", hidden, inter, mlpBias));
      linears.add(new Linear(p + "mlp.up_proj", hidden, inter, mlpBias));
      linears.add(new Linear(p + "mlp.down_proj", inter, hidden, mlpBias));
      norms.add(new Norm(p + "post_attention_layernorm", hidden));
    }
    norms.add(new Norm("model.norm", hidden));
    linears.add(new Linear("lm_head", hidden, vocab, false));
    return new ModelShapes(
        type, hidden, inter, layers, heads, kvHeads, headDim, vocab, tied, 0, linears, norms);
  }

  /**
   * GPT-2: fused {@code c_attn} (C → 3C), Conv1D weights (stored {@code [in, out]}, same counts),
   * biases everywhere, LayerNorms with bias, learned positions, lm_head tied to wte.
   */
  private static ModelShapes gpt2(JsonNode c) {
    int hidden = integer(c, "n_embd");
    int layers = integer(c, "n_layer");
    int heads = integer(c, "n_head");
    int vocab = integer(c, "vocab_size");
    int positions = integer(c, "n_positions");
    int inner = c.hasNonNull("n_inner") ? integer(c, "n_inner") : 4 * hidden;
    List<Linear> linears = new ArrayList<>();
    List<Norm> norms = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      String p = "transformer.h." + l + ".";
      norms.add(new Norm(p + "ln_1", hidden, true));
      linears.add(new Linear(p + "attn.c_attn", hidden, 3 * hidden, true));
      linears.add(new Linear(p + "attn.c_proj", hidden, hidden, true));
      norms.add(new Norm(p + "ln_2", hidden, true));
      linears.add(new Linear(p + "mlp.c_fc", hidden, inner, true));
      linears.add(new Linear(p + "mlp.c_proj", inner, hidden, true));
    }
    norms.add(new Norm("transformer.ln_f", hidden, true));
    linears.add(new Linear("lm_head", hidden, vocab, false));
    return new ModelShapes(
        "gpt2",
        hidden,
        inner,
        layers,
        heads,
        heads,
        hidden / heads,
        vocab,
        true,
        (long) positions * hidden,
        linears,
        norms);
  }

  /**
   * All parameters of the base model: embeddings, every linear, every norm; a tied lm_head shares
   * the embedding's weight and counts once.
   */
  public long totalParameters() {
    // exact arithmetic: a count beyond a long is an error, never a wrapped (wrong) number
    long n = Math.addExact((long) vocab * hidden, positionEmbeddings); // embed_tokens / wte (+ wpe)
    for (Linear l : linears) {
      if (!(tiedEmbeddings && l.name().equals("lm_head"))) {
        n = Math.addExact(n, l.numel());
      }
    }
    for (Norm nm : norms) {
      n = Math.addExact(n, nm.numel());
    }
    return n;
  }

  /** The structure of a loaded model's config (same names and shapes as {@link #load}). */
  public static ModelShapes of(org.peftbench.transformer.ModelConfig c) {
    String type =
        switch (c.architecture()) {
          case LLAMA -> "llama";
          case MISTRAL -> "mistral";
          case QWEN2 -> "qwen2";
          case QWEN3 -> "qwen3";
          case GPT2 -> "gpt2";
        };
    var n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    if (type.equals("gpt2")) {
      n.put("model_type", type);
      n.put("n_embd", c.hiddenSize());
      n.put("n_layer", c.numLayers());
      n.put("n_head", c.numHeads());
      n.put("vocab_size", c.vocabSize());
      n.put("n_positions", c.maxPositionEmbeddings());
      n.put("n_inner", c.intermediateSize());
      return fromJson(n);
    }
    n.put("model_type", type);
    n.put("hidden_size", c.hiddenSize());
    n.put("intermediate_size", c.intermediateSize());
    n.put("num_hidden_layers", c.numLayers());
    n.put("num_attention_heads", c.numHeads());
    n.put("num_key_value_heads", c.numKvHeads());
    n.put("head_dim", c.headDim());
    n.put("vocab_size", c.vocabSize());
    n.put("tie_word_embeddings", c.tieWordEmbeddings());
    n.put("attention_bias", c.qkvBias() && !type.equals("qwen2"));
    n.put("mlp_bias", c.mlpBias());
    return fromJson(n);
  }

  private static String text(JsonNode c, String field) {
    JsonNode v = c.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("missing or non-text field '" + field + "'");
    }
    return v.asText();
  }

  private static int integer(JsonNode c, String field) {
    JsonNode v = c.get(field);
    if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
      throw new IllegalArgumentException("missing or non-positive integer field '" + field + "'");
    }
    return v.asInt();
  }
}
