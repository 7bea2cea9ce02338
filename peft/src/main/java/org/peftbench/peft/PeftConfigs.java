package org.peftbench.peft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads and writes {@code adapter_config.json} in HF PEFT's form: {@code peft_type}, {@code
 * task_type} ({@code CAUSAL_LM}), {@code base_model_name_or_path}, {@code inference_mode} and the
 * method's own fields. Fields a file leaves out take PEFT's defaults; fields we do not know (PEFT
 * has many for features we do not implement) are ignored.
 */
public final class PeftConfigs {
  private PeftConfigs() {}

  public static final JsonMapper JSON =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  /** A config with PEFT's defaults for {@code type}. */
  public static PeftConfig defaults(PeftType type) {
    return PeftMethods.spec(type).defaults();
  }

  /** Parses an adapter config object; {@code source} names it in errors. */
  public static PeftConfig fromJson(JsonNode node, String source) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(source + ": an adapter config must be a JSON object");
    }
    JsonNode type = node.get("peft_type");
    if (type == null || !type.isTextual()) {
      throw new IllegalArgumentException(source + ": missing \"peft_type\"");
    }
    JsonNode task = node.get("task_type");
    if (task != null && !task.isNull() && !task.asText().equals("CAUSAL_LM")) {
      throw new IllegalArgumentException(
          source + ": task_type " + task.asText() + " is not supported (CAUSAL_LM only)");
    }
    rejectUnsupported(node, source);
    try {
      PeftMethodSpec<?> spec = PeftMethods.spec(type.asText());
      // Start from PEFT's defaults and overlay what the file says, so absent fields keep them.
      ObjectNode merged = JSON.valueToTree(spec.defaults());
      node.fields()
          .forEachRemaining(
              e -> {
                // A null in the file means "unset", which for our records is the default.
                if (!e.getValue().isNull() || !merged.has(e.getKey())) {
                  merged.set(e.getKey(), e.getValue());
                }
              });
      return JSON.treeToValue(merged, spec.configClass());
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException(source + ": " + cause.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * PEFT features that change what an adapter computes but that we do not implement: reading past
   * them would silently give a different model, so they are errors.
   */
  private static void rejectUnsupported(JsonNode node, String source) {
    for (String field :
        new String[] {
          "modules_to_save",
          "layers_to_transform",
          "rank_pattern",
          "alpha_pattern",
          "trainable_token_indices",
          "layer_replication",
          "target_parameters",
          "alora_invocation_tokens"
        }) {
      JsonNode v = node.get(field);
      boolean set = v != null && !v.isNull() && !(v.isContainerNode() && v.isEmpty());
      if (set) {
        throw new IllegalArgumentException(
            source + ": \"" + field + "\" is not supported (got " + v + ")");
      }
    }
    for (String flag : new String[] {"lora_bias", "use_qalora"}) {
      JsonNode v = node.get(flag);
      if (v != null && v.asBoolean(false)) {
        throw new IllegalArgumentException(source + ": \"" + flag + "\": true is not supported");
      }
    }
  }

  /** Parses JSON text. */
  public static PeftConfig fromJson(String json, String source) {
    try {
      return fromJson(JSON.readTree(json), source);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": invalid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Reads an {@code adapter_config.json} file (or the one in an adapter folder). */
  public static PeftConfig read(Path fileOrDir) {
    Path file =
        java.nio.file.Files.isDirectory(fileOrDir)
            ? fileOrDir.resolve("adapter_config.json")
            : fileOrDir;
    try {
      return fromJson(JSON.readTree(file.toFile()), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read adapter config " + file + ": " + e.getMessage(), e);
    }
  }

  /** The JSON form of {@code config}, HF PEFT's adapter_config.json. */
  public static ObjectNode toJson(PeftConfig config, String baseModelNameOrPath) {
    ObjectNode n = JSON.createObjectNode();
    n.put("peft_type", config.peftType().name());
    n.put("task_type", "CAUSAL_LM");
    n.put("base_model_name_or_path", baseModelNameOrPath);
    n.putNull("revision");
    n.put("inference_mode", true);
    n.setAll((ObjectNode) JSON.valueToTree(config));
    return n;
  }

  public static String toJsonString(PeftConfig config, String baseModelNameOrPath) {
    try {
      return JSON.writeValueAsString(toJson(config, baseModelNameOrPath)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
