package org.peftbench.tensor.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import org.peftbench.tensor.Tensor;

/**
 * The closeness checks kernel tests share (one definition each, in the {@code tensor} test-jar).
 */
public final class Closeness {
  private Closeness() {}

  /**
   * Each output of a kernel run against the reference's: NaN where the reference has NaN, equal
   * infinities, otherwise {@code |a − e| <= relTol·max(1, scale) + relTol·|e|} with scale the
   * largest finite magnitude of that reference output (so tolerances follow the data's size).
   */
  public static void assertOutputsClose(
      String what, List<float[]> expected, List<float[]> actual, double relTol, String actualName) {
    assertThat(actual).as("%s: outputs", what).hasSameSizeAs(expected);
    for (int o = 0; o < expected.size(); o++) {
      float[] e = expected.get(o), a = actual.get(o);
      assertThat(a).as("%s: output %d length", what, o).hasSameSizeAs(e);
      double scale = 0;
      for (float v : e) {
        if (Float.isFinite(v)) {
          scale = Math.max(scale, Math.abs(v));
        }
      }
      for (int i = 0; i < e.length; i++) {
        if (Float.isNaN(e[i])) {
          assertThat(a[i]).as("%s: output %d element %d", what, o, i).isNaN();
          continue;
        }
        if (Float.isInfinite(e[i])) {
          assertThat(a[i]).as("%s: output %d element %d", what, o, i).isEqualTo(e[i]);
          continue;
        }
        double tol = relTol * Math.max(1.0, scale) + relTol * Math.abs(e[i]);
        if (!(Math.abs(a[i] - e[i]) <= tol)) {
          fail(
              "%s: output %d element %d: %s %s, scalar %s (tolerance %s)",
              what, o, i, actualName, a[i], e[i], tol);
        }
      }
    }
  }

  /** The outputs of two runs agree bit for bit (NaNs included). */
  public static void assertBitIdentical(
      String what, List<float[]> first, List<float[]> second, String firstName, String secondName) {
    assertThat(second).as("%s: outputs", what).hasSameSizeAs(first);
    for (int o = 0; o < first.size(); o++) {
      float[] a = first.get(o), b = second.get(o);
      assertThat(b).as("%s: output %d length", what, o).hasSameSizeAs(a);
      for (int i = 0; i < a.length; i++) {
        if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
          fail(
              "%s: output %d element %d: %s %s, %s %s",
              what, o, i, a[i], firstName, b[i], secondName);
        }
      }
    }
  }

  /** {@code |got − want| <= tol·(1 + |want|)} element-wise; equal infinities pass. */
  public static void assertRelClose(Tensor got, Tensor want, float tol, String what) {
    float[] g = got.toFloatArray(), w = want.toFloatArray();
    assertThat(g).as("%s: size", what).hasSameSizeAs(w);
    for (int i = 0; i < g.length; i++) {
      float bound = tol * (1f + Math.abs(w[i]));
      if (!(Math.abs(g[i] - w[i]) <= bound) && !(Float.isInfinite(w[i]) && g[i] == w[i])) {
        fail("%s element %d: %s, expected %s (tolerance %s)", what, i, g[i], w[i], bound);
      }
    }
  }

  /** {@code |got − want| <= tol} element-wise; equal infinities pass. */
  public static void assertAbsClose(Tensor got, Tensor want, float tol, String what) {
    assertAbsClose(got.toFloatArray(), want.toFloatArray(), tol, what);
  }

  /** {@code |got − want| <= tol} element-wise (in double); equal infinities pass. */
  public static void assertAbsClose(float[] got, float[] want, double tol, String what) {
    assertThat(got).as("%s: size", what).hasSameSizeAs(want);
    for (int i = 0; i < got.length; i++) {
      if (Float.isInfinite(want[i])) {
        assertThat(got[i]).as("%s element %d", what, i).isEqualTo(want[i]);
      } else if (!(Math.abs((double) got[i] - want[i]) <= tol)) {
        fail("%s element %d: %s, expected %s (tolerance %s)", what, i, got[i], want[i], tol);
      }
    }
  }
}
