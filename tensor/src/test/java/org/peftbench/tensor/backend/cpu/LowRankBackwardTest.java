package org.peftbench.tensor.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.peftbench.tensor.testing.TestTensors.rand;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.ScalarBackend;

/**
 * {@link Backend#lowRankBackward} (LoRA's {@code dxs = s·dY·B} and {@code dB += dYᵀ·xs}): the cpu
 * backend's one-pass kernel against the scalar backend's two plain products, on sizes that leave
 * partial row tiles and partial blocks, several vectors of R, and an R the kernel does not take;
 * and 1 vs 3 threads give the same bits.
 */
class LowRankBackwardTest {
  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  /** dxs and the accumulated dB from one backend, on copies of the same inputs. */
  private static float[][] run(Backend be, int m, int n, int r, float s, long seed) {
    Random rnd = new Random(seed);
    Tensor dy = rand(rnd, m, n), b = rand(rnd, n, r), xs = rand(rnd, m, r);
    Tensor db = rand(rnd, n, r); // accumulated into: starts non-zero
    Tensor dxs = rand(rnd, m, r); // overwritten: starts with garbage
    be.lowRankBackward(dy, b, xs, s, dxs, db);
    return new float[][] {dxs.toFloatArray(), db.toFloatArray()};
  }

  @ParameterizedTest(name = "M={0} N={1} R={2}")
  @CsvSource({
    "1, 1, 16",
    "7, 5, 16",
    "8, 64, 16",
    "65, 33, 16",
    "200, 576, 16",
    "130, 192, 32",
    "70, 17, 64",
    "20, 30, 8",
    "12, 9, 3"
  })
  void matchesTwoPlainProducts(int m, int n, int r) {
    Parallel.setThreads(2);
    float s = 2.5f;
    float[][] expected = run(new ScalarBackend(), m, n, r, s, 7);
    float[][] actual = run(new CpuBackend(), m, n, r, s, 7);
    for (int which = 0; which < 2; which++) {
      for (int i = 0; i < expected[which].length; i++) {
        // sums of up to max(M, N) products of values in [-1, 1]: relative to the sum's size
        float tol = 1e-5f * Math.max(m, n) + 1e-5f * Math.abs(expected[which][i]);
        assertThat(actual[which][i])
            .as("%s[%d]", which == 0 ? "dxs" : "dB", i)
            .isCloseTo(expected[which][i], org.assertj.core.data.Offset.offset(tol));
      }
    }
  }

  @ParameterizedTest(name = "M={0} N={1} R={2}")
  @CsvSource({"200, 576, 16", "130, 40, 32"})
  void sameBitsForAnyThreadCount(int m, int n, int r) {
    Tensor probe = Tensor.zeros(1, r);
    assertThat(LowRankBackward.supports(probe, probe, probe, probe, probe))
        .as("the one-pass kernel takes R=%d", r)
        .isTrue();
    Parallel.setThreads(1);
    float[][] one = run(new CpuBackend(), m, n, r, 0.5f, 11);
    Parallel.setThreads(3);
    float[][] three = run(new CpuBackend(), m, n, r, 0.5f, 11);
    assertThat(three[0]).containsExactly(one[0]);
    assertThat(three[1]).containsExactly(one[1]);
  }
}
