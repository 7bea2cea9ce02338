package org.peftbench.harness.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Analytical forward FLOPs of a decoder-only transformer and of its PEFT-adapted versions, for the
 * M_f term of PSCP (one sequence of T = 512 tokens by default).
 *
 * <p>Conventions: one multiply-add = 2 FLOPs; matrix products only (norms, activations, softmax and
 * residual adds are O(T·C) and below 1% here, so left out, as in Kaplan et al.'s and PEFT-Bench's
 * counting); attention scores and the weighted sum over all S key positions (no causal halving).
 * Letters: T tokens, C hidden size, I intermediate size, L layers, H query heads, K key/value
 * heads, D head size, V vocabulary, n virtual tokens, r LoRA rank.
 *
 * <pre>
 * per layer, S = T (+ n for prefix tuning):
 *   q, o projections      2·T·C·(H·D)  each
 *   k, v projections      2·T·C·(K·D)  each
 *   scores Q·Kᵀ, P·V      2·T·S·D·H    each
 *   MLP, gated (Llama)    3 · 2·T·C·I  (gate, up, down)
 *   MLP, GPT-2            2 · 2·T·C·I  (fc, proj)
 * LM head                 2·T·C·V
 * </pre>
 *
 * Methods, as served for inference ("merged where possible"):
 *
 * <ul>
 *   <li>LoRA, IA3, LN tuning: merged into the base weights → no extra FLOPs (unmerged LoRA adds
 *       2·T·r·(in + out) per adapted module, reported by {@link #loraUnmerged}).
 *   <li>BitFit: one bias add per output of each adapted module, T·out.
 *   <li>Prompt tuning, P-tuning: the whole model runs on T + n positions (P-tuning's prompt encoder
 *       runs once per sequence and is added).
 *   <li>Prefix tuning: every layer attends to n extra keys/values: 2 · 2·T·n·D·H per layer (plus
 *       the prefix encoder once per sequence with {@code prefix_projection}).
 * </ul>
 */
public final class FlopModel {
  public static final int DEFAULT_TOKENS = 512;

  /** The shape of a model, from its config.json. */
  public record Arch(
      String type,
      int hidden,
      int intermediate,
      int layers,
      int heads,
      int kvHeads,
      int headDim,
      int vocab,
      boolean gatedMlp) {

    /** Reads the fields FLOP counting needs from a HF config.json (Llama/Qwen/Mistral/GPT-2). */
    public static Arch fromConfig(Path configJson) {
      JsonNode c;
      try {
        c = new ObjectMapper().readTree(configJson.toFile());
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + configJson + ": " + e.getMessage());
      }
      String type = c.path("model_type").asText("");
      if (type.equals("gpt2")) {
        int d = req(c, "n_embd", configJson);
        int h = req(c, "n_head", configJson);
        int inner = c.hasNonNull("n_inner") ? c.get("n_inner").asInt() : 4 * d;
        return new Arch(
            type,
            d,
            inner,
            req(c, "n_layer", configJson),
            h,
            h,
            d / h,
            req(c, "vocab_size", configJson),
            false);
      }
      int d = req(c, "hidden_size", configJson);
      int h = req(c, "num_attention_heads", configJson);
      int kv = c.hasNonNull("num_key_value_heads") ? c.get("num_key_value_heads").asInt() : h;
      int hd = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : d / h;
      return new Arch(
          type,
          d,
          req(c, "intermediate_size", configJson),
          req(c, "num_hidden_layers", configJson),
          h,
          kv,
          hd,
          req(c, "vocab_size", configJson),
          true);
    }

    private static int req(JsonNode c, String key, Path file) {
      if (!c.hasNonNull(key)) {
        throw new IllegalArgumentException(file + ": config has no '" + key + "'");
      }
      return c.get(key).asInt();
    }

    /** Input and output sizes of a named linear module (the last part of its name). */
    public int[] linearShape(String module) {
      int q = heads * headDim;
      int k = kvHeads * headDim;
      return switch (module) {
        case "q_proj" -> new int[] {hidden, q};
        case "k_proj", "v_proj" -> new int[] {hidden, k};
        case "o_proj" -> new int[] {q, hidden};
        case "gate_proj", "up_proj" -> new int[] {hidden, intermediate};
        case "down_proj" -> new int[] {intermediate, hidden};
        case "c_attn" -> new int[] {hidden, 3 * hidden};
        case "c_fc" -> new int[] {hidden, intermediate};
        case "c_proj" -> new int[] {hidden, hidden}; // attention output (MLP c_proj: I→C)
        default ->
            throw new IllegalArgumentException(
                "no FLOP shape for module '" + module + "' of a " + type + " model");
      };
    }

    /** The linear modules of one decoder layer, by short name. */
    public List<String> linearModules() {
      return gatedMlp
          ? List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
          : List.of("c_attn", "c_proj", "c_fc");
    }
  }

  private FlopModel() {}

  /** Forward FLOPs of the base model on T tokens attending to S = T + extraKeys positions. */
  public static double base(Arch a, int t, int extraKeys) {
    double c = a.hidden;
    double q = (double) a.heads * a.headDim;
    double kv = (double) a.kvHeads * a.headDim;
    double s = t + extraKeys;
    double proj = 2.0 * t * c * q * 2 + 2.0 * t * c * kv * 2;
    if (!a.gatedMlp) { // GPT-2: fused qkv (3C) and output projection (C)
      proj = 2.0 * t * c * 3 * c + 2.0 * t * c * c;
    }
    double attn = 2.0 * t * s * a.headDim * a.heads * 2;
    double mlp = (a.gatedMlp ? 3 : 2) * 2.0 * t * c * a.intermediate;
    double head = 2.0 * t * c * a.vocab;
    return a.layers * (proj + attn + mlp) + head;
  }

  public static double base(Arch a, int t) {
    return base(a, t, 0);
  }

  /** Extra FLOPs of unmerged LoRA of rank r on the given modules of every layer. */
  public static double loraUnmerged(Arch a, int t, int r, List<String> modules) {
    double sum = 0;
    for (String m : modules) {
      int[] io = a.linearShape(m);
      sum += 2.0 * t * r * (io[0] + io[1]);
    }
    return a.layers * sum;
  }

  /**
   * Forward FLOPs of the adapted model as served, for a PEFT config block ({@code peft_type} and HF
   * PEFT field names). Returns [base, adapted, merged (1/0)].
   */
  public static Result adapted(Arch a, int t, JsonNode peft) {
    String type = peft.path("peft_type").asText("").toUpperCase(Locale.ROOT);
    double base = base(a, t);
    int n = peft.path("num_virtual_tokens").asInt(0);
    return switch (type) {
      case "LORA", "IA3", "LN_TUNING" -> new Result(base, base, true);
      case "BITFIT" -> {
        double extra = 0;
        for (String m : targets(a, peft, List.of("q_proj", "v_proj"))) {
          extra += (double) t * a.linearShape(m)[1];
        }
        yield new Result(base, base + a.layers * extra, false);
      }
      case "PROMPT_TUNING" -> new Result(base, base(a, t + n), false);
      case "P_TUNING" -> {
        int e = peft.path("encoder_hidden_size").asInt(a.hidden);
        String kind =
            peft.path("encoder_reparameterization_type").asText("MLP").toUpperCase(Locale.ROOT);
        double enc =
            kind.equals("LSTM")
                // bidirectional LSTM: 2 directions × 4 gates × (input + recurrent) products, then
                // MLP
                ? 2 * 4 * 2.0 * n * e * (a.hidden + e) * peft.path("encoder_num_layers").asInt(2)
                    + 2.0 * n * 2 * e * e
                    + 2.0 * n * e * a.hidden
                : 2.0 * n * a.hidden * e + 2.0 * n * e * e + 2.0 * n * e * a.hidden;
        yield new Result(base, base(a, t + n) + enc, false);
      }
      case "PREFIX_TUNING" -> {
        // with prefix_projection, PEFT's encoder (embedding → Linear(C, e) → tanh →
        // Linear(e, L·2·K·D)) runs once per sequence
        double enc = 0;
        if (peft.path("prefix_projection").asBoolean(false)) {
          int e = peft.path("encoder_hidden_size").asInt(a.hidden);
          enc = 2.0 * n * a.hidden * e + 2.0 * n * e * (2.0 * a.layers * a.kvHeads * a.headDim);
        }
        yield new Result(base, base(a, t, n) + enc, false);
      }
      case "NONE", "FULL", "FULL_FINETUNING" -> new Result(base, base, true);
      default -> throw new IllegalArgumentException("no FLOP formula for peft_type '" + type + "'");
    };
  }

  /** Base and adapted forward FLOPs; merged = the adapter folds into the weights. */
  public record Result(double base, double adapted, boolean merged) {
    public double deltaTflops() {
      return Math.max(0, adapted - base) / 1e12;
    }
  }

  private static List<String> targets(Arch a, JsonNode peft, List<String> defaults) {
    JsonNode tm = peft.get("target_modules");
    if (tm == null || tm.isNull()) {
      return defaults;
    }
    List<String> out = new ArrayList<>();
    if (tm.isArray()) {
      for (JsonNode x : tm) {
        out.add(x.asText());
      }
      return out;
    }
    // a regex over full module names: keep the linear modules whose short name it matches
    String regex = tm.asText();
    for (String m : a.linearModules()) {
      if (("model.layers.0.self_attn." + m).matches(regex)
          || ("model.layers.0.mlp." + m).matches(regex)) {
        out.add(m);
      }
    }
    return out;
  }
}
