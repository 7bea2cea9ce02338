package org.peftbench.transformer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.peftbench.tensor.backend.RopeTable;

/**
 * A model's shape and switches, read from a HuggingFace {@code config.json}.
 *
 * <p>Reads both the transformers 4.x keys ({@code rope_theta}, {@code rope_scaling}) and the 5.x
 * {@code rope_parameters} object, and GPT-2's own key names ({@code n_embd}, {@code n_layer},
 * {@code n_head}, {@code n_positions}, {@code layer_norm_epsilon}, {@code activation_function}).
 * Missing optional keys take the defaults of the architecture's transformers config class.
 *
 * @param architecture the model family
 * @param hiddenSize C, the residual stream width
 * @param intermediateSize the MLP hidden width
 * @param numLayers number of decoder blocks
 * @param numHeads query heads Hq
 * @param numKvHeads key/value heads Hkv (grouped-query attention when < Hq)
 * @param headDim D (explicit {@code head_dim} or C / Hq)
 * @param vocabSize V
 * @param maxPositionEmbeddings longest sequence (a hard limit only for learned positions)
 * @param activation MLP nonlinearity
 * @param layerNorm true for LayerNorm with bias (GPT-2), false for RMSNorm
 * @param normEps epsilon of every norm
 * @param ropeTheta RoPE base (ignored by GPT-2)
 * @param ropeScaling Llama-3 RoPE frequency scaling, or null
 * @param qkvBias whether q/k/v projections have biases
 * @param outputBias whether the attention output projection has a bias
 * @param mlpBias whether the MLP projections have biases
 * @param qkNorm per-head RMSNorm on queries and keys (Qwen3)
 * @param tieWordEmbeddings lm_head shares the token embedding matrix
 * @param initializerRange std of the normal init of weights
 * @param slidingWindow attention window in tokens, or null when attention is global
 * @param attentionScaleByLayer GPT-2's {@code scale_attn_by_inverse_layer_idx}
 * @param bosTokenId beginning-of-sequence id or null
 * @param eosTokenIds end-of-sequence ids (possibly several, possibly empty)
 * @param padTokenId padding id or null
 * @param torchDtype the dtype the checkpoint declares ("float32", "bfloat16", ...) or null
 */
