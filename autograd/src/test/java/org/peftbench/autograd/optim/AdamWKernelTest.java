package org.peftbench.autograd.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;

/**
 * AdamW's vectorised update against its scalar reference (bit for bit), and a step over many
 * parameters (one set of tasks for all of them) and global clipping independent of the thread
 * count.
 */
class AdamWKernelTest {
  private final int originalThreads = Parallel.threads();

  @AfterEach
  void restore() {
    Parallel.setThreads(originalThreads);
  }

  private static float[] gaussian(Random rnd, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian() * scale;
    }
    return a;
  }

  @Test
  void vectorUpdateMatchesTheScalarReferenceBitForBit() {
    AdamW.Hyper h = new AdamW.Hyper(0.99f, 0.9f, 0.999f, 0.1f, 0.001f, -0.0123f, 0.0447f, 1e-8f);
    for (int n : new int[] {1, 7, 15, 16, 17, 63, 65, 1000, 4099}) {
      Random rnd = new Random(n);
      int wo = 3, go = 5; // offsets into larger arrays, as views of a parameter
      float[] w = gaussian(rnd, n + wo, 1f), g = gaussian(rnd, n + go, 0.1f);
      float[] m = gaussian(rnd, n, 0.01f), v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = Math.abs(gaussian(rnd, 1, 1e-4f)[0]);
      }
      g[go] = 0f; // a zero gradient with a zero second moment: the denominator is eps
      v[0] = 0f;
      if (n > 2) {
        g[go + 1] = 3e-20f; // a second moment that underflows
        v[1] = 0f;
      }
      float[] w2 = w.clone(), m2 = m.clone(), v2 = v.clone();
      AdamW.update(h, w, wo, g, go, m, v, 0, n);
      AdamW.updateScalar(h, w2, wo, g, go, m2, v2, 0, n);
      assertThat(w).as("weights, n=%d", n).containsExactly(w2);
      assertThat(m).as("first moments, n=%d", n).containsExactly(m2);
      assertThat(v).as("second moments, n=%d", n).containsExactly(v2);
      // a sub-range leaves the rest alone
      float[] w3 = w.clone(), m3 = m.clone(), v3 = v.clone();
      AdamW.update(h, w3, wo, g, go, m3, v3, n / 2, n);
      for (int i = 0; i < n / 2; i++) {
        assertThat(w3[wo + i]).isEqualTo(w[wo + i]);
        assertThat(m3[i]).isEqualTo(m[i]);
      }
    }
  }

  /** Parameters of awkward sizes (some over one chunk) with gradients from a fixed seed. */
  private static List<Parameter> params(int seed) {
    Random rnd = new Random(seed);
    List<Parameter> ps = new ArrayList<>();
    int[] sizes = {1, 17, 5000, 40_000, 70_001, 3};
    for (int k = 0; k < sizes.length; k++) {
      Parameter p =
          new Parameter("p" + k, Tensor.of(gaussian(rnd, sizes[k], 1f), sizes[k]), k != 5);
      ps.add(p);
    }
    // gradient of Σ p ⊙ c is c; p1 gets none (skipped, its state does not advance), p5 is frozen
    Var loss = null;
    for (int k = 0; k < sizes.length; k++) {
      if (k != 1) {
        Var c = Var.constant(Tensor.of(gaussian(rnd, sizes[k], 0.5f), sizes[k]));
        Var term = Ops.sum(Ops.mul(ps.get(k), c));
        loss = loss == null ? term : Ops.add(loss, term);
      }
    }
    loss.backward();
    return ps;
  }

  private static List<float[]> trainTwoSteps(int threads) {
    Parallel.setThreads(threads);
    List<Parameter> ps = params(7);
    AdamW opt = new AdamW(ps);
    List<float[]> out = new ArrayList<>();
    out.add(new float[] {GradClip.clipGlobalNorm(ps, 1.0)});
    opt.step(1e-2);
    opt.step(1e-2); // same gradients again: the step count and moments carry over
    for (Parameter p : ps) {
      out.add(p.value().toFloatArray());
      out.add(p.grad() == null ? new float[0] : p.grad().toFloatArray());
    }
    assertThat(opt.stepCount(ps.get(0))).isEqualTo(2);
    assertThat(opt.stepCount(ps.get(1))).isZero();
    return out;
  }

  @Test
  void stepAndClippingDoNotDependOnTheThreadCount() {
    List<float[]> one = trainTwoSteps(1), three = trainTwoSteps(3);
    for (int i = 0; i < one.size(); i++) {
      assertThat(three.get(i)).as("output %d", i).containsExactly(one.get(i));
    }
  }

  @Test
  void stepMatchesThePerElementReferenceOnEveryParameter() {
    Parallel.setThreads(2);
    List<Parameter> ps = params(9);
    List<float[]> before = new ArrayList<>();
    for (Parameter p : ps) {
      before.add(p.value().toFloatArray());
    }
    new AdamW(ps, 0.9, 0.999, 1e-8, 0.01).step(3e-3);
    for (int k = 0; k < ps.size(); k++) {
      Parameter p = ps.get(k);
      float[] w = before.get(k);
      if (p.grad() != null && p.isTrainable()) {
        int n = w.length;
        // first step: bias corrections 1 − β1 and 1 − β2, moments from zero
        AdamW.Hyper h =
            new AdamW.Hyper(
                (float) (1 - 3e-3 * 0.01),
                0.9f,
                0.999f,
                (float) (1 - 0.9),
                (float) (1 - 0.999),
                (float) -(3e-3 / (1 - 0.9)),
                (float) Math.sqrt(1 - 0.999),
                1e-8f);
        AdamW.updateScalar(h, w, 0, p.grad().toFloatArray(), 0, new float[n], new float[n], 0, n);
      }
      assertThat(p.value().toFloatArray()).as(p.name()).containsExactly(w);
    }
  }
}
