package org.peftbench.transformer;

import java.util.List;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.RopeTable;

/**
 * What every layer of one forward pass shares: shapes, positions, the prefix, the cache and the
 * attention mask. Also holds the attention step all blocks have in common: RoPE (the layer's own
 * table), prefix keys, the KV cache and the masked grouped-query attention (with the layer's
 * sliding window, counted in key slots as transformers does; the cache keeps every key and masks).
 */
final class ForwardState {
  final ModelConfig config;
  final int batch; // B
  final int time; // T
  final int[] positions; // [B·T]
  final List<PrefixKv> prefix; // per layer, or null
  final int prefixLength; // P
  final KvCache cache; // or null
  final boolean[] padding; // [B·T] or null
  final RopeTable rope; // null for learned positions
  final RopeTable localRope; // sliding-window layers' own RoPE (Gemma 3), else null
  private final AttentionMask maskWithoutCache;

  ForwardState(ModelConfig config, ModelInput in, int[] positions, RopeTable rope) {
    this(config, in, positions, rope, null);
  }

  ForwardState(
      ModelConfig config, ModelInput in, int[] positions, RopeTable rope, RopeTable localRope) {
    this.config = config;
    this.batch = in.batch();
    this.time = in.time();
    this.positions = positions;
    this.prefix = in.prefixLength() > 0 ? in.prefix() : null;
    this.prefixLength = in.prefixLength();
    this.cache = in.cache();
    this.padding = in.padding();
    this.rope = rope;
    this.localRope = localRope;
    if (cache == null) {
      // keys are [prefix | this input]: prefix never padding
      boolean[] keyPad = null;
      if (padding != null) {
        int s = prefixLength + time;
        keyPad = new boolean[batch * s];
        for (int b = 0; b < batch; b++) {
          System.arraycopy(padding, b * time, keyPad, b * s + prefixLength, time);
        }
      }
      maskWithoutCache = new AttentionMask(prefixLength, 0, true, keyPad, -1);
    } else {
      maskWithoutCache = null;
    }
  }

  /**
   * The attention scale of layer {@code layer}: {@code 1/sqrt(D)} (Gemma 3: {@code
   * 1/sqrt(query_pre_attn_scalar)}), optionally divided by layer+1 (GPT-2).
   */
  float attentionScale(int layer) {
    return attentionScale(config, layer);
  }

  static float attentionScale(ModelConfig config, int layer) {
    double scalar =
        config.queryPreAttnScalar() != null ? config.queryPreAttnScalar() : config.headDim();
    float scale = (float) (1.0 / Math.sqrt(scalar));
    if (config.attentionScaleByLayer()) {
      scale /= layer + 1;
    }
    return scale;
  }

  /**
   * Attention of layer {@code layer}: rotates q and k, appends k and v to the cache (or prepends
   * the prefix), attends.
   *
   * @param q {@code [B,T,Hq,D]}
   * @param k {@code [B,T,Hkv,D]}
   * @param v {@code [B,T,Hkv,D]}
   * @return {@code [B,T,Hq,D]}
   */
  Var attend(int layer, Var q, Var k, Var v) {
    RopeTable table = config.usesLocalRope(layer) ? localRope : rope;
    if (table != null) {
      q = Ops.rope(q, positions, table);
      k = Ops.rope(k, positions, table);
    }
    float scale = attentionScale(layer);
    Integer layerWindow = config.windowOf(layer);
    int window = layerWindow == null ? 0 : layerWindow;
    if (cache == null) {
      if (prefix != null) {
        PrefixKv p = prefix.get(layer);
        k = Ops.concat(1, p.keys(), k);
        v = Ops.concat(1, p.values(), v);
      }
      return Ops.attention(q, k, v, maskWithoutCache.withWindow(window), scale);
    }
    // KV cache: [prefix | past | this input] in one buffer per layer
    int at = cache.length();
    KvCache.write(cache.keys(layer), k.value(), at);
    KvCache.write(cache.values(layer), v.value(), at);
    AttentionMask mask =
        new AttentionMask(
            cache.prefixLength(),
            at - cache.prefixLength(),
            true,
            cache.keyPadding(),
            at + time,
            window);
    return Ops.attention(
        q, Var.constant(cache.keys(layer)), Var.constant(cache.values(layer)), mask, scale);
  }
}
