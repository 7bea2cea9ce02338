package org.peftbench.peft.lora;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.StepContext;
import org.peftbench.autograd.Var;
import org.peftbench.peft.WeightMath;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.nn.DecomposedLinear;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/**
 * A linear layer with a LoRA (or DoRA) update, in HF PEFT's formulation.
 *
 * <p>LoRA: {@code y = base(x) + s · dropout(x)·Aᵀ·Bᵀ}, A {@code [r,in]}, B {@code [out,r]}, s the
 * scaling.
 *
 * <p>DoRA: with {@code n = ‖W + s·B·A‖} per output row (treated as a constant, as the DoRA paper
 * §4.3 and PEFT do) and magnitude {@code m [out]}: {@code y = base(x) + (m/n − 1)·(x'·Wᵀ) + (m/n)·s
 * · x'·Aᵀ·Bᵀ}, x' = dropout(x); when there is no dropout {@code x'·Wᵀ} is {@code base(x)} minus the
 * bias.
 */
public final class LoraLinear implements DecomposedLinear {
  private final String module;
  private final LinearLayer base;
  private final Parameter loraA; // [r, in]
  private final Parameter loraB; // [out, r]
  private final Parameter magnitude; // [out] (DoRA) or null
  private final float scaling;
  private final float dropout;

  public LoraLinear(
      String module,
      LinearLayer base,
      Parameter loraA,
      Parameter loraB,
      Parameter magnitude,
      float scaling,
      float dropout) {
    this.module = module;
    this.base = base;
    this.loraA = loraA;
    this.loraB = loraB;
    this.magnitude = magnitude;
    this.scaling = scaling;
    this.dropout = dropout;
  }

  // x [..., in] -> y [..., out]
  @Override
  public Var forward(Var x) {
    if (magnitude == null
        && dropout == 0f
        && base.getClass() == Linear.class
        && !((Linear) base).fanInFanOut()) {
      // plain LoRA: one fused op keeps only y and s·x·Aᵀ for backward (not five [N, out] tensors)
      Linear lin = (Linear) base;
      return Ops.loraLinear(x, lin.weight(), lin.bias(), loraA, loraB, scaling);
    }
    Var y = base.forward(x);
    // the mask: a function of (seed, step, micro-batch, this module), see StepContext
    Var xd = StepContext.dropout(x, dropout, module);
    Var lora = Ops.scale(Ops.linear(Ops.linear(xd, loraA, null), loraB, null), scaling);
    if (magnitude == null) {
      return Ops.add(y, lora);
    }
    Linear lin = WeightMath.baseLinear(base, module);
    Var mOverN = Ops.mul(magnitude, Var.constant(inverseWeightNorm(WeightMath.outIn(lin))));
    // x'·Wᵀ without the bias: the base output itself when there is no dropout
    Var baseOut = xd == x ? y : lin.forward(xd);
    if (lin.bias() != null) {
      baseOut = Ops.sub(baseOut, lin.bias());
    }
    Var dora = Ops.add(Ops.mul(baseOut, Ops.addScalar(mOverN, -1f)), Ops.mul(lora, mOverN));
    return Ops.add(y, dora);
  }

  /** {@code 1/‖W + s·B·A‖} per output row, {@code [out]}, outside the graph. */
  private Tensor inverseWeightNorm(Tensor w) {
    Tensor combined = combinedWeight(w, loraA.value(), loraB.value(), scaling);
    int out = combined.dim(0), in = combined.dim(1);
    Tensor inv = Tensor.zeros(out);
    for (int o = 0; o < out; o++) {
      inv.array()[o] = (float) (1.0 / rowNorm(combined.array(), o, in));
    }
    combined.close();
    return inv;
  }

  /** {@code W + s·B·A}, a new heap tensor {@code [out, in]}. */
  private static Tensor combinedWeight(Tensor w, Tensor a, Tensor b, float scaling) {
    Tensor ba = WeightMath.matmul(b, a);
    Tensor out = WeightMath.addScaled(w, ba, scaling);
    ba.close();
    return out;
  }

  /** The Euclidean norm of row {@code o} of a heap {@code [out, in]} matrix (summed in double). */
  private static double rowNorm(float[] m, int o, int in) {
    double ss = 0;
    for (int i = 0; i < in; i++) {
      double v = m[o * in + i];
      ss += v * v;
    }
    return Math.sqrt(ss);
  }

  /** A {@code [r, in]}. */
  public Parameter loraA() {
    return loraA;
  }

  /** B {@code [out, r]}. */
  public Parameter loraB() {
    return loraB;
  }

  /** DoRA's magnitude {@code [out]}, or null for plain LoRA. */
  public Parameter magnitude() {
    return magnitude;
  }

  /** s, the LoRA update's scaling. */
  public float scaling() {
    return scaling;
  }

  /** The dropout probability on the LoRA branch's input. */
  public float dropout() {
    return dropout;
  }

  /** The merged plain linear: {@code W + s·B·A}, rows rescaled to {@code m} for DoRA. */
  public Linear merged() {
    Linear lin = WeightMath.baseLinear(base, module);
    Tensor w = combinedWeight(WeightMath.outIn(lin), loraA.value(), loraB.value(), scaling);
    if (magnitude != null) {
      int out = w.dim(0), in = w.dim(1);
      float[] a = w.array();
      float[] m = magnitude.value().toFloatArray();
      for (int o = 0; o < out; o++) {
        float f = (float) (m[o] / rowNorm(a, o, in));
        for (int i = 0; i < in; i++) {
          a[o * in + i] *= f;
        }
      }
    }
    return WeightMath.withWeight(lin, w, lin.bias());
  }

  /** {@code ‖W + s·B·A‖} per row: DoRA's initial magnitude. */
  public static Tensor rowNorms(Tensor w, Tensor a, Tensor b, float scaling) {
    Tensor c = combinedWeight(w, a, b, scaling);
    int out = c.dim(0), in = c.dim(1);
    Tensor norms = Tensor.zeros(out);
    for (int o = 0; o < out; o++) {
      norms.array()[o] = (float) rowNorm(c.array(), o, in);
    }
    c.close();
    return norms;
  }

  /** Plain LoRA over a plain {@link Linear}, outside a training step's dropout: its parts. */
  @Override
  public Parts inferenceParts() {
    if (magnitude != null
        || base.getClass() != Linear.class
        || ((Linear) base).fanInFanOut()
        || (dropout != 0f && StepContext.current().training())) {
      return null;
    }
    return new Parts((Linear) base, null, null, null, loraA.value(), loraB.value(), scaling);
  }

  public LinearLayer base() {
    return base;
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
    return (magnitude != null ? "DoRA" : "LoRA") + "(r=" + loraA.dim(0) + ", " + base + ")";
  }
}
