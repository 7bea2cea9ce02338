package org.peftbench.transformer.nn;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;

/**
 * RMSNorm (Llama family): {@code y = x / sqrt(mean(x²) + eps) · weight}; Gemma's variant ({@code
 * unitOffset}) stores the scale as an offset from one: {@code y = x / sqrt(mean(x²) + eps) · (1 +
 * weight)}, with {@code 1 + weight} formed in float32 as transformers' {@code Gemma3RMSNorm} does.
 */
public final class RmsNorm implements NormLayer {
  private final Parameter weight;
  private final float eps;
  private final boolean unitOffset;
  private Tensor onePlusWeight; // cached 1 + w of a frozen weight
  private Tensor cachedFrom; // the weight value it was computed from

  public RmsNorm(Parameter weight, double eps) {
    this(weight, eps, false);
  }

  public RmsNorm(Parameter weight, double eps, boolean unitOffset) {
    this.weight = weight;
    this.eps = (float) eps;
    this.unitOffset = unitOffset;
  }

  /** The same kind of norm (eps, offset) over another weight, e.g. LN tuning's trainable copy. */
  public RmsNorm withWeight(Parameter w) {
    return new RmsNorm(w, eps, unitOffset);
  }

  @Override
  public Var forward(Var x) {
    return Ops.rmsNorm(x, unitOffset ? onePlusWeight() : weight, eps);
  }

  /** {@code 1 + weight}: through the graph when the weight trains, else computed once. */
  private Var onePlusWeight() {
    if (weight.requiresGrad()) {
      return Ops.addScalar(weight, 1f);
    }
    synchronized (this) {
      Tensor w = weight.value();
      if (cachedFrom != w) {
        float[] a = new float[(int) w.numel()];
        for (int i = 0; i < a.length; i++) {
          a[i] = 1f + w.get(i);
        }
        onePlusWeight = Tensor.of(a, a.length);
        cachedFrom = w;
      }
      return Var.constant(onePlusWeight);
    }
  }

  @Override
  public Parameter weight() {
    return weight;
  }

  @Override
  public Parameter bias() {
    return null;
  }

  public float eps() {
    return eps;
  }

  /** Whether the scale is {@code 1 + weight} (Gemma). */
  public boolean unitOffset() {
    return unitOffset;
  }

  @Override
  public String toString() {
    return (unitOffset ? "GemmaRmsNorm(" : "RmsNorm(") + weight.dim(0) + ", eps=" + eps + ")";
  }
}
