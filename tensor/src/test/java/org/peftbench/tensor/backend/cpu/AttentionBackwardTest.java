package org.peftbench.tensor.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.testing.Closeness;
import org.peftbench.tensor.testing.TestTensors;

/**
 * The CPU attention kernels agree with each other on shapes the scalar comparison in {@code
 * CpuBackendContractTest} keeps small: {@link BlockedAttention} (many queries: several query
 * blocks, grouped heads, D = 64) against {@link CpuAttention#flash}/{@link CpuAttention#direct}
 * forward and {@link CpuAttention#recomputing} backward, on causal, padded and prefix + cache
 * masks.
 */
class AttentionBackwardTest {
  private static void compare(int b, int t, int hq, int hkv, int d, int s, AttentionMask mask) {
    Random rnd = new Random(b * 1000 + t * 10 + s);
    Tensor q = TestTensors.rand(rnd, b, t, hq, d), k = TestTensors.rand(rnd, b, s, hkv, d);
    Tensor v = TestTensors.rand(rnd, b, s, hkv, d), dOut = TestTensors.rand(rnd, b, t, hq, d);
    float scale = (float) (1 / Math.sqrt(d));
    assertThat(BlockedAttention.fitsBackward(q, k, mask)).isTrue();

    Tensor out = Tensor.zeros(b, t, hq, d), lse = Tensor.zeros(b, hq, t);
    BlockedAttention.forward(q, k, v, mask, scale, out, lse);
    Tensor outRef = Tensor.zeros(b, t, hq, d), lseRef = Tensor.zeros(b, hq, t);
    CpuAttention.direct(q, k, v, mask, scale, outRef, lseRef);
    close(out, outRef, "out");
    close(lse, lseRef, "lse");

    Tensor[] blocked = {
      Tensor.zeros(b, t, hq, d), Tensor.zeros(b, s, hkv, d), Tensor.zeros(b, s, hkv, d)
    };
    Tensor[] recomputed = {
      Tensor.zeros(b, t, hq, d), Tensor.zeros(b, s, hkv, d), Tensor.zeros(b, s, hkv, d)
    };
    BlockedAttention.backward(
        q, k, v, mask, scale, out, lse, dOut, blocked[0], blocked[1], blocked[2]);
    CpuAttention.recomputing(
        q, k, v, mask, scale, out, lse, dOut, recomputed[0], recomputed[1], recomputed[2]);
    for (int i = 0; i < 3; i++) {
      close(blocked[i], recomputed[i], "gradient " + i);
    }
  }

  private static void close(Tensor x, Tensor y, String what) {
    Closeness.assertAbsClose(x, y, 2e-5f, what);
  }

  @Test
  void causalSelfAttentionWithGroupedHeadsOverSeveralQueryBlocks() {
    compare(2, 150, 6, 2, 64, 150, AttentionMask.causalSelf());
  }

  @Test
  void paddedKeysIncludingAQueryThatSeesNothing() {
    boolean[] pad = new boolean[2 * 20];
    pad[0] = pad[19] = pad[20] = pad[33] = true;
    compare(2, 20, 4, 1, 8, 20, new AttentionMask(0, 0, true, pad, -1));
  }

  @Test
  void prefixAndCache() {
    compare(2, 17, 4, 2, 16, 40, new AttentionMask(3, 6, true, null, 37));
  }

  @Test
  void headDimOnePanelWideWithPaddingAndPrefix() {
    // D = 64 reads V, K, dO and Q in place (the other tests' D pack them); prefix keys, a cache
    // offset and padding move the causal triangle off the 4-row slivers and 64-key steps
    boolean[] pad = new boolean[2 * 140];
    pad[1] = pad[70] = pad[139] = pad[140] = pad[141] = pad[200] = true;
    compare(2, 131, 4, 2, 64, 140, new AttentionMask(5, 3, true, pad, 139));
  }

  @Test
  void headDimOfTwoPanels() {
    compare(1, 70, 2, 1, 128, 70, AttentionMask.causalSelf());
  }

  @Test
  void groupedBackwardAddsItsQueryHeadsInPlace() {
    // B·Hkv ≥ GROUPED_MIN_TASKS: one backward task per kv head, dK and dV summed in place
    assertThat(4 * 2).isGreaterThanOrEqualTo(BlockedAttention.GROUPED_MIN_TASKS);
    compare(4, 70, 6, 2, 64, 70, AttentionMask.causalSelf());
    boolean[] pad = new boolean[2 * 45];
    pad[2] = pad[44] = pad[45] = pad[60] = true;
    compare(2, 40, 8, 4, 16, 45, new AttentionMask(2, 1, true, pad, 43));
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void bitIdenticalForOneAndThreeThreads(int b) {
    Random rnd = new Random(7);
    int t = 133, hq = 6, hkv = 2, d = 64;
    Tensor q = TestTensors.rand(rnd, b, t, hq, d), k = TestTensors.rand(rnd, b, t, hkv, d);
    Tensor v = TestTensors.rand(rnd, b, t, hkv, d), dOut = TestTensors.rand(rnd, b, t, hq, d);
    AttentionMask mask = AttentionMask.causalSelf();
    float[][][] runs = new float[2][][];
    try {
      for (int run = 0; run < 2; run++) {
        Parallel.setThreads(run == 0 ? 1 : 3);
        Tensor out = Tensor.zeros(b, t, hq, d), lse = Tensor.zeros(b, hq, t);
        Tensor dq = Tensor.zeros(b, t, hq, d), dk = Tensor.zeros(b, t, hkv, d);
        Tensor dv = Tensor.zeros(b, t, hkv, d);
        BlockedAttention.forward(q, k, v, mask, 0.125f, out, lse);
        BlockedAttention.backward(q, k, v, mask, 0.125f, out, lse, dOut, dq, dk, dv);
        runs[run] =
            new float[][] {
              out.toFloatArray(),
              lse.toFloatArray(),
              dq.toFloatArray(),
              dk.toFloatArray(),
              dv.toFloatArray()
            };
      }
    } finally {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }
    for (int o = 0; o < runs[0].length; o++) {
      assertThat(runs[1][o]).as("output %d with 3 threads", o).isEqualTo(runs[0][o]);
    }
  }

  @Test
  void bidirectional() {
    compare(1, 70, 2, 1, 24, 90, new AttentionMask(0, 0, false, null, -1));
  }
}
