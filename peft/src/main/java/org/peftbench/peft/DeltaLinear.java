package org.peftbench.peft;

import java.util.function.Supplier;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/**
 * A linear layer plus a weight update built from adapter parameters (LoHa, LoKr): {@code y =
 * base(x) + x·ΔWᵀ}, ΔW {@code [out, in]} rebuilt on the graph every forward so its factors get
 * gradients.
 */
public final class DeltaLinear implements LinearLayer {
  private final String module;
  private final LinearLayer base;
  private final Supplier<Var> delta;
  private final String label;

  /**
   * @param delta builds ΔW {@code [out, in]} from the adapter parameters
   */
  public DeltaLinear(String module, LinearLayer base, Supplier<Var> delta, String label) {
    this.module = module;
    this.base = base;
    this.delta = delta;
    this.label = label;
  }

  // x [..., in] -> y [..., out]
  @Override
  public Var forward(Var x) {
    return Ops.add(base.forward(x), Ops.linear(x, delta.get(), null));
  }

  /** {@code W + ΔW} as a plain linear (a heap copy). */
  public Linear merged() {
    Linear lin = WeightMath.baseLinear(base, module);
    Tensor d;
    try (var ignored = GradMode.noGrad()) {
      d = delta.get().value();
    }
    return WeightMath.withWeight(
        lin, WeightMath.addScaled(WeightMath.outIn(lin), d, 1f), lin.bias());
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
    return label + "(" + base + ")";
  }
}
