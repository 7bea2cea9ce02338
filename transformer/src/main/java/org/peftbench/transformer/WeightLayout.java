package org.peftbench.transformer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters an architecture has: HF names, shapes and how transformers initialises them, in
 * the order of HF's {@code named_parameters()} (tied weights listed once, under the embedding).
 */
public final class WeightLayout {
  private WeightLayout() {}

  /** How {@code _init_weights} fills a parameter. */
  public enum Init {
    /** normal(0, initializer_range): linear and embedding weights. */
    NORMAL,
    /** normal(0, initializer_range / sqrt(2·layers)): GPT-2's residual projections (c_proj). */
    NORMAL_RESIDUAL,
    /** zeros: biases, and Gemma's norm scales (which multiply by {@code 1 + weight}). */
    ZEROS,
    /** ones: norm scales. */
    ONES
  }

  /** One parameter: HF name, shape, initialisation. */
  public record Spec(String name, int[] shape, Init init) {}

  /** Every parameter of a model with this config, in HF order. */
  public static Map<String, Spec> of(ModelConfig c) {
    Map<String, Spec> m = new LinkedHashMap<>();
    if (c.architecture() == Architecture.GPT2) {
      gpt2(c, m);
    } else {
      llama(c, m);
    }
    return m;
  }

  private static void put(Map<String, Spec> m, String name, Init init, int... shape) {
    m.put(name, new Spec(name, shape, init));
  }

  private static void linear(
      Map<String, Spec> m, String module, int out, int in, boolean bias, Init init) {
    put(m, module + ".weight", init, out, in);
    if (bias) {
      put(m, module + ".bias", Init.ZEROS, out);
    }
  }

  private static void llama(ModelConfig c, Map<String, Spec> m) {
    int hidden = c.hiddenSize(), ff = c.intermediateSize();
    // Gemma 3: two more norms per layer, norm scales stored as offsets from 1 (initialised to 0)
    boolean gemma = c.architecture() == Architecture.GEMMA3;
    Init norm = c.unitOffsetNorms() ? Init.ZEROS : Init.ONES;
    put(m, "model.embed_tokens.weight", Init.NORMAL, c.vocabSize(), hidden);
    for (int l = 0; l < c.numLayers(); l++) {
      String p = "model.layers." + l + ".";
      linear(m, p + "self_attn.q_proj", c.qDim(), hidden, c.qkvBias(), Init.NORMAL);
      linear(m, p + "self_attn.k_proj", c.kvDim(), hidden, c.qkvBias(), Init.NORMAL);
      linear(m, p + "self_attn.v_proj", c.kvDim(), hidden, c.qkvBias(), Init.NORMAL);
      linear(m, p + "self_attn.o_proj", hidden, c.qDim(), c.outputBias(), Init.NORMAL);
      if (c.qkNorm()) {
        put(m, p + "self_attn.q_norm.weight", norm, c.headDim());
        put(m, p + "self_attn.k_norm.weight", norm, c.headDim());
      }
      linear(m, p + "mlp.gate_proj", ff, hidden, c.mlpBias(), Init.NORMAL);
      linear(m, p + "mlp.up_proj", ff, hidden, c.mlpBias(), Init.NORMAL);
      linear(m, p + "mlp.down_proj", hidden, ff, c.mlpBias(), Init.NORMAL);
      put(m, p + "input_layernorm.weight", norm, hidden);
      put(m, p + "post_attention_layernorm.weight", norm, hidden);
      if (gemma) {
        put(m, p + "pre_feedforward_layernorm.weight", norm, hidden);
        put(m, p + "post_feedforward_layernorm.weight", norm, hidden);
      }
    }
    put(m, "model.norm.weight", norm, hidden);
    if (!c.tieWordEmbeddings()) {
      put(m, "lm_head.weight", Init.NORMAL, c.vocabSize(), hidden);
    }
  }

  private static void gpt2(ModelConfig c, Map<String, Spec> m) {
    int hidden = c.hiddenSize(), ff = c.intermediateSize();
    put(m, "transformer.wte.weight", Init.NORMAL, c.vocabSize(), hidden);
    put(m, "transformer.wpe.weight", Init.NORMAL, c.maxPositionEmbeddings(), hidden);
    for (int l = 0; l < c.numLayers(); l++) {
      String p = "transformer.h." + l + ".";
      put(m, p + "ln_1.weight", Init.ONES, hidden);
      put(m, p + "ln_1.bias", Init.ZEROS, hidden);
      // Conv1D: weight [in, out]
      put(m, p + "attn.c_attn.weight", Init.NORMAL, hidden, 3 * hidden);
      put(m, p + "attn.c_attn.bias", Init.ZEROS, 3 * hidden);
      put(m, p + "attn.c_proj.weight", Init.NORMAL_RESIDUAL, hidden, hidden);
      put(m, p + "attn.c_proj.bias", Init.ZEROS, hidden);
      put(m, p + "ln_2.weight", Init.ONES, hidden);
      put(m, p + "ln_2.bias", Init.ZEROS, hidden);
      put(m, p + "mlp.c_fc.weight", Init.NORMAL, hidden, ff);
      put(m, p + "mlp.c_fc.bias", Init.ZEROS, ff);
      put(m, p + "mlp.c_proj.weight", Init.NORMAL_RESIDUAL, ff, hidden);
      put(m, p + "mlp.c_proj.bias", Init.ZEROS, hidden);
    }
    put(m, "transformer.ln_f.weight", Init.ONES, hidden);
    put(m, "transformer.ln_f.bias", Init.ZEROS, hidden);
    if (!c.tieWordEmbeddings()) {
      put(m, "lm_head.weight", Init.NORMAL, c.vocabSize(), hidden);
    }
  }
}
