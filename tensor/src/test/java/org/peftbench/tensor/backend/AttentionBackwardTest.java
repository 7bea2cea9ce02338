package org.peftbench.tensor.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.Tensor;

/**
 * The two attention backward kernels agree: {@link AttentionBackwardStored} (used up to {@link
 * AttentionBackwardStored#MAX_STORED}, and checked against the scalar reference by {@code
 * CpuBackendTest}) and {@link CpuAttention#recomputing} (longer sequences), on causal, padded and
 * prefix + cache masks.
 */
class AttentionBackwardTest {
  private static void compare(int b, int t, int hq, int hkv, int d, int s, AttentionMask mask) {
    Random rnd = new Random(b * 1000 + t * 10 + s);
    Tensor q = CpuBackendTest.rand(rnd, b, t, hq, d), k = CpuBackendTest.rand(rnd, b, s, hkv, d);
    Tensor v = CpuBackendTest.rand(rnd, b, s, hkv, d), dOut = CpuBackendTest.rand(rnd, b, t, hq, d);
    Tensor out = Tensor.zeros(b, t, hq, d), lse = Tensor.zeros(b, hq, t);
    float scale = (float) (1 / Math.sqrt(d));
    new CpuBackend().attention(q, k, v, mask, scale, out, lse);
    Tensor[] stored = {
      Tensor.zeros(b, t, hq, d), Tensor.zeros(b, s, hkv, d), Tensor.zeros(b, s, hkv, d)
    };
    Tensor[] recomputed = {
      Tensor.zeros(b, t, hq, d), Tensor.zeros(b, s, hkv, d), Tensor.zeros(b, s, hkv, d)
    };
    assertThat(AttentionBackwardStored.fits(q, k, mask)).isTrue();
    AttentionBackwardStored.backward(
        q, k, v, mask, scale, out, lse, dOut, stored[0], stored[1], stored[2]);
    CpuAttention.recomputing(
        q, k, v, mask, scale, out, lse, dOut, recomputed[0], recomputed[1], recomputed[2]);
    for (int i = 0; i < 3; i++) {
      float[] x = stored[i].toFloatArray(), y = recomputed[i].toFloatArray();
      for (int j = 0; j < x.length; j++) {
        assertThat(x[j]).as("output %d element %d", i, j).isCloseTo(y[j], offset(2e-5f));
      }
    }
  }

  @Test
  void causalSelfAttentionWithGroupedHeads() {
    compare(2, 33, 6, 2, 64, 33, AttentionMask.causalSelf());
  }

  @Test
  void paddedKeys() {
    boolean[] pad = new boolean[2 * 9];
    pad[0] = pad[8] = pad[16] = true;
    compare(2, 9, 4, 1, 8, 9, new AttentionMask(0, 0, true, pad, -1));
  }

  @Test
  void prefixAndCache() {
    compare(2, 3, 4, 2, 16, 12, new AttentionMask(3, 6, true, null, 11));
  }
}
