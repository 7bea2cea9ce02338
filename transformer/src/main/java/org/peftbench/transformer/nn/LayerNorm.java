package org.peftbench.transformer.nn;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;

/** LayerNorm (GPT-2): {@code y = (x − mean) / sqrt(var + eps) · weight + bias}. */
public final class LayerNorm implements NormLayer {
  private final Parameter weight;
  private final Parameter bias;
  private final float eps;

  public LayerNorm(Parameter weight, Parameter bias, double eps) {
    this.weight = weight;
    this.bias = bias;
    this.eps = (float) eps;
  }

  @Override
  public Var forward(Var x) {
    return Ops.layerNorm(x, weight, bias, eps);
  }

  @Override
  public Parameter weight() {
    return weight;
  }

  @Override
  public Parameter bias() {
    return bias;
  }

  public float eps() {
    return eps;
  }

  @Override
  public String toString() {
    return "LayerNorm(" + weight.dim(0) + ", eps=" + eps + ")";
  }
}
