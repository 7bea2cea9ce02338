package org.peftbench.peft.examples;

import java.util.SplittableRandom;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.Init;
import org.peftbench.peft.lora.LoraLinear;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.nn.Linear;

/**
 * Walk-through "LoRA from scratch in 40 lines" (docs/examples.md): build A and B, check the
 * gradient numerically, merge, and compare with the library's {@link LoraLinear}. Run by {@code
 * LoraFromScratchTest}; {@link #main} prints what it finds.
 */
public final class LoraFromScratch {
  /** What the walk-through measured; every field is checked by the test. */
  public record Findings(
      double startDifference, // |y_lora − y_base| at init (B = 0): exactly 0
      double worstGradientError, // relative error of autograd vs finite differences, A and B
      double mergedDifference, // |x·(W + s·B·A)ᵀ − y_lora|
      double libraryDifference) {} // |LoraLinear − our y_lora|

  static final int B = 2, T = 3, IN = 8, OUT = 6, R = 2; // batch, tokens, in/out features, rank
  static final float ALPHA = 4f, S = ALPHA / R; // LoRA's scaling α/r

  public static Findings run() {
    SplittableRandom rng = new SplittableRandom(7);
    Parameter w = new Parameter("W", Init.normal(rng, 0.5, OUT, IN), false); // frozen base [out,in]
    Var x = Var.constant(Init.normal(rng, 1.0, B, T, IN)); // input [B, T, in]
    Var probe = Var.constant(Init.normal(rng, 1.0, B, T, OUT)); // loss = Σ y ⊙ probe
    // 1. the adapter: A Kaiming-uniform [r, in], B zero [out, r], so training starts at the base
    Parameter a = new Parameter("lora_A", Init.kaimingUniform(rng, R, IN), true);
    Parameter b = new Parameter("lora_B", Tensor.zeros(OUT, R), true);
    double start = maxAbsDiff(lora(x, w, a, b).value(), Ops.linear(x, w, null).value());
    // 2. pretend training moved B, then check ∂L/∂A and ∂L/∂B against finite differences
    b.setValue(Init.normal(rng, 0.3, OUT, R));
    Var loss = Ops.sum(Ops.mul(lora(x, w, a, b), probe));
    loss.backward();
    double worst = 0;
    for (Parameter p : new Parameter[] {a, b}) {
      float[] v = p.value().array(), g = p.grad().array();
      for (int i = 0; i < v.length; i++) {
        float keep = v[i], h = 1e-2f;
        v[i] = keep + h;
        double up = Ops.sum(Ops.mul(lora(x, w, a, b), probe)).item();
        v[i] = keep - h;
        double down = Ops.sum(Ops.mul(lora(x, w, a, b), probe)).item();
        v[i] = keep;
        double numeric = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - g[i]) / Math.max(1, Math.abs(numeric)));
      }
    }
    // 3. merge: W' = W + s·B·A gives the same outputs with no adapter at all
    Var merged = Ops.add(w, Ops.scale(Ops.matmul(b, a), S)); // [out, in]
    Tensor y = lora(x, w, a, b).value();
    double mergedDiff = maxAbsDiff(Ops.linear(x, merged, null).value(), y);
    // 4. the library's LoraLinear with the same tensors computes the same function
    LoraLinear library =
        new LoraLinear("demo", new Linear("demo", w, null, false), a, b, null, S, 0f);
    double libraryDiff = maxAbsDiff(library.forward(x).value(), y);
    return new Findings(start, worst, mergedDiff, libraryDiff);
  }

  /** y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ: [B,T,in] → [B,T,r] → [B,T,out]. */
  static Var lora(Var x, Var w, Var a, Var b) {
    return Ops.add(
        Ops.linear(x, w, null), Ops.scale(Ops.linear(Ops.linear(x, a, null), b, null), S));
  }

  static double maxAbsDiff(Tensor p, Tensor q) {
    float[] u = p.toFloatArray(), v = q.toFloatArray();
    double worst = 0;
    for (int i = 0; i < u.length; i++) {
      worst = Math.max(worst, Math.abs(u[i] - v[i]));
    }
    return worst;
  }

  public static void main(String[] args) {
    System.out.println(run());
  }
}
