package org.peftbench.peft;

import java.util.SplittableRandom;
import org.peftbench.tensor.Tensor;

/**
 * Seeded initialisers matching the distributions torch uses (not its random stream): the same seed
 * and parameter name always give the same values.
 */
public final class Init {
  private Init() {}

  /** A generator for one parameter: the run's seed mixed with the parameter's name. */
  public static SplittableRandom rng(long seed, String name) {
    long h = seed * 0x9E3779B97F4A7C15L;
    for (int i = 0; i < name.length(); i++) {
      h = (h ^ name.charAt(i)) * 0x100000001B3L;
    }
    return new SplittableRandom(h);
  }

  /**
   * torch's {@code kaiming_uniform_(w, a=√5)} on a {@code [out, in]} matrix: U(−b, b) with {@code b
   * = gain·√(3/fan_in)}, {@code gain = √(2/(1+a²))} = √(1/3), so {@code b = 1/√fan_in}.
   */
  public static Tensor kaimingUniform(SplittableRandom rng, int out, int in) {
    Tensor t = Tensor.zeros(out, in);
    double bound = 1.0 / Math.sqrt(in);
    float[] a = t.array();
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return t;
  }

  /** N(0, std²) values (torch's Embedding init is N(0, 1)). */
  public static Tensor normal(SplittableRandom rng, double std, int... shape) {
    Tensor t = Tensor.zeros(shape);
    float[] a = t.array();
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (gaussian(rng) * std);
    }
    return t;
  }

  /** torch's default {@code nn.Linear} init: weight and bias U(−1/√in, 1/√in). */
  public static Tensor linearDefault(SplittableRandom rng, int in, int... shape) {
    Tensor t = Tensor.zeros(shape);
    double bound = 1.0 / Math.sqrt(in);
    float[] a = t.array();
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return t;
  }

  public static Tensor filled(float v, int... shape) {
    Tensor t = Tensor.zeros(shape);
    t.fill(v);
    return t;
  }

  private static double gaussian(SplittableRandom rng) {
    // Box–Muller; u1 in (0, 1]
    double u1 = 1.0 - rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
