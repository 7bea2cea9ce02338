package org.peftbench.peft.vera;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.StepContext;
import org.peftbench.autograd.Var;
import org.peftbench.peft.WeightMath;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/**
 * VeRA: {@code y = base(x) + λ_b ⊙ ((λ_d ⊙ (x'·A_sᵀ))·B_sᵀ)} with the shared frozen projections
 * sliced to this layer, {@code A_s = A[:, :in] [r, in]}, {@code B_s = B[:out, :] [out, r]}, x' =
 * dropout(x).
 */
public final class VeraLinear implements LinearLayer {
  private final String module;
  private final LinearLayer base;
  private final Parameter lambdaB; // [out]
  private final Parameter lambdaD; // [r]
  private final float dropout;
  private Var projA; // [r, in], constant
  private Var projB; // [out, r], constant

  VeraLinear(String module, LinearLayer base, Parameter lambdaB, Parameter lambdaD, float dropout) {
    this.module = module;
    this.base = base;
    this.lambdaB = lambdaB;
    this.lambdaD = lambdaD;
    this.dropout = dropout;
  }

  /**
   * Slices this layer's part of the shared projections {@code A [r, maxIn]}, {@code B [maxOut, r]}.
   */
  void project(Tensor a, Tensor b) {
    int r = a.dim(0), in = inFeatures(), out = outFeatures();
    Tensor as = Tensor.zeros(r, in);
    for (int i = 0; i < r; i++) {
      a.read((long) i * a.dim(1), as.array(), i * in, in);
    }
    Tensor bs = Tensor.zeros(out, r);
    b.read(0, bs.array(), 0, out * r);
    projA = Var.constant(as);
    projB = Var.constant(bs);
  }

  // x [..., in] -> y [..., out]
  @Override
  public Var forward(Var x) {
    // the mask: a function of (seed, step, micro-batch, this module), see StepContext
    Var xd = StepContext.dropout(x, dropout, module);
    Var h = Ops.mul(Ops.linear(xd, projA, null), lambdaD); // [..., r]
    return Ops.add(base.forward(x), Ops.mul(Ops.linear(h, projB, null), lambdaB));
  }

  /** {@code W + (λ_b ⊙_rows B_s)·(λ_d ⊙_rows A_s)}. */
  public Linear merged() {
    Linear lin = WeightMath.baseLinear(base, module);
    Tensor a = projA.value().toF32(), b = projB.value().toF32();
    int r = a.dim(0), in = a.dim(1), out = b.dim(0);
    float[] ld = lambdaD.value().toFloatArray(), lb = lambdaB.value().toFloatArray();
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < in; j++) {
        a.array()[i * in + j] *= ld[i];
      }
    }
    for (int o = 0; o < out; o++) {
      for (int j = 0; j < r; j++) {
        b.array()[o * r + j] *= lb[o];
      }
    }
    Tensor delta = WeightMath.matmul(b, a);
    return WeightMath.withWeight(
        lin, WeightMath.addScaled(WeightMath.outIn(lin), delta, 1f), lin.bias());
  }

  @Override
  public int inFeatures() {
    return base.inFeatures();
  }

  @Override
  public int outFeatures() {
    return base.outFeatures();
  }

  @Override
  public String toString() {
    return "VeRA(r=" + lambdaD.dim(0) + ", " + base + ")";
  }
}
