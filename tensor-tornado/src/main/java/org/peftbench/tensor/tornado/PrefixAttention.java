package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Prefix tuning in the resident training step: every layer's attention reads P' keys and values
 * from the prefix encoder's output in front of the sequence's own, as HF's {@code past_key_values}:
 * the same for every sequence, used as given (the real keys are rotated and normed before they
 * join, the prefix's are not), always visible (the attention kernels' {@code prefix} count: never
 * padding, no causal limit).
 *
 * <pre>
 *   prefix  [P', 2·L·W]       W = Hkv·D; layer l's keys at column block 2l·W, values at (2l+1)·W
 *   kAll_l  [B, P'+S, W] = [prefix keys of l ; k_l[b]]      (S = rows per sequence)
 *   backward: dk_l[b] = dkAll_l[b, P'..];  dprefix[:, block] += Σ_b dkAll_l[b, ..P']
 * </pre>
 */
final class PrefixAttention {
  private final TrainStepGraph step;
  private final TokenEncoderGraph encoder;
  private final int tokens, prefixWidth, keyWidth;

  /**
   * @param encoder the prefix encoder, output {@code [P', 2·L·W]}
   * @param kvWidth W = Hkv·D
   */
  PrefixAttention(TrainStepGraph step, TokenEncoderGraph encoder, int tokens, int kvWidth) {
    this.step = step;
    this.encoder = encoder;
    this.tokens = tokens;
    this.keyWidth = kvWidth;
    this.prefixWidth = encoder.width();
  }

  /** The prefix encoder. */
  TokenEncoderGraph encoder() {
    return encoder;
  }

  /**
   * {@code all [B, P'+S, W]}: layer l's prefix keys ({@code value} false) or values in front of
   * {@code real [B·S, W]}, written into {@code all}.
   */
  FloatArray prepend(int layer, boolean value, FloatArray real, FloatArray all) {
    TrainStepGraph.Ref out = encoder.output();
    IntArray dims =
        step.g.ints(
            step.batch, step.seq, tokens, keyWidth, out.offset(), prefixWidth, block(layer, value));
    FloatArray prefix = out.array();
    step.task1D(
        value ? "prefixV" : "prefixK",
        step.batch * (tokens + step.seq) * keyWidth,
        (t, id) ->
            t.task(id, PromptKernels::prependPrefix, new KernelContext(), prefix, real, dims, all));
    return all;
  }

  /**
   * The backward of {@link #prepend}: {@code dReal [B·S, W]} written from the real rows of {@code
   * dAll}, the prefix rows summed over the batch into the encoder output's gradient.
   */
  void split(int layer, boolean value, FloatArray dAll, FloatArray dReal) {
    IntArray realDims = step.g.ints(step.batch, step.seq, tokens, keyWidth);
    step.task1D(
        "prefixReal",
        step.n * keyWidth,
        (t, id) -> t.task(id, PromptKernels::realRows, new KernelContext(), dAll, realDims, dReal));
    TrainStepGraph.Ref g = encoder.outputGrad();
    if (g == null) {
      return; // a frozen prefix
    }
    IntArray dims =
        step.g.ints(
            step.batch, step.seq, tokens, keyWidth, g.offset(), prefixWidth, block(layer, value));
    FloatArray grad = g.array();
    step.task1D(
        "prefixGrad",
        tokens * keyWidth,
        (t, id) -> t.task(id, PromptKernels::prefixGrad, new KernelContext(), dAll, dims, grad));
  }

  /** The column of layer l's keys (2l·W) or values ((2l+1)·W) in a prefix row. */
  private int block(int layer, boolean value) {
    return (2 * layer + (value ? 1 : 0)) * keyWidth;
  }
}
