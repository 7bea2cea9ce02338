package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.peftbench.tensor.backend.UnaryOp;

/**
 * {@link UnaryOp}s and their derivatives on whole vectors, written exactly like the scalar formulas
 * in {@link UnaryOp} (exp and tanh are the Vector API's, accurate to about 1 ulp). GELU_ERF has no
 * vector form here: it stays on the scalar path with the double-precision erf.
 */
final class Activations {
  private Activations() {}

  private static final float SQRT_2_OVER_PI = UnaryOp.SQRT_2_OVER_PI;
  private static final float GELU_C = UnaryOp.GELU_C;

  static FloatVector apply(UnaryOp op, FloatVector x) {
    return switch (op) {
      case SILU -> x.div(Simd.exp(x.neg()).add(1f));
      case GELU_TANH -> {
        FloatVector u = x.mul(x).mul(x).mul(GELU_C).add(x).mul(SQRT_2_OVER_PI);
        yield Simd.tanh(u).add(1f).mul(x).mul(0.5f);
      }
      case EXP -> Simd.exp(x);
      case TANH -> Simd.tanh(x);
      case SIGMOID -> one().div(Simd.exp(x.neg()).add(1f));
      case RELU -> FloatVector.zero(F).blend(x, x.compare(VectorOperators.GT, 0f));
      case GELU_ERF -> throw new IllegalArgumentException("GELU_ERF has no vector form");
    };
  }

  static FloatVector derivative(UnaryOp op, FloatVector x) {
    return switch (op) {
      case SILU -> {
        FloatVector s = one().div(Simd.exp(x.neg()).add(1f));
        yield one().sub(s).mul(x).add(1f).mul(s); // s·(1 + x·(1 − s))
      }
      case GELU_TANH -> {
        FloatVector x2 = x.mul(x);
        FloatVector u = x2.mul(x).mul(GELU_C).add(x).mul(SQRT_2_OVER_PI);
        FloatVector t = Simd.tanh(u);
        FloatVector du = x2.mul(3f * GELU_C).add(1f).mul(SQRT_2_OVER_PI);
        // 0.5·(1 + t) + 0.5·x·(1 − t²)·du
        yield t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(one().sub(t.mul(t))).mul(du));
      }
      case EXP -> Simd.exp(x);
      case TANH -> {
        FloatVector t = Simd.tanh(x);
        yield one().sub(t.mul(t));
      }
      case SIGMOID -> {
        FloatVector s = one().div(Simd.exp(x.neg()).add(1f));
        yield s.mul(one().sub(s));
      }
      case RELU ->
          FloatVector.zero(F)
              .blend(FloatVector.broadcast(F, 1f), x.compare(VectorOperators.GT, 0f));
      case GELU_ERF -> throw new IllegalArgumentException("GELU_ERF has no vector form");
    };
  }

  private static FloatVector one() {
    return FloatVector.broadcast(F, 1f);
  }
}
