package org.peftbench.autograd;

import java.util.SplittableRandom;
import org.peftbench.tensor.Tensor;

/** Random tensors and parameters for tests (fixed seeds). */
public final class Fixtures {
  private final SplittableRandom rng;

  Fixtures(long seed) {
    rng = new SplittableRandom(seed);
  }

  Tensor uniform(float lo, float hi, int... shape) {
    Tensor t = Tensor.zeros(shape);
    float[] a = t.array();
    for (int i = 0; i < a.length; i++) {
      a[i] = lo + (hi - lo) * (float) rng.nextDouble();
    }
    return t;
  }

  Tensor rand(int... shape) {
    return uniform(-1f, 1f, shape);
  }

  Parameter param(String name, int... shape) {
    return new Parameter(name, rand(shape), true);
  }

  /** A scalar that weighs every element of {@code out} by a fixed random number. */
  Var weightedSum(Var out) {
    return Ops.sum(Ops.mul(out, Var.constant(rand(out.shape()))));
  }

  /**
   * Lets the collector release unreachable tensors of earlier tests (their storage is counted until
   * collected), so a MemoryTracker delta measured right after sees only this test's tensors.
   */
  public static void drainGarbage() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(30);
    }
  }
}
