package org.peftbench.peft.ia3;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.WeightMath;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.nn.DecomposedLinear;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/**
 * (IA)³: a learned vector rescales a linear layer. Feed-forward layers scale the input, {@code y =
 * base(x ⊙ l)} with {@code l [1, in]}; the others scale the output, {@code y = base(x) ⊙ l} with
 * {@code l [out, 1]} (PEFT's shapes).
 */
public final class IA3Linear implements DecomposedLinear {
  private final String module;
  private final LinearLayer base;
  private final Parameter scale;
  private final boolean feedforward;

  public IA3Linear(String module, LinearLayer base, Parameter scale, boolean feedforward) {
    this.module = module;
    this.base = base;
    this.scale = scale;
    this.feedforward = feedforward;
  }

  // x [..., in] -> y [..., out]
  @Override
  public Var forward(Var x) {
    if (feedforward) {
      return base.forward(Ops.mul(x, Ops.reshape(scale, base.inFeatures())));
    }
    return Ops.mul(base.forward(x), Ops.reshape(scale, base.outFeatures()));
  }

  /** The learned vector l ({@code [1, in]} or {@code [out, 1]}). */
  public Parameter scale() {
    return scale;
  }

  /** The linear layer being rescaled. */
  public LinearLayer base() {
    return base;
  }

  /** Whether l scales the input (feed-forward modules) rather than the output. */
  public boolean feedforward() {
    return feedforward;
  }

  /** The merged linear: columns (feed-forward) or rows and bias (otherwise) scaled by l. */
  public Linear merged() {
    Linear lin = WeightMath.baseLinear(base, module);
    Tensor w = WeightMath.outIn(lin);
    int out = w.dim(0), in = w.dim(1);
    float[] a = w.array();
    float[] l = scale.value().toFloatArray();
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        a[o * in + i] *= feedforward ? l[i] : l[o];
      }
    }
    Parameter bias = lin.bias();
    if (bias != null && !feedforward) {
      Tensor b = bias.value().toF32();
      for (int o = 0; o < out; o++) {
        b.array()[o] *= l[o];
      }
      bias = new Parameter(bias.name(), b, false);
    }
    return WeightMath.withWeight(lin, w, bias);
  }

  /** Over a plain {@link Linear}: the base and the vector, on the input or on the output. */
  @Override
  public Parts inferenceParts() {
    if (base.getClass() != Linear.class || ((Linear) base).fanInFanOut()) {
      return null;
    }
    Tensor l = scale.value();
    return feedforward
        ? new Parts((Linear) base, l, null, null, null, null, 0f)
        : new Parts((Linear) base, null, l, null, null, null, 0f);
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
    return "IA3(" + (feedforward ? "input" : "output") + ", " + base + ")";
  }
}
