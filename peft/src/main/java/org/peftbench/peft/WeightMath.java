package org.peftbench.peft;

import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/** Plain (no-graph) weight arithmetic for merging adapters into base weights. */
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
    if (layer instanceof Linear l && !l.fanInFanOut()) {
      return l;
    }
    throw new IllegalArgumentException(
        module + ": merging needs a plain [out, in] Linear base layer, found " + layer);
  }

  /** {@code W + s·ΔW} as a new heap F32 tensor (W may be mapped BF16/F16). */
  public static Tensor addScaled(Tensor w, Tensor delta, float s) {
    Tensor out = w.toF32();
    Backends.current().axpy(s, delta, out);
    return out;
  }

  /** A plain Linear with a new (frozen, heap) weight and the given bias. */
  public static Linear withWeight(
      Linear base, Tensor weight, org.peftbench.autograd.Parameter bias) {
    return new Linear(
        base.name(),
        new org.peftbench.autograd.Parameter(base.weight().name(), weight, false),
        bias,
        false);
  }
}
