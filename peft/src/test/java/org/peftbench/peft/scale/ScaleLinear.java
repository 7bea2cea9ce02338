package org.peftbench.peft.scale;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.WeightMath;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/** {@code y = base(x) ⊙ (1 + g)}, g {@code [out]}. */
final class ScaleLinear implements LinearLayer {
  private final String module;
  private final LinearLayer base;
  private final Parameter gain;

  ScaleLinear(String module, LinearLayer base, Parameter gain) {
    this.module = module;
    this.base = base;
    this.gain = gain;
  }

  // x [..., in] -> y [..., out]
  @Override
  public Var forward(Var x) {
    Var y = base.forward(x);
    return Ops.add(y, Ops.mul(y, gain));
  }

  /** Rows (and bias) of the base weight scaled by 1 + g. */
  Linear merged() {
    Linear lin = WeightMath.baseLinear(base, module);
    Tensor w = WeightMath.outIn(lin);
    int out = w.dim(0), in = w.dim(1);
    float[] a = w.array();
    float[] g = gain.value().toFloatArray();
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        a[o * in + i] *= 1 + g[o];
      }
    }
    Parameter bias = lin.bias();
    if (bias != null) {
      Tensor b = bias.value().toF32();
      for (int o = 0; o < out; o++) {
        b.array()[o] *= 1 + g[o];
      }
      bias = new Parameter(bias.name(), b, false);
    }
    return WeightMath.withWeight(lin, w, bias);
  }

  @Override
  public int inFeatures() {
    return base.inFeatures();
  }

  @Override
  public int outFeatures() {
    return base.outFeatures();
  }
}
