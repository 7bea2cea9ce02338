package org.peftbench.peft.bitfit;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.WeightMath;
import org.peftbench.transformer.nn.DecomposedLinear;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/** A bias added to a linear layer that has none: {@code y = base(x) + b}, b {@code [out]}. */
public final class BiasLinear implements DecomposedLinear {
  private final String module;
  private final LinearLayer base;
  private final Parameter bias;

  public BiasLinear(String module, LinearLayer base, Parameter bias) {
    this.module = module;
    this.base = base;
    this.bias = bias;
  }

  // x [..., in] -> y [..., out]
  @Override
  public Var forward(Var x) {
    return Ops.add(base.forward(x), bias);
  }

  /** The trained bias {@code [out]}. */
  public Parameter bias() {
    return bias;
  }

  /** The linear layer the bias is added to. */
  public LinearLayer base() {
    return base;
  }

  /** The plain linear with this bias (the weight is shared, not copied). */
  public Linear merged() {
    Linear lin = WeightMath.baseLinear(base, module);
    return new Linear(
        lin.name(),
        lin.weight(),
        new Parameter(bias.name(), bias.value().toF32(), false),
        lin.fanInFanOut());
  }

  /** Over a plain {@link Linear}: its parts (the base and this bias). */
  @Override
  public Parts inferenceParts() {
    if (base.getClass() != Linear.class || ((Linear) base).fanInFanOut()) {
      return null;
    }
    return new Parts((Linear) base, null, null, bias.value(), null, null, 0f);
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
    return "BitFit(+bias, " + base + ")";
  }
}
