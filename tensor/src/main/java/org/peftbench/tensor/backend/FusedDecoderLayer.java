package org.peftbench.tensor.backend;

import org.peftbench.tensor.Tensor;

/**
 * An optional capability of a {@link Backend}: the inference forward of a whole Llama-style decoder
 * layer in one call, so that a device backend can keep every intermediate activation on its device
 * and the layer's frozen weights resident there between calls.
 *
 * <p>The {@link Backend} interface runs one kernel per call: on an accelerator each op copies its
 * activations to the device and back. A backend that also implements this interface runs the chain
 * {@code RMSNorm → q/k/v → RoPE → causal GQA attention → o → residual → RMSNorm → gate/up → SwiGLU
 * → down → residual} as one unit: {@code x} goes in, {@code out} comes back, nothing in between.
 * Callers test for it ({@code backend instanceof FusedDecoderLayer}) and use it only where no
 * gradient is needed (scoring, evaluation, the prefill of an empty KV cache, which also takes the
 * layer's rotated keys and values back); training keeps the per-op path, whose intermediates
 * autograd must see.
 *
 * <p>The contract is {@link LlamaLayer#forwardPerOp}: an implementation must compute the same
 * function (up to float rounding) as that composition of {@link Backend} ops.
 *
 * <p>Weight residency: weights whose storage is not a heap F32 array (memory-mapped BF16/F16/F32
 * checkpoint tensors, which nothing writes to) may be copied to the device once and reused by
 * identity (storage and offset). Heap F32 weights are mutable (a trained parameter, LN tuning's
 * norm weights) and must be read afresh on every call.
 */
public interface FusedDecoderLayer {
  /**
   * One decoder layer's forward, {@code out = layer(x)}.
   *
   * @param layer the layer's weights and shape
   * @param in batch shape, positions, RoPE table, attention scale and padding of this pass
   * @param x {@code [B,T,C]} heap F32, the layer input (the residual stream)
   * @param out {@code [B,T,C]} heap F32, overwritten; must not alias {@code x}
   */
  default void llamaLayerForward(LlamaLayer layer, LlamaLayer.Input in, Tensor x, Tensor out) {
    llamaLayerForward(layer, in, x, out, null, null);
  }

  /**
   * As {@link #llamaLayerForward(LlamaLayer, LlamaLayer.Input, Tensor, Tensor)}, also returning the
   * keys and values the layer attended to (for a KV cache).
   *
   * @param keysOut {@code [B,T,Hkv,D]} heap F32 or null: receives the keys after bias, q/k norm and
   *     RoPE, as attention read them
   * @param valuesOut {@code [B,T,Hkv,D]} heap F32 or null: receives the values
   */
  void llamaLayerForward(
      LlamaLayer layer,
      LlamaLayer.Input in,
      Tensor x,
      Tensor out,
      Tensor keysOut,
      Tensor valuesOut);
}
