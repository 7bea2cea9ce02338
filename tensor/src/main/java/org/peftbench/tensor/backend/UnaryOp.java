package org.peftbench.tensor.backend;

/** Elementwise functions with their derivatives, in plain scalar form (the reference). */
public enum UnaryOp {
  SILU,
  /** GELU with the tanh approximation (GPT-2's "gelu_new", PyTorch approximate="tanh"). */
  GELU_TANH,
  /** Exact GELU: x·Φ(x) with the error function. */
  GELU_ERF,
  EXP,
  TANH,
  SIGMOID,
  RELU;

  public static final float SQRT_2_OVER_PI = 0.7978845608028654f;
  public static final float GELU_C = 0.044715f;

  /** f(x). */
  public float apply(float x) {
    return switch (this) {
      case SILU -> x / (1f + (float) Math.exp(-x));
      case GELU_TANH ->
          0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (x + GELU_C * x * x * x)));
      case GELU_ERF -> (float) (0.5 * x * (1.0 + Erf.erf(x / Math.sqrt(2.0))));
      case EXP -> (float) Math.exp(x);
      case TANH -> (float) Math.tanh(x);
      case SIGMOID -> 1f / (1f + (float) Math.exp(-x));
      case RELU -> x > 0 ? x : 0f;
    };
  }

  /** f'(x), given the input x. */
  public float derivative(float x) {
    return switch (this) {
      case SILU -> {
        float s = 1f / (1f + (float) Math.exp(-x));
        yield s * (1f + x * (1f - s));
      }
      case GELU_TANH -> {
        float u = SQRT_2_OVER_PI * (x + GELU_C * x * x * x);
        float t = (float) Math.tanh(u);
        float du = SQRT_2_OVER_PI * (1f + 3f * GELU_C * x * x);
        yield 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * du;
      }
      case GELU_ERF -> {
        double cdf = 0.5 * (1.0 + Erf.erf(x / Math.sqrt(2.0)));
        double pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
        yield (float) (cdf + x * pdf);
      }
      case EXP -> (float) Math.exp(x);
      case TANH -> {
        float t = (float) Math.tanh(x);
        yield 1f - t * t;
      }
      case SIGMOID -> {
        float s = 1f / (1f + (float) Math.exp(-x));
        yield s * (1f - s);
      }
      case RELU -> x > 0 ? 1f : 0f;
    };
  }
}
