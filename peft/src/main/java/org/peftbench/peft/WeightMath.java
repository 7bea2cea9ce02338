package org.peftbench.peft;

import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/**
 * Plain (no-graph) weight arithmetic for merging adapters into base weights. Adapter math is in
 * HF's {@code [out, in]} layout; GPT-2's Conv1D weights ({@code [in, out]}, PEFT's {@code
 * fan_in_fan_out}) are transposed on the way in and out.
 */
public final class WeightMath {
  private WeightMath() {}

  /** {@code C[M,N] = A[M,K] · B[K,N]}, a new heap tensor. */
  public static Tensor matmul(Tensor a, Tensor b) {
    Tensor c = Tensor.zeros(a.dim(0), b.dim(1));
    Backends.current().matmul(a, false, b, false, c, false);
    return c;
  }

  /** The base linear a wrapper stands on; merging needs its weight. */
  public static Linear baseLinear(LinearLayer layer, String module) {
    if (layer instanceof Linear l) {
      return l;
    }
    throw new IllegalArgumentException(
        module + ": merging needs a plain Linear base layer, found " + layer);
  }

  /** The weight as a new heap F32 {@code [out, in]} tensor (decoded, transposed if Conv1D). */
  public static Tensor outIn(Linear lin) {
    Tensor w = lin.weight().value().toF32();
    return lin.fanInFanOut() ? transpose(w) : w;
  }

  /** {@code W + s·ΔW} as a new heap F32 tensor (W may be mapped BF16/F16). */
  public static Tensor addScaled(Tensor w, Tensor delta, float s) {
    Tensor out = w.toF32();
    Backends.current().axpy(s, delta, out);
    return out;
  }

  /**
   * A plain Linear like {@code base} with a new (frozen, heap) weight given as {@code [out, in]}
   * (stored back in base's layout) and the given bias.
   */
  public static Linear withWeight(Linear base, Tensor weightOutIn, Parameter bias) {
    Tensor stored = base.fanInFanOut() ? transpose(weightOutIn) : weightOutIn;
    return new Linear(
        base.name(), new Parameter(base.weight().name(), stored, false), bias, base.fanInFanOut());
  }

  /** {@code [R, C] → [C, R]}, a new heap tensor. */
  public static Tensor transpose(Tensor t) {
    int r = t.dim(0), c = t.dim(1);
    Tensor out = Tensor.zeros(c, r);
    float[] src = t.toFloatArray();
    float[] dst = out.array();
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        dst[j * r + i] = src[i * c + j];
      }
    }
    return out;
  }
}
