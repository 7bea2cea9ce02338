package org.peftbench.peft.prefixtuning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;
import org.peftbench.transformer.PrefixKv;

/**
 * Prefix tuning: every layer's attention gets P extra keys and values in front, from the {@link
 * PrefixEncoder}, passed as explicit {@link PrefixKv}s (not through the generation cache; during
 * generation the model copies them into the cache at prefill). Real tokens' positions start at P,
 * as in HF when the prefix arrives as {@code past_key_values}. File key {@code prompt_embeddings}
 * (the encoder's output {@code [P, 2·L·token_dim]}, as PEFT saves it).
 */
public final class PrefixTuning implements PeftMethod {
  private final PrefixTuningConfig config;
  private final int layers;
  private final int kvHeads;
  private final int headDim;
  private PrefixEncoder encoder;
  private final long seed;

  public PrefixTuning(CausalLM model, PrefixTuningConfig config, long seed) {
    this.config = config;
    this.seed = seed;
    var mc = model.config();
    this.layers = config.numLayers();
    this.kvHeads = config.numAttentionHeads();
    this.headDim = config.tokenDim() / kvHeads;
    if (layers != mc.numLayers() || kvHeads != mc.numKvHeads() || headDim != mc.headDim()) {
      throw new IllegalArgumentException(
          "prefix sized for "
              + layers
              + " layers × "
              + kvHeads
              + " kv heads × "
              + headDim
              + " dims, the model has "
              + mc.numLayers()
              + " × "
              + mc.numKvHeads()
              + " × "
              + mc.headDim());
    }
    this.encoder = new PrefixEncoder(config, seed, false);
  }

  @Override
  public PrefixTuningConfig config() {
    return config;
  }

  @Override
  public Map<String, Parameter> trainable() {
    return encoder.parameters();
  }

  @Override
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    try (var ignored = GradMode.noGrad()) {
      m.put("prompt_embeddings", encoder.forward().value());
    }
    return m;
  }

  /** Loads PEFT's saved prefix; with projection the encoder becomes the plain table (as PEFT). */
  @Override
  public void load(Map<String, Tensor> state, String source) {
    PrefixEncoder table = new PrefixEncoder(config, seed, true);
    StateDicts.copyInto(
        state,
        "prompt_embeddings",
        table.parameters().get(PrefixEncoder.PREFIX + "embedding.weight"),
        source);
    encoder = table;
  }

  /** The per-layer keys and values {@code [B, P, Hkv, D]} for a batch of {@code b}. */
  public List<PrefixKv> prefix(int b) {
    int p = config.numVirtualTokens();
    Var all = Ops.reshape(encoder.forward(), p, 2 * layers, kvHeads * headDim);
    List<PrefixKv> out = new ArrayList<>(layers);
    for (int l = 0; l < layers; l++) {
      Var k = batch(Ops.reshape(Ops.slice(all, 1, 2 * l, 2 * l + 1), 1, p, kvHeads, headDim), b);
      Var v =
          batch(Ops.reshape(Ops.slice(all, 1, 2 * l + 1, 2 * l + 2), 1, p, kvHeads, headDim), b);
      out.add(new PrefixKv(k, v));
    }
    return out;
  }

  private static Var batch(Var one, int b) {
    if (b == 1) {
      return one;
    }
    Var[] rows = new Var[b];
    Arrays.fill(rows, one);
    return Ops.concat(0, rows);
  }

  @Override
  public ModelInput prepare(ModelInput in) {
    if (in.cache() != null && in.cache().length() > 0) {
      return in;
    }
    return in.withPrefix(prefix(in.batch()));
  }

  @Override
  public void remove() {}

  /** The prefix's keys come before the real tokens' (their positions start at P, as in HF). */
  @Override
  public int reservedPositions() {
    return config.numVirtualTokens();
  }
}
