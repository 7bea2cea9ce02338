package org.peftbench.transformer.nn;

import org.peftbench.tensor.Tensor;

/**
 * A linear layer that, at inference, is a plain {@link Linear} with simple extra terms: {@code y =
 * base(x ⊙ l_in) ⊙ l_out (+ b') (+ s·(x·Aᵀ)·Bᵀ)}: (IA)³'s rescaling of the input or the output, an
 * added bias (BitFit) and a low-rank term (plain LoRA). Code that runs layers without the autograd
 * graph (the CPU decode path) reads the parts and computes the same thing with its own kernels.
 */
public interface DecomposedLinear extends LinearLayer {
  /**
   * The parts of {@code y = base(x ⊙ inputScale) ⊙ outputScale (+ addedBias) (+
   * scaling·(x·Aᵀ)·Bᵀ)}.
   *
   * @param base the frozen layer (with its own bias, if any)
   * @param inputScale {@code [in]}, or null
   * @param outputScale {@code [out]} (scales the base's bias too), or null
   * @param addedBias {@code [out]} added on top, or null
   * @param loraA {@code [r, in]}, or null without a low-rank term
   * @param loraB {@code [out, r]}, or null
   * @param scaling s
   */
  record Parts(
      Linear base,
      Tensor inputScale,
      Tensor outputScale,
      Tensor addedBias,
      Tensor loraA,
      Tensor loraB,
      float scaling) {}

  /**
   * This layer's parts, or null when it computes something else right now (DoRA's rescaling,
   * dropout in a training step, a base that is not a plain {@link Linear}).
   */
  Parts inferenceParts();
}
