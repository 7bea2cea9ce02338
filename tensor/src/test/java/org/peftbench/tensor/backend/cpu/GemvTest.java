package org.peftbench.tensor.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.ScalarBackend;
import org.peftbench.tensor.testing.TestTensors;
import org.peftbench.tensor.testing.TestTensors.Store;

/**
 * The matrix-vector path of {@link CpuBackend#matmul} ({@link Gemv}: a few rows times a weight
 * {@code [N,K]ᵀ}) against {@link ScalarBackend}, for every weight storage it reads directly, sizes
 * around the vector width and the 4-row blocks, with and without accumulation; and bit-identical
 * for 1 and 3 threads.
 */
class GemvTest {
  private static final int[] MS = {1, 2, 5, 8};
  private static final int[] NS = {1, 3, 4, 67, 130};
  private static final int[] KS = {2, 16, 30, 64, 578};

  @AfterAll
  static void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  private static float[] run(Backend be, int m, int n, int k, Store store, boolean acc) {
    Random rnd = new Random(m * 1_000_003L + n * 1009L + k);
    Tensor a = TestTensors.rand(rnd, m, k);
    Tensor w = TestTensors.weight(TestTensors.uniform(rnd, n * k, -1, 1), store, n, k);
    Tensor c = TestTensors.rand(rnd, m, n);
    assertThat(Gemv.supports(a, w, m)).as("GEMV path for %s", store).isTrue();
    be.matmul(a, false, w, true, c, acc);
    return c.toFloatArray();
  }

  @Test
  void matchesTheScalarReference() {
    Parallel.setThreads(2);
    for (Store store : new Store[] {Store.HEAP_F32, Store.SEGMENT_F32, Store.BF16_NATIVE}) {
      for (int m : MS) {
        for (int n : NS) {
          for (int k : KS) {
            for (boolean acc : new boolean[] {false, true}) {
              float[] e = run(new ScalarBackend(), m, n, k, store, acc);
              float[] a = run(new CpuBackend(), m, n, k, store, acc);
              double tol = 2e-6 * Math.sqrt(k) + 1e-6;
              for (int i = 0; i < e.length; i++) {
                if (!(Math.abs(a[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i])) * 4)) {
                  fail(
                      "%s m=%d n=%d k=%d acc=%s [%d]: %s vs %s",
                      store, m, n, k, acc, i, a[i], e[i]);
                }
              }
            }
          }
        }
      }
    }
  }

  @Test
  void bitIdenticalForAnyThreadCount() {
    for (Store store : new Store[] {Store.HEAP_F32, Store.SEGMENT_F32, Store.BF16_NATIVE}) {
      Parallel.setThreads(1);
      float[] one = run(new CpuBackend(), 3, 1000, 578, store, true);
      Parallel.setThreads(3);
      float[] three = run(new CpuBackend(), 3, 1000, 578, store, true);
      assertThat(three).as("%s", store).containsExactly(one);
    }
  }

  @Test
  void otherShapesAndStoragesTakeTheGemm() {
    Random rnd = new Random(1);
    Tensor w = TestTensors.weight(TestTensors.uniform(rnd, 30, -1, 1), Store.F16_NATIVE, 3, 10);
    assertThat(Gemv.supports(TestTensors.rand(rnd, 1, 10), w, 1)).isFalse();
    Tensor odd = TestTensors.weight(TestTensors.uniform(rnd, 33, -1, 1), Store.BF16_NATIVE, 3, 11);
    assertThat(Gemv.supports(TestTensors.rand(rnd, 1, 11), odd, 1)).isFalse();
    Tensor f32 = TestTensors.rand(rnd, 3, 10);
    assertThat(Gemv.supports(TestTensors.rand(rnd, 9, 10), f32, 9)).isFalse();
  }
}
