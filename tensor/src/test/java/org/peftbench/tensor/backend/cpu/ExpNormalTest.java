package org.peftbench.tensor.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.ScalarBackend;

/**
 * {@link Simd#expNormal} (the exponential of sigmoids and of the cross-entropy) against {@link
 * Simd#exp}: bit-identical wherever e^x is a normal float, clamped outside; and the SwiGLU kernels
 * that use it against the scalar reference at gates where e^−gate leaves that range.
 */
class ExpNormalTest {
  private static float[] lanes(float[] xs, boolean normal) {
    float[] out = new float[xs.length];
    for (int i = 0; i + L <= xs.length; i += L) {
      FloatVector x = FloatVector.fromArray(F, xs, i);
      (normal ? Simd.expNormal(x) : Simd.exp(x)).intoArray(out, i);
    }
    return out;
  }

  @Test
  void equalsExpBitForBitInsideTheNormalRange() {
    int n = L * 20_000;
    float[] xs = new float[n];
    Random rnd = new Random(3);
    for (int i = 0; i < n; i++) {
      xs[i] = i < n / 2 ? -87f + 175f * i / (n / 2) : -87f + 175f * rnd.nextFloat();
    }
    xs[0] = -87f;
    xs[1] = 88f;
    xs[2] = 0f;
    xs[3] = -0f;
    float[] fast = lanes(xs, true), ref = lanes(xs, false);
    for (int i = 0; i < n; i++) {
      assertThat(fast[i]).as("e^%s", xs[i]).isEqualTo(ref[i]);
      double exact = Math.exp(xs[i]);
      assertThat(Math.abs(fast[i] - exact)).as("e^%s", xs[i]).isLessThanOrEqualTo(3e-7 * exact);
    }
  }

  @Test
  void clampsOutsideTheRangeAndKeepsNaN() {
    float[] xs = new float[2 * L];
    float[] outside = {
      -87.5f,
      -100f,
      -1e30f,
      Float.NEGATIVE_INFINITY,
      88.5f,
      1000f,
      Float.POSITIVE_INFINITY,
      Float.NaN
    };
    for (int i = 0; i < xs.length; i++) {
      xs[i] = outside[i % outside.length];
    }
    float[] fast = lanes(xs, true);
    float lo = lanes(filled(-87f), true)[0], hi = lanes(filled(88f), true)[0];
    for (int i = 0; i < xs.length; i++) {
      if (Float.isNaN(xs[i])) {
        assertThat(fast[i]).isNaN();
      } else {
        assertThat(fast[i]).as("e^%s", xs[i]).isEqualTo(xs[i] < 0 ? lo : hi);
      }
    }
    assertThat(lo).isGreaterThanOrEqualTo(Float.MIN_NORMAL);
    assertThat(hi).isFinite();
  }

  private static float[] filled(float v) {
    float[] a = new float[L];
    java.util.Arrays.fill(a, v);
    return a;
  }

  @Test
  void swigluAtExtremeGatesMatchesTheScalarReference() {
    float[] special = {-1000f, -100f, -88.5f, -87.5f, -20f, -1e-3f, 0f, 1e-3f, 20f, 87.5f, 100f};
    int n = 3 * L + 5; // vector lanes and a scalar tail
    float[] gate = new float[n], up = new float[n], dy = new float[n];
    Random rnd = new Random(4);
    for (int i = 0; i < n; i++) {
      gate[i] = special[i % special.length];
      up[i] = rnd.nextFloat() * 4 - 2;
      dy[i] = rnd.nextFloat() * 2 - 1;
    }
    float[][] cpu = swiglu(new CpuBackend(), gate, up, dy);
    float[][] ref = swiglu(new ScalarBackend(), gate, up, dy);
    for (int o = 0; o < cpu.length; o++) {
      for (int i = 0; i < n; i++) {
        float e = ref[o][i];
        assertThat((double) cpu[o][i])
            .as("output %d at gate %s", o, gate[i])
            .isCloseTo(e, org.assertj.core.data.Offset.offset(2e-6 * Math.max(1, Math.abs(e))));
      }
    }
  }

  private static float[][] swiglu(Backend be, float[] gate, float[] up, float[] dy) {
    int n = gate.length;
    Tensor g = Tensor.of(gate.clone(), n), u = Tensor.of(up.clone(), n);
    Tensor out = Tensor.zeros(n), dg = Tensor.zeros(n), du = Tensor.zeros(n);
    be.swiglu(g, u, out);
    be.swigluBackward(g, u, Tensor.of(dy.clone(), n), dg, du);
    return new float[][] {out.toFloatArray(), dg.toFloatArray(), du.toFloatArray()};
  }
}
