package org.peftbench.transformer;

import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.FusedDecoderLayer;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.RmsNorm;
import org.peftbench.transformer.nn.Slot;

/**
 * The device path of {@link LlamaBlock}: when the backend in use offers {@link FusedDecoderLayer}
 * (the TornadoVM one does) a whole layer runs in one backend call, its activations chained on the
 * device and its frozen weights kept there.
 *
 * <p>Taken only when it computes exactly what the per-op path would and nothing needs the
 * intermediates: no gradient recording, no prefix keys, no KV cache or an empty one (the prefill:
 * the layer's rotated keys and values come back and are written to the cache), RoPE, SiLU, and
 * every module the plain base one ({@link Linear}, with a bias only on q/k/v as in Qwen2; {@link
 * RmsNorm}, including Qwen3's q/k norms; a PEFT wrapper in any slot sends the layer down the per-op
 * path). Otherwise {@link #forward} returns null and the block computes op by op as always.
 */
final class FusedLayerPath {
  /** {@code -Dpeftbench.fusedLayers=false} keeps every layer on the per-op path (to compare). */
  private static final boolean ENABLED =
      !"false".equalsIgnoreCase(System.getProperty("peftbench.fusedLayers"));

  private FusedLayerPath() {}

  /** The layer's output {@code [B,T,C]}, or null when the per-op path must run. */
  static Var forward(LlamaBlock block, Var x, ForwardState s, Activation activation) {
    Backend backend = Backends.current();
    if (!ENABLED
        || !(backend instanceof FusedDecoderLayer device)
        || GradMode.isEnabled()
        || (s.cache != null && s.cache.length() != 0)
        || s.prefix != null
        || s.rope == null
        || s.localRope != null
        || (s.config.windowOf(block.layer) != null && s.time > s.config.windowOf(block.layer))
        || activation != Activation.SILU
        || !x.value().isHeapF32()) {
      return null;
    }
    RmsNorm inputNorm = baseNorm(block.inputNorm), postNorm = baseNorm(block.postNorm);
    Linear q = baseLinear(block.q, true), k = baseLinear(block.k, true);
    Linear v = baseLinear(block.v, true), o = baseLinear(block.o, false);
    Linear gate = baseLinear(block.gate, false), up = baseLinear(block.up, false);
    Linear down = baseLinear(block.down, false);
    if (inputNorm == null || postNorm == null || inputNorm.eps() != postNorm.eps()) {
      return null;
    }
    RmsNorm qNorm = null, kNorm = null;
    if (block.qNorm != null) {
      qNorm = baseNorm(block.qNorm);
      kNorm = baseNorm(block.kNorm);
      if (qNorm == null || kNorm == null || qNorm.eps() != inputNorm.eps()) {
        return null;
      }
      if (kNorm.eps() != inputNorm.eps()) {
        return null;
      }
    }
    if (q == null || k == null || v == null || o == null) {
      return null;
    }
    if ((q.bias() == null) != (k.bias() == null) || (q.bias() == null) != (v.bias() == null)) {
      return null;
    }
    if (gate == null || up == null || down == null) {
      return null;
    }
    ModelConfig c = s.config;
    LlamaLayer layer =
        new LlamaLayer(
            inputNorm.weight().value(),
            q.weight().value(),
            k.weight().value(),
            v.weight().value(),
            o.weight().value(),
            postNorm.weight().value(),
            gate.weight().value(),
            up.weight().value(),
            down.weight().value(),
            q.bias() != null ? q.bias().value() : null,
            k.bias() != null ? k.bias().value() : null,
            v.bias() != null ? v.bias().value() : null,
            qNorm != null ? qNorm.weight().value() : null,
            kNorm != null ? kNorm.weight().value() : null,
            c.numHeads(),
            c.numKvHeads(),
            c.headDim(),
            inputNorm.eps());
    LlamaLayer.Input in =
        new LlamaLayer.Input(
            s.batch, s.time, s.positions, s.rope, s.attentionScale(block.layer), s.padding);
    Tensor out = Tensor.zeros(s.batch, s.time, c.hiddenSize());
    if (s.cache == null) {
      device.llamaLayerForward(layer, in, x.value(), out);
      return Var.constant(out);
    }
    // prefill: the cache starts with this input's keys and values, as ForwardState.attend writes
    try (Tensor keys = Tensor.zeros(s.batch, s.time, c.numKvHeads(), c.headDim());
        Tensor values = Tensor.zeros(s.batch, s.time, c.numKvHeads(), c.headDim())) {
      device.llamaLayerForward(layer, in, x.value(), out, keys, values);
      KvCache.write(s.cache.keys(block.layer), keys, 0);
      KvCache.write(s.cache.values(block.layer), values, 0);
    }
    return Var.constant(out);
  }

  /**
   * The slot's module if it is the model's own {@link Linear} (with a bias only where {@code
   * biasOk}), else null.
   */
  private static Linear baseLinear(Slot<LinearLayer> slot, boolean biasOk) {
    LinearLayer m = slot.get();
    if (m == slot.base()
        && m.getClass() == Linear.class
        && (biasOk || ((Linear) m).bias() == null)
        && !((Linear) m).fanInFanOut()) {
      return (Linear) m;
    }
    return null;
  }

  /** The slot's module if it is the model's own {@link RmsNorm}, else null. */
  private static RmsNorm baseNorm(Slot<NormLayer> slot) {
    NormLayer m = slot.get();
    return m == slot.base() && m instanceof RmsNorm r && !r.unitOffset() ? r : null;
  }
}
