package org.peftbench.transformer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The value checks of a {@code config.json}, so that a config that cannot describe a working model
 * is refused while loading, with the file and the key named, instead of producing NaN logits (a
 * {@code rope_theta} of 0, a negative {@code rms_norm_eps}) or a bare "/ by zero" later.
 *
 * <p>Two passes: {@link #checkKeys} looks at the raw JSON before anything is derived from it (so a
 * zero head count is named as such, not met as a division), {@link #checkDerived} at the parsed
 * config, including the defaults that filled missing keys.
 */
final class ConfigChecks {
  /** Integer keys that count something: each must be at least 1 where present. */
  static final List<String> POSITIVE_INT_KEYS =
      List.of(
          "hidden_size",
          "intermediate_size",
          "num_hidden_layers",
          "num_attention_heads",
          "num_key_value_heads",
          "head_dim",
          "vocab_size",
          "max_position_embeddings",
          "n_embd",
          "n_layer",
          "n_head",
          "n_inner",
          "n_positions",
          "sliding_window");

  /** Real keys that must be finite and greater than zero where present. */
  static final List<String> POSITIVE_REAL_KEYS =
      List.of("rope_theta", "rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps");

  private ConfigChecks() {}

  /** Checks the raw keys of {@code root} (and of its RoPE objects); throws naming the key. */
  static void checkKeys(JsonNode root, String where) {
    for (String key : POSITIVE_INT_KEYS) {
      JsonNode n = root.get(key);
      if (n != null && n.isNumber() && !(n.isIntegralNumber() && n.asLong() >= 1)) {
        throw new ModelException(
            where + ": \"" + key + "\" must be a positive integer, got " + n.asText());
      }
    }
    positiveReals(root, where, POSITIVE_REAL_KEYS);
    for (String rope : List.of("rope_parameters", "rope_scaling")) {
      JsonNode r = root.get(rope);
      if (r != null && r.isObject()) {
        positiveReals(r, where + " (" + rope + ")", List.of("rope_theta", "factor"));
      }
    }
    JsonNode init = root.get("initializer_range");
    if (init != null
        && init.isNumber()
        && !(Double.isFinite(init.asDouble()) && init.asDouble() >= 0)) {
      throw new ModelException(
          where + ": \"initializer_range\" must be a finite number >= 0, got " + init.asText());
    }
  }

  private static void positiveReals(JsonNode obj, String where, List<String> keys) {
    for (String key : keys) {
      JsonNode n = obj.get(key);
      if (n != null && n.isNumber()) {
        double v = n.asDouble();
        if (!(Double.isFinite(v) && v > 0)) {
          throw new ModelException(
              where + ": \"" + key + "\" must be a finite number > 0, got " + n.asText());
        }
      }
    }
  }

  /** Checks what the parsed config implies, defaults included; returns it unchanged. */
  static ModelConfig checkDerived(ModelConfig c, String where) {
    require(c.hiddenSize() >= 1, where, "hidden size must be at least 1");
    require(c.intermediateSize() >= 1, where, "intermediate size must be at least 1");
    require(c.numLayers() >= 1, where, "the number of layers must be at least 1");
    require(c.numHeads() >= 1, where, "the number of attention heads must be at least 1");
    require(c.numKvHeads() >= 1, where, "the number of key/value heads must be at least 1");
    require(c.headDim() >= 1, where, "the head dimension must be at least 1");
    require(c.vocabSize() >= 1, where, "vocab_size must be at least 1");
    require(c.maxPositionEmbeddings() >= 1, where, "max_position_embeddings must be at least 1");
    require(
        c.numHeads() % c.numKvHeads() == 0,
        where,
        "num_attention_heads "
            + c.numHeads()
            + " is not a multiple of num_key_value_heads "
            + c.numKvHeads());
    require(
        (long) c.numHeads() * c.headDim() <= Integer.MAX_VALUE,
        where,
        "num_attention_heads × head_dim does not fit a tensor dimension");
    require(
        Double.isFinite(c.normEps()) && c.normEps() > 0,
        where,
        "the norm epsilon must be a finite number > 0, got " + c.normEps());
    if (c.rotary()) {
      require(
          Double.isFinite(c.ropeTheta()) && c.ropeTheta() > 0,
          where,
          "rope_theta must be a finite number > 0, got " + c.ropeTheta());
      require(
          c.headDim() % 2 == 0,
          where,
          "the head dimension " + c.headDim() + " must be even for rotary positions");
    }
    if (c.slidingWindow() != null) {
      require(c.slidingWindow() >= 1, where, "sliding_window must be at least 1");
    }
    return c;
  }

  private static void require(boolean ok, String where, String problem) {
    if (!ok) {
      throw new ModelException(where + ": " + problem);
    }
  }
}