public record ModelConfig(
    Architecture architecture,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int vocabSize,
    int maxPositionEmbeddings,
    Activation activation,
    boolean layerNorm,
    double normEps,
    double ropeTheta,
    RopeTable.Llama3Scaling ropeScaling,
    boolean qkvBias,
    boolean outputBias,
    boolean mlpBias,
    boolean qkNorm,
    boolean tieWordEmbeddings,
    double initializerRange,
    Integer slidingWindow,
    boolean attentionScaleByLayer,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    Integer padTokenId,
    String torchDtype) {

  private static final JsonMapper JSON = new JsonMapper();

  public ModelConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Whether positions are rotary (all but GPT-2) rather than a learned table. */
  public boolean rotary() {
    return architecture != Architecture.GPT2;
  }

  /** Width of the query projection, Hq·D (may differ from C, e.g. Qwen3). */
  public int qDim() {
    return numHeads * headDim;
  }

  /** Width of the key/value projections, Hkv·D. */
  public int kvDim() {
    return numKvHeads * headDim;
  }

  /** Reads {@code config.json} in {@code modelDir} (or {@code modelDir} itself if it is a file). */
  public static ModelConfig load(Path modelDirOrFile) {
    Path file =
        Files.isDirectory(modelDirOrFile) ? modelDirOrFile.resolve("config.json") : modelDirOrFile;
    if (!Files.isRegularFile(file)) {
      throw new ModelException(file + ": no such config file");
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new ModelException(file + ": not valid JSON: " + e.getMessage(), e);
    }
    return parse(root, file.toString());
  }

  /** Parses a config already read as JSON; {@code where} names it in error messages. */
  public static ModelConfig parse(JsonNode root, String where) {
    if (root == null || !root.isObject()) {
      throw new ModelException(where + ": a config must be a JSON object");
    }
    ConfigChecks.checkKeys(root, where);
    Reader r = new Reader(root, where);
    JsonNode archs = root.get("architectures");
    String archName;
    Architecture arch;
    if (archs != null && archs.isArray() && !archs.isEmpty()) {
      archName = archs.get(0).asText();
      arch = Architecture.fromHfName(archName);
    } else if (root.path("model_type").isTextual()) {
      // some configs name only the model type; map it to its causal-LM class
      archName = "model_type " + root.get("model_type").asText();
      arch = Architecture.fromModelType(root.get("model_type").asText());
    } else {
      throw new ModelException(
          where
              + ": no \"architectures\" or \"model_type\" entry; supported architectures: "
              + Architecture.supportedList());
    }
    if (arch == null) {
      throw new ModelException(
          where
              + ": unsupported architecture '"
              + archName
              + "'; supported: "
              + Architecture.supportedList());
    }
    return ConfigChecks.checkDerived(
        arch == Architecture.GPT2 ? parseGpt2(r) : parseLlamaFamily(r, arch), where);
  }

  private static ModelConfig parseLlamaFamily(Reader r, Architecture arch) {
    int hidden = r.requiredInt("hidden_size");
    int heads = r.requiredInt("num_attention_heads");
    int kvHeads = r.optInt("num_key_value_heads", heads);
    int headDim;
    if (r.has("head_dim")) {
      headDim = r.requiredInt("head_dim");
    } else if (arch == Architecture.QWEN3) {
      headDim = 128; // Qwen3Config's default
    } else {
      if (hidden % heads != 0) {
        throw r.error(
            "hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
      }
      headDim = hidden / heads;
    }
    if (heads % kvHeads != 0) {
      throw r.error(
          "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
    }
    String act = r.optString("hidden_act", "silu");
    Activation activation = Activation.fromHfName(act);
    if (activation == null) {
      throw r.error("unsupported hidden_act '" + act + "'");
    }
    boolean attentionBias = r.optBool("attention_bias", false);
    boolean qkvBias = arch == Architecture.QWEN2 || attentionBias;
    boolean outputBias = arch != Architecture.QWEN2 && attentionBias;
    boolean mlpBias =
        (arch == Architecture.LLAMA) && r.optBool("mlp_bias", false); // only Llama has mlp_bias
    Integer window = null;
    if (arch == Architecture.MISTRAL) {
      // An explicit null means global attention; MistralConfig's default is 4096.
      window =
          r.root.has("sliding_window")
              ? r.optInteger("sliding_window", null)
              : Integer.valueOf(4096);
    } else if (arch == Architecture.QWEN2 || arch == Architecture.QWEN3) {
      if (r.optBool("use_sliding_window", false)) {
        window = r.optInteger("sliding_window", 4096);
      }
    }
    double theta = 10000.0;
    RopeTable.Llama3Scaling scaling = null;
    JsonNode params = r.root.get("rope_parameters");
    if (params != null && params.isObject()) {
      // transformers 5.x: {"rope_type": ..., "rope_theta": ..., scaling keys...}
      Reader p = new Reader(params, r.where + " (rope_parameters)");
      theta = p.optDouble("rope_theta", r.optDouble("rope_theta", theta));
      scaling = ropeScaling(p);
    } else {
      theta = r.optDouble("rope_theta", theta);
      JsonNode rs = r.root.get("rope_scaling");
      if (rs != null && rs.isObject()) {
        scaling = ropeScaling(new Reader(rs, r.where + " (rope_scaling)"));
      }
    }
    return new ModelConfig(
        arch,
        hidden,
        r.requiredInt("intermediate_size"),
        r.requiredInt("num_hidden_layers"),
        heads,
        kvHeads,
        headDim,
        r.requiredInt("vocab_size"),
        r.optInt("max_position_embeddings", 2048),
        activation,
        false,
        r.optDouble("rms_norm_eps", 1e-6),
        theta,
        scaling,
        qkvBias,
        outputBias,
        mlpBias,
        arch == Architecture.QWEN3,
        r.optBool("tie_word_embeddings", false),
        r.optDouble("initializer_range", 0.02),
        window,
        false,
        r.optInteger("bos_token_id", null),
        r.intList("eos_token_id"),
        r.optInteger("pad_token_id", null),
        r.dtype());
  }

  /** The llama3 scaling of a rope_scaling / rope_parameters object, null for "default". */
  private static RopeTable.Llama3Scaling ropeScaling(Reader p) {
    String type = p.optString("rope_type", p.optString("type", "default"));
    return switch (type) {
      case "default" -> null;
      case "llama3" ->
          new RopeTable.Llama3Scaling(
              p.requiredDouble("factor"),
              p.optDouble("low_freq_factor", 1.0),
              p.optDouble("high_freq_factor", 4.0),
              p.requiredInt("original_max_position_embeddings"));
      default ->
          throw p.error(
              "unsupported RoPE scaling type '" + type + "' (supported: default, llama3)");
    };
  }

  private static ModelConfig parseGpt2(Reader r) {
    int hidden = r.optInt("n_embd", 768);
    int heads = r.optInt("n_head", 12);
    if (hidden % heads != 0) {
      throw r.error("n_embd " + hidden + " is not divisible by n_head " + heads);
    }
    Integer inner = r.optInteger("n_inner", null);
    String act = r.optString("activation_function", "gelu_new");
    Activation activation = Activation.fromHfName(act);
    if (activation == null) {
      throw r.error("unsupported activation_function '" + act + "'");
    }
    if (!r.optBool("scale_attn_weights", true)) {
      throw r.error("scale_attn_weights=false is not supported");
    }
    return new ModelConfig(
        Architecture.GPT2,
        hidden,
        inner == null ? 4 * hidden : inner,
        r.optInt("n_layer", 12),
        heads,
        heads,
        hidden / heads,
        r.optInt("vocab_size", 50257),
        r.optInt("n_positions", 1024),
        activation,
        true,
        r.optDouble("layer_norm_epsilon", 1e-5),
        0,
        null,
        true,
        true,
        true,
        false,
        r.optBool("tie_word_embeddings", true),
        r.optDouble("initializer_range", 0.02),
        null,
        r.optBool("scale_attn_by_inverse_layer_idx", false),
        r.optInteger("bos_token_id", 50256),
        r.has("eos_token_id") ? r.intList("eos_token_id") : List.of(50256),
        r.optInteger("pad_token_id", null),
        r.dtype());
  }

  /** Typed access to one JSON object, with errors naming the file and key. */
  private static final class Reader {
    final JsonNode root;
    final String where;

    Reader(JsonNode root, String where) {
      this.root = root;
      this.where = where;
    }

    ModelException error(String problem) {
      return new ModelException(where + ": " + problem);
    }

    boolean has(String key) {
      JsonNode n = root.get(key);
      return n != null && !n.isNull();
    }

    int requiredInt(String key) {
      if (!has(key)) {
        throw error("missing required key \"" + key + "\"");
      }
      return intValue(key, root.get(key));
    }

    int optInt(String key, int dflt) {
      return has(key) ? intValue(key, root.get(key)) : dflt;
    }

    Integer optInteger(String key, Integer dflt) {
      return has(key) ? Integer.valueOf(intValue(key, root.get(key))) : dflt;
    }

    private int intValue(String key, JsonNode n) {
      if (!n.isIntegralNumber() || !n.canConvertToInt()) {
        throw error("\"" + key + "\" must be an integer, got " + n);
      }
      return n.intValue();
    }

    double requiredDouble(String key) {
      if (!has(key)) {
        throw error("missing required key \"" + key + "\"");
      }
      return optDouble(key, 0);
    }

    double optDouble(String key, double dflt) {
      if (!has(key)) {
        return dflt;
      }
      JsonNode n = root.get(key);
      if (!n.isNumber()) {
        throw error("\"" + key + "\" must be a number, got " + n);
      }
      return n.doubleValue();
    }

    boolean optBool(String key, boolean dflt) {
      if (!has(key)) {
        return dflt;
      }
      JsonNode n = root.get(key);
      if (!n.isBoolean()) {
        throw error("\"" + key + "\" must be true or false, got " + n);
      }
      return n.booleanValue();
    }

    String optString(String key, String dflt) {
      if (!has(key)) {
        return dflt;
      }
      JsonNode n = root.get(key);
      if (!n.isTextual()) {
        throw error("\"" + key + "\" must be a string, got " + n);
      }
      return n.textValue();
    }

    /** An int or a list of ints (e.g. several eos ids); empty when absent. */
    List<Integer> intList(String key) {
      List<Integer> out = new ArrayList<>();
      if (!has(key)) {
        return out;
      }
      JsonNode n = root.get(key);
      if (n.isArray()) {
        for (JsonNode e : n) {
          out.add(intValue(key, e));
        }
      } else {
        out.add(intValue(key, n));
      }
      return out;
    }

    /** "torch_dtype" (4.x) or "dtype" (5.x). */
    String dtype() {
      if (has("torch_dtype") && root.get("torch_dtype").isTextual()) {
        return root.get("torch_dtype").textValue();
      }
      if (has("dtype") && root.get("dtype").isTextual()) {
        return root.get("dtype").textValue();
      }
      return null;
    }
  }
}
