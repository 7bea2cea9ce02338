package org.peftbench.tensor.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.testing.TestTensors;
import org.peftbench.tensor.testing.TestTensors.Store;

/**
 * The decode-step kernels against plain double-precision loops: {@link DecodeKernels#matVec} for
 * every weight storage (the four read paths), odd widths and tails, any split of the rows giving
 * the same bits; attention over a cache with padding and a window; RMSNorm, RoPE and SwiGLU.
 */
class DecodeKernelsTest {
  private static final Store[] STORES = {
    Store.HEAP_F32, Store.SEGMENT_F32, Store.BF16_NATIVE, Store.BF16_HEAP_BYTES, Store.F16_NATIVE
  };

  // y[b, j] = Σ_k x[b,k]·W[j,k] in double, over the weight's stored (rounded) values
  private static double[] reference(float[] x, Tensor w, int batch) {
    int n = w.dim(0), k = w.dim(1);
    double[] y = new double[batch * n];
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int t = 0; t < k; t++) {
          s += (double) x[b * k + t] * w.get((long) j * k + t);
        }
        y[b * n + j] = s;
      }
    }
    return y;
  }

  private static float[] run(Tensor w, float[] x, int batch, int[] cuts) {
    int n = w.dim(0), k = w.dim(1);
    DecodeKernels.WeightPath path = DecodeKernels.pathOf(w);
    float[] even = new float[batch * k / 2 + 1], odd = new float[batch * k / 2 + 1];
    if (path == DecodeKernels.WeightPath.SEGMENT_BF16) {
      DecodeKernels.splitEvenOdd(x, batch, k, even, odd);
    }
    float[] y = new float[batch * n];
    Arrays.fill(y, Float.NaN);
    float[] scratch = new float[k];
    for (int c = 0; c + 1 < cuts.length; c++) {
      DecodeKernels.matVec(w, path, x, even, odd, batch, y, cuts[c], cuts[c + 1], scratch);
    }
    return y;
  }

  @Test
  void matVecMatchesTheReferenceOnEveryStorage() {
    Random rnd = new Random(7);
    for (Store store : STORES) {
      for (int k : new int[] {2, 6, 16, 30, 64, 66, 578}) {
        for (int n : new int[] {1, 5, 33}) {
          for (int batch : new int[] {1, 3}) {
            Tensor w = TestTensors.weight(TestTensors.uniform(rnd, n * k, -1, 1), store, n, k);
            float[] x = TestTensors.uniform(rnd, batch * k, -1, 1);
            float[] got = run(w, x, batch, new int[] {0, n});
            double[] want = reference(x, w, batch);
            for (int i = 0; i < got.length; i++) {
              double tol = 1e-6 * Math.sqrt(k) * 8 + 1e-6;
              if (!(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])))) {
                fail("%s k=%d n=%d B=%d [%d]: %s vs %s", store, k, n, batch, i, got[i], want[i]);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void theStorageDecidesThePath() {
    Random rnd = new Random(1);
    float[] v = TestTensors.uniform(rnd, 8, -1, 1);
    assertThat(DecodeKernels.pathOf(TestTensors.weight(v, Store.HEAP_F32, 2, 4)))
        .isEqualTo(DecodeKernels.WeightPath.HEAP_F32);
    assertThat(DecodeKernels.pathOf(TestTensors.weight(v, Store.SEGMENT_F32, 2, 4)))
        .isEqualTo(DecodeKernels.WeightPath.SEGMENT_F32);
    assertThat(DecodeKernels.pathOf(TestTensors.weight(v, Store.BF16_NATIVE, 2, 4)))
        .isEqualTo(DecodeKernels.WeightPath.SEGMENT_BF16);
    // a short[]-backed segment cannot be read by vector loads, F16 has no direct path
    assertThat(DecodeKernels.pathOf(TestTensors.weight(v, Store.BF16_HEAP_SEGMENT, 2, 4)))
        .isEqualTo(DecodeKernels.WeightPath.WIDENED);
    assertThat(DecodeKernels.pathOf(TestTensors.weight(v, Store.F16_NATIVE, 2, 4)))
        .isEqualTo(DecodeKernels.WeightPath.WIDENED);
  }

  @Test
  void anySplitOfTheRowsGivesTheSameBits() {
    Random rnd = new Random(3);
    int n = 97, k = 578;
    for (Store store : STORES) {
      Tensor w = TestTensors.weight(TestTensors.uniform(rnd, n * k, -1, 1), store, n, k);
      float[] x = TestTensors.uniform(rnd, 2 * k, -1, 1);
      float[] whole = run(w, x, 2, new int[] {0, n});
      assertThat(run(w, x, 2, new int[] {0, 1, 2, 3, 50, 96, n}))
          .as("%s", store)
          .containsExactly(whole);
      assertThat(run(w, x, 2, new int[] {0, 48, n})).as("%s", store).containsExactly(whole);
    }
  }

  @Test
  void attentionOverACacheSkipsPaddingAndHonoursTheRange() {
    Random rnd = new Random(11);
    int d = 24, kvHeads = 2, slots = 19, stride = kvHeads * d;
    float[] keys = TestTensors.uniform(rnd, slots * stride, -1, 1);
    float[] values = TestTensors.uniform(rnd, slots * stride, -1, 1);
    float[] q = TestTensors.uniform(rnd, d, -1, 1);
    boolean[] pad = new boolean[3 + slots];
    pad[3 + 2] = pad[3 + 7] = true; // row offset 3 in the flags
    float scale = 0.3f;
    int head = 1, from = 1, to = 17;
    float[] got = new float[d + 5];
    float[] scores = new float[32];
    assertThat(
            DecodeKernels.attendOne(
                q, 0, keys, values, head * d, stride, d, pad, 3, from, to, scale, scores, got, 5))
        .isTrue();
    double[] p = new double[slots];
    double max = Double.NEGATIVE_INFINITY, sum = 0;
    for (int s = from; s < to; s++) {
      if (pad[3 + s]) {
        continue;
      }
      double dot = 0;
      for (int i = 0; i < d; i++) {
        dot += (double) q[i] * keys[s * stride + head * d + i];
      }
      p[s] = scale * dot;
      max = Math.max(max, p[s]);
    }
    for (int s = from; s < to; s++) {
      p[s] = pad[3 + s] ? 0 : Math.exp(p[s] - max);
      sum += p[s];
    }
    for (int i = 0; i < d; i++) {
      double want = 0;
      for (int s = from; s < to; s++) {
        want += p[s] / sum * values[s * stride + head * d + i];
      }
      assertThat((double) got[5 + i]).as("out[%d]", i).isCloseTo(want, within(2e-6));
    }
    // every key padding: nothing to attend, a zero output
    Arrays.fill(pad, true);
    assertThat(
            DecodeKernels.attendOne(
                q, 0, keys, values, 0, stride, d, pad, 3, 0, slots, scale, scores, got, 5))
        .isFalse();
    for (int i = 0; i < d; i++) {
      assertThat(got[5 + i]).isZero();
    }
  }

  private static org.assertj.core.data.Offset<Double> within(double tol) {
    return org.assertj.core.data.Offset.offset(tol);
  }

  @Test
  void rowOpsMatchPlainLoops() {
    Random rnd = new Random(5);
    for (int n : new int[] {3, 8, 29, 576}) {
      float[] x = TestTensors.uniform(rnd, n, -2, 2), w = TestTensors.uniform(rnd, n, -1, 1);
      float[] out = new float[n];
      DecodeKernels.rmsNorm(x, 0, w, 1e-5f, out, 0, n);
      double ss = 0;
      for (float v : x) {
        ss += (double) v * v;
      }
      double rs = 1 / Math.sqrt(ss / n + 1e-5);
      for (int i = 0; i < n; i++) {
        assertThat((double) out[i]).isCloseTo(x[i] * rs * w[i], within(1e-5));
      }
      float[] g = TestTensors.uniform(rnd, n + 4, -6, 6),
          u = TestTensors.uniform(rnd, n + 4, -2, 2);
      float[] m = new float[n + 4];
      DecodeKernels.swiglu(g, u, m, 2, n + 2);
      assertThat(m[0]).isZero();
      assertThat(m[n + 2]).isZero();
      for (int i = 2; i < n + 2; i++) {
        double silu = g[i] / (1 + Math.exp(-g[i]));
        assertThat((double) m[i])
            .isCloseTo(silu * u[i], within(1e-5 * (1 + Math.abs(silu * u[i]))));
      }
    }
    // RoPE of one head equals the backend's rope of a [1, 1, D] tensor
    int d = 40;
    RopeTable table = new RopeTable(d, 64, 10000.0, null);
    float[] head = TestTensors.uniform(rnd, d + 3, -1, 1);
    Tensor t = Tensor.of(Arrays.copyOfRange(head, 3, 3 + d), 1, 1, d);
    RopeEmbedding.rope(t, new int[] {37}, table, false);
    DecodeKernels.rope(head, 3, d, table.cosTable(), table.sinTable(), 37);
    assertThat(Arrays.copyOfRange(head, 3, 3 + d)).containsExactly(t.toFloatArray());
  }
}
