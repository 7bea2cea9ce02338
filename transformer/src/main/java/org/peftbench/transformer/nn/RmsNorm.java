package org.peftbench.transformer.nn;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;

/** RMSNorm (Llama family): {@code y = x / sqrt(mean(x²) + eps) · weight}. */
public final class RmsNorm implements NormLayer {
  private final Parameter weight;
  private final float eps;

  public RmsNorm(Parameter weight, double eps) {
    this.weight = weight;
    this.eps = (float) eps;
  }

  @Override
  public Var forward(Var x) {
    return Ops.rmsNorm(x, weight, eps);
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

  @Override
  public String toString() {
    return "RmsNorm(" + weight.dim(0) + ", eps=" + eps + ")";
  }
}
