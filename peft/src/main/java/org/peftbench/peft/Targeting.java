package org.peftbench.peft;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.peftbench.transformer.ModelStructure;

/** PEFT's per-architecture default target modules, and module selection with clear errors. */
public final class Targeting {
  private Targeting() {}

  private static final Map<String, List<String>> LORA =
      Map.of(
          "llama", List.of("q_proj", "v_proj"),
          "mistral", List.of("q_proj", "v_proj"),
          "qwen2", List.of("q_proj", "v_proj"),
          "qwen3", List.of("q_proj", "v_proj"),
          "gemma3_text", List.of("q_proj", "v_proj"),
          "gpt2", List.of("c_attn"));

  private static final Map<String, List<String>> IA3 =
      Map.of(
          "llama", List.of("k_proj", "v_proj", "down_proj"),
          "mistral", List.of("k_proj", "v_proj", "down_proj"),
          "qwen2", List.of("q_proj", "v_proj", "down_proj"),
          "qwen3", List.of("q_proj", "v_proj", "down_proj"),
          "gemma3_text", List.of("q_proj", "v_proj", "down_proj"),
          "gpt2", List.of("c_attn", "mlp.c_proj"));

  private static final Map<String, List<String>> IA3_FEEDFORWARD =
      Map.of(
          "llama", List.of("down_proj"),
          "mistral", List.of("down_proj"),
          "qwen2", List.of("down_proj"),
          "qwen3", List.of("down_proj"),
          "gemma3_text", List.of("down_proj"),
          "gpt2", List.of("mlp.c_proj"));

  private static final Map<String, List<String>> LN_TUNING =
      Map.of(
          "llama", List.of("input_layernorm", "post_attention_layernorm", "norm"),
          "mistral", List.of("input_layernorm", "post_attention_layernorm", "norm"),
          "qwen2", List.of("post_attention_layernorm"),
          "qwen3", List.of("post_attention_layernorm"),
          "gemma3_text",
              List.of(
                  "input_layernorm",
                  "post_attention_layernorm",
                  "pre_feedforward_layernorm",
                  "post_feedforward_layernorm",
                  "norm"),
          "gpt2", List.of("ln_1", "ln_2", "ln_f"));

  /** PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING (also VeRA, LoHa, LoKr). */
  public static TargetModules loraDefault(String modelType) {
    return lookup(LORA, modelType, "LoRA-family");
  }

  /** PEFT's TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING. */
  public static TargetModules ia3Default(String modelType) {
    return lookup(IA3, modelType, "IA3");
  }

  /** PEFT's TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING. */
  public static TargetModules ia3FeedforwardDefault(String modelType) {
    return lookup(IA3_FEEDFORWARD, modelType, "IA3 feedforward");
  }

  /** PEFT's TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING. */
  public static TargetModules lnTuningDefault(String modelType) {
    return lookup(LN_TUNING, modelType, "LN tuning");
  }

  private static TargetModules lookup(Map<String, List<String>> m, String type, String what) {
    List<String> l = m.get(type);
    if (l == null) {
      throw new IllegalArgumentException(
          "no default "
              + what
              + " target modules for model_type '"
              + type
              + "'; set target_modules");
    }
    return TargetModules.of(l);
  }

  /**
   * The names among {@code available} that {@code targets} match and {@code exclude} (may be null)
   * does not. Nothing matching is an error that lists the available module names.
   */
  public static List<String> select(
      List<String> available, TargetModules targets, TargetModules exclude, String field) {
    List<String> out = new ArrayList<>();
    for (String n : available) {
      if (targets.matches(n) && (exclude == null || !exclude.matches(n))) {
        out.add(n);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          field
              + " "
              + targets
              + " matches none of the model's modules; available: "
              + summarize(available));
    }
    return out;
  }

  /**
   * The names among {@code slots}' keys that {@code targets} match and {@code exclude} does not.
   */
  public static List<String> select(
      Map<String, ?> slots, TargetModules targets, TargetModules exclude) {
    return select(List.copyOf(slots.keySet()), targets, exclude, "target_modules");
  }

  /** The linears of {@code model} that {@code targets} match and {@code exclude} does not. */
  public static List<ModelStructure.ModuleSpec> linears(
      ModelStructure model, TargetModules targets, TargetModules exclude) {
    Set<String> names =
        Set.copyOf(
            select(
                model.linears().stream().map(ModelStructure.ModuleSpec::name).toList(),
                targets,
                exclude,
                "target_modules"));
    return model.linears().stream().filter(l -> names.contains(l.name())).toList();
  }

  /** The norms of {@code model} that {@code targets} match and {@code exclude} does not. */
  public static List<ModelStructure.ModuleSpec> norms(
      ModelStructure model, TargetModules targets, TargetModules exclude) {
    Set<String> names =
        Set.copyOf(
            select(
                model.norms().stream().map(ModelStructure.ModuleSpec::name).toList(),
                targets,
                exclude,
                "target_modules"));
    return model.norms().stream().filter(n -> names.contains(n.name())).toList();
  }

  /** Module names with layer numbers folded ("model.layers.*.self_attn.q_proj"), deduplicated. */
  public static String summarize(List<String> names) {
    Set<String> s = new LinkedHashSet<>();
    for (String n : names) {
      s.add(n.replaceAll("\\.\\d+\\.", ".*."));
    }
    return String.join(", ", s);
  }
}
