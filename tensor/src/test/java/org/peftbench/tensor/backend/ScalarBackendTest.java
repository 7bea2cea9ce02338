package org.peftbench.tensor.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.testing.Closeness;

/**
 * The reference backend on tiny hand-computed cases, and its backward passes against finite
 * differences.
 */
class ScalarBackendTest {
  private final Backend be = new ScalarBackend();

  private static Tensor t(float[] v, int... shape) {
    return Tensor.of(v, shape);
  }

  private static void assertClose(Tensor actual, float[] expected, double tol) {
    Closeness.assertAbsClose(actual.toFloatArray(), expected, tol, "output");
  }

  // ---------------------------------------------------------------- GEMM

  private static final float[] A = {1, 2, 3, 4}; // [2,2]
  private static final float[] AT = {1, 3, 2, 4}; // Aᵀ stored
  private static final float[] B = {5, 6, 7, 8, 9, 10}; // [2,3]
  private static final float[] BT = {5, 8, 6, 9, 7, 10}; // Bᵀ stored [3,2]
  private static final float[] AB = {21, 24, 27, 47, 54, 61};

  @Test
  void matmulAllTransposes() {
    for (int variant = 0; variant < 4; variant++) {
      boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
      Tensor c = Tensor.zeros(2, 3);
      be.matmul(t(ta ? AT : A, 2, 2), ta, tb ? t(BT, 3, 2) : t(B, 2, 3), tb, c, false);
      assertClose(c, AB, 0);
    }
  }

  @Test
  void matmulAccumulatesAndOverwrites() {
    Tensor c = Tensor.of(new float[] {1, 1, 1, 1, 1, 1}, 2, 3);
    be.matmul(t(A, 2, 2), false, t(B, 2, 3), false, c, true);
    assertClose(c, new float[] {22, 25, 28, 48, 55, 62}, 0);
    be.matmul(t(A, 2, 2), false, t(B, 2, 3), false, c, false);
    assertClose(c, AB, 0);
  }

  @Test
  void matmulDecodesBf16Weights() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment seg = arena.allocate(2L * BT.length);
      for (int i = 0; i < BT.length; i++) {
        seg.setAtIndex(
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
            i,
            Half.floatToBf16(BT[i]));
      }
      Tensor c = Tensor.zeros(2, 3);
      be.matmul(t(A, 2, 2), false, Tensor.ofSegment(seg, DType.BF16, 3, 2), true, c, false);
      assertClose(c, AB, 0);
    }
  }

  @Test
  void matmulRejectsMismatchedShapes() {
    assertThatThrownBy(
            () -> be.matmul(t(A, 2, 2), false, t(B, 3, 2), false, Tensor.zeros(2, 2), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("do not agree");
  }

  @Test
  void batchedMatmulPerBatch() {
    float[] a2 = new float[8], b2 = new float[12];
    System.arraycopy(A, 0, a2, 0, 4);
    System.arraycopy(A, 0, a2, 4, 4);
    System.arraycopy(B, 0, b2, 0, 6);
    for (int i = 0; i < 6; i++) {
      b2[6 + i] = 2 * B[i];
    }
    Tensor c = Tensor.zeros(2, 2, 3);
    be.batchedMatmul(t(a2, 2, 2, 2), false, t(b2, 2, 2, 3), false, c, false);
    float[] expected = new float[12];
    for (int i = 0; i < 6; i++) {
      expected[i] = AB[i];
      expected[6 + i] = 2 * AB[i];
    }
    assertClose(c, expected, 0);
  }

  // ---------------------------------------------------------------- elementwise / reductions

  @Test
  void broadcastAddMulScaleAxpy() {
    Tensor a = t(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor out = Tensor.zeros(2, 3);
    be.add(a, t(new float[] {10, 20, 30}, 3), out);
    assertClose(out, new float[] {11, 22, 33, 14, 25, 36}, 0);
    be.mul(a, t(new float[] {1, 0, -1}, 3), out);
    assertClose(out, new float[] {1, 0, -3, 4, 0, -6}, 0);
    be.scale(a, 0.5f, out);
    assertClose(out, new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3}, 0);
    be.axpy(2f, a, out);
    assertClose(out, new float[] {2.5f, 5, 7.5f, 10, 12.5f, 15}, 0);
    assertThatThrownBy(() -> be.add(a, Tensor.zeros(2), Tensor.zeros(2, 3)))
        .hasMessageContaining("does not broadcast");
  }

  @Test
  void reductions() {
    Tensor x = t(new float[] {1, -2, 3, -4, 5, 6}, 2, 3);
    assertThat(be.sum(x)).isEqualTo(9.0);
    assertThat(be.max(x)).isEqualTo(6f);
    assertThat(be.sumOfSquares(x)).isEqualTo(91.0);
    assertThat(be.max(t(new float[] {1, Float.NaN, 3}, 3))).isNaN();
    Tensor col = Tensor.of(new float[] {100, 100, 100}, 3);
    be.sumLeading(x, col, true);
    assertClose(col, new float[] {97, 103, 109}, 0);
    be.sumLeading(x, col, false);
    assertClose(col, new float[] {-3, 3, 9}, 0);
  }

  @Test
  void unaryValues() {
    Tensor x = t(new float[] {-1f, 0f, 2f}, 3);
    Tensor out = Tensor.zeros(3);
    be.unary(UnaryOp.RELU, x, out);
    assertClose(out, new float[] {0, 0, 2}, 0);
    be.unary(UnaryOp.SIGMOID, x, out);
    assertClose(out, new float[] {0.26894142f, 0.5f, 0.88079708f}, 1e-7);
    be.unary(UnaryOp.SILU, x, out);
    assertClose(out, new float[] {-0.26894142f, 0f, 1.76159416f}, 1e-6);
    // torch.nn.functional.gelu(x) and gelu(x, approximate="tanh")
    be.unary(UnaryOp.GELU_ERF, x, out);
    assertClose(out, new float[] {-0.15865525f, 0f, 1.95449974f}, 1e-6);
    be.unary(UnaryOp.GELU_TANH, x, out);
    assertClose(out, new float[] {-0.15880801f, 0f, 1.95459769f}, 1e-6);
    be.unary(UnaryOp.TANH, x, out);
    assertClose(out, new float[] {-0.76159416f, 0f, 0.96402758f}, 1e-7);
    be.unary(UnaryOp.EXP, x, out);
    assertClose(out, new float[] {0.36787944f, 1f, 7.3890561f}, 1e-6);
  }

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void unaryBackwardMatchesFiniteDifferences(UnaryOp op) {
    float[] xs = {-2.3f, -0.7f, -0.1f, 0.15f, 0.9f, 1.7f};
    Tensor x = t(xs.clone(), xs.length);
    Tensor dy = t(new float[] {1, -2, 0.5f, 3, -1, 2}, xs.length);
    Tensor dx = Tensor.of(new float[] {1, 1, 1, 1, 1, 1}, xs.length);
    be.unaryBackward(op, x, dy, dx, true);
    for (int i = 0; i < xs.length; i++) {
      double h = 1e-3;
      double num = (op.apply((float) (xs[i] + h)) - op.apply((float) (xs[i] - h))) / (2 * h);
      assertThat((double) dx.get(i)).isCloseTo(1 + num * dy.get(i), within(5e-3));
    }
  }

  // ---------------------------------------------------------------- softmax

  @Test
  void softmaxAndLogSoftmax() {
    Tensor x = t(new float[] {1, 2, 3, 1000, 1000, 1000}, 2, 3);
    Tensor out = Tensor.zeros(2, 3);
    be.softmax(x, out);
    float third = 1f / 3;
    assertClose(
        out, new float[] {0.09003057f, 0.24472847f, 0.66524096f, third, third, third}, 1e-7);
    be.logSoftmax(x, out);
    float l3 = (float) -Math.log(3);
    assertClose(out, new float[] {-2.40760596f, -1.40760596f, -0.40760596f, l3, l3, l3}, 1e-6);
  }

  @Test
  void softmaxBackwardMatchesFiniteDifferences() {
    float[] xs = {0.3f, -1.2f, 2.0f, 0.5f};
    float[] g = {1f, -0.5f, 0.25f, 2f};
    Tensor y = Tensor.zeros(4);
    be.softmax(t(xs, 4), y);
    Tensor dx = Tensor.zeros(4);
    be.softmaxBackward(y, t(g, 4), dx, false);
    float[] fd =
        finiteDifferences(
            xs,
            () -> {
              Tensor o = Tensor.zeros(4);
              be.softmax(t(xs, 4), o);
              return dot(o, g);
            });
    assertClose(dx, fd, 2e-3);
  }

  // ---------------------------------------------------------------- normalisation

  @Test
  void rmsNormValues() {
    Tensor x = t(new float[] {1, 2, 3, 4}, 1, 4);
    Tensor out = Tensor.zeros(1, 4), rstd = Tensor.zeros(1);
    be.rmsNorm(x, t(new float[] {1, 1, 2, 0.5f}, 4), 0f, out, rstd);
    float rs = (float) (1 / Math.sqrt(7.5));
    assertThat(rstd.get(0)).isCloseTo(rs, within(1e-7f));
    assertClose(out, new float[] {rs, 2 * rs, 6 * rs, 2 * rs}, 1e-6);
  }

  @Test
  void layerNormValues() {
    Tensor x = t(new float[] {1, 2, 3, 4}, 1, 4);
    Tensor out = Tensor.zeros(1, 4), mean = Tensor.zeros(1), rstd = Tensor.zeros(1);
    be.layerNorm(
        x, t(new float[] {1, 1, 2, 0.5f}, 4), t(new float[] {0, 1, 0, 0}, 4), 0f, out, mean, rstd);
    float rs = (float) (1 / Math.sqrt(1.25));
    assertThat(mean.get(0)).isEqualTo(2.5f);
    assertThat(rstd.get(0)).isCloseTo(rs, within(1e-6f));
    assertClose(out, new float[] {-1.5f * rs, -0.5f * rs + 1, rs, 0.75f * rs}, 1e-6);
  }

  @Test
  void rmsNormBackwardMatchesFiniteDifferences() {
    float[] xs = {0.3f, -1.2f, 2.0f, 0.5f, 1.1f, -0.4f};
    float[] ws = {1.5f, -0.5f, 0.8f};
    float[] g = {1f, -0.5f, 0.25f, 2f, 0.3f, -1f};
    Supplier<Double> loss =
        () -> {
          Tensor o = Tensor.zeros(2, 3);
          be.rmsNorm(t(xs, 2, 3), t(ws, 3), 1e-5f, o, null);
          return dot(o, g);
        };
    Tensor rstd = Tensor.zeros(2), dx = Tensor.zeros(2, 3), dw = Tensor.zeros(3);
    be.rmsNorm(t(xs, 2, 3), t(ws, 3), 1e-5f, Tensor.zeros(2, 3), rstd);
    be.rmsNormBackward(t(xs, 2, 3), t(ws, 3), rstd, t(g, 2, 3), dx, false, dw);
    assertClose(dx, finiteDifferences(xs, loss), 3e-3);
    assertClose(dw, finiteDifferences(ws, loss), 3e-3);
  }

  @Test
  void layerNormBackwardMatchesFiniteDifferences() {
    float[] xs = {0.3f, -1.2f, 2.0f, 0.5f, 1.1f, -0.4f};
    float[] ws = {1.5f, -0.5f, 0.8f};
    float[] bs = {0.1f, 0.2f, -0.3f};
    float[] g = {1f, -0.5f, 0.25f, 2f, 0.3f, -1f};
    Supplier<Double> loss =
        () -> {
          Tensor o = Tensor.zeros(2, 3);
          be.layerNorm(t(xs, 2, 3), t(ws, 3), t(bs, 3), 1e-5f, o, null, null);
          return dot(o, g);
        };
    Tensor mean = Tensor.zeros(2), rstd = Tensor.zeros(2);
    be.layerNorm(t(xs, 2, 3), t(ws, 3), t(bs, 3), 1e-5f, Tensor.zeros(2, 3), mean, rstd);
    Tensor dx = Tensor.zeros(2, 3), dw = Tensor.zeros(3), db = Tensor.zeros(3);
    be.layerNormBackward(t(xs, 2, 3), t(ws, 3), mean, rstd, t(g, 2, 3), dx, false, dw, db);
    assertClose(dx, finiteDifferences(xs, loss), 3e-3);
    assertClose(dw, finiteDifferences(ws, loss), 3e-3);
    assertClose(db, finiteDifferences(bs, loss), 3e-3);
  }

  // ---------------------------------------------------------------- positions

  @Test
  void ropeRotatesHalvesAndInverts() {
    RopeTable table = new RopeTable(4, 8, 10000.0, null);
    float[] orig = {1, 2, 3, 4, -1, 0.5f, 2, -3};
    Tensor x = t(orig.clone(), 1, 2, 4); // one row, two heads
    be.rope(x, new int[] {1}, table, false);
    double c1 = Math.cos(1), s1 = Math.sin(1), c2 = Math.cos(0.01), s2 = Math.sin(0.01);
    assertClose(
        x.slice0(0, 1).reshape(8).slice0(0, 4),
        new float[] {
          (float) (1 * c1 - 3 * s1),
          (float) (2 * c2 - 4 * s2),
          (float) (3 * c1 + 1 * s1),
          (float) (4 * c2 + 2 * s2)
        },
        1e-6);
    be.rope(x, new int[] {1}, table, true);
    assertClose(x, orig, 1e-6);
    // position 0 is the identity
    Tensor y = t(orig.clone(), 2, 1, 4);
    be.rope(y, new int[] {0, 0}, table, false);
    assertClose(y, orig, 0);
  }

  @Test
  void ropeLlama3ScalingSlowsLowFrequencies() {
    // inv_freq = [1, 0.01]: wavelengths 6.3 (< high 25: kept) and 628 (> low 100: divided by 8)
    RopeTable table = new RopeTable(4, 4, 10000.0, new RopeTable.Llama3Scaling(8, 1, 4, 100));
    assertThat((double) table.cos(1, 0)).isCloseTo(Math.cos(1), within(1e-7));
    assertThat((double) table.sin(3, 1)).isCloseTo(Math.sin(3 * 0.01 / 8), within(1e-7));
  }

  @Test
  void embeddingGatherAndScatter() {
    Tensor table = t(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
    Tensor out = Tensor.zeros(3, 2);
    be.embedding(table, new int[] {2, 0, 2}, out);
    assertClose(out, new float[] {5, 6, 1, 2, 5, 6}, 0);
    Tensor dTable = Tensor.zeros(3, 2);
    be.embeddingBackward(new int[] {2, 0, 2}, t(new float[] {1, 1, 2, 2, 3, 3}, 3, 2), dTable);
    assertClose(dTable, new float[] {2, 2, 0, 0, 4, 4}, 0);
    assertThatThrownBy(() -> be.embedding(table, new int[] {3}, Tensor.zeros(1, 2)))
        .hasMessageContaining("outside vocabulary");
  }

  // ---------------------------------------------------------------- loss

  @Test
  void crossEntropyWithIgnoreIndex() {
    Tensor logits = t(new float[] {1, 2, 3, 0, 0, 0, 5, 5, 5}, 3, 3);
    Tensor d = Tensor.of(new float[] {9, 9, 9, 9, 9, 9, 9, 9, 9}, 3, 3);
    double loss = be.crossEntropy(logits, new int[] {2, -100, 0}, -100, d, 0.5f);
    assertThat(loss).isCloseTo(0.40760596 + Math.log(3), within(1e-6));
    float third = 1f / 3;
    assertClose(
        d,
        new float[] {
          0.5f * 0.09003057f,
          0.5f * 0.24472847f,
          0.5f * (0.66524096f - 1),
          0,
          0,
          0,
          0.5f * (third - 1),
          0.5f * third,
          0.5f * third
        },
        1e-6);
    assertThatThrownBy(() -> be.crossEntropy(logits, new int[] {0, 3, 0}, -100, null, 1f))
        .hasMessageContaining("outside vocabulary");
  }

  // ---------------------------------------------------------------- attention

  @Test
  void causalGqaAttentionByHand() {
    // B=1, T=2, Hq=2, Hkv=1, D=2; keys k0=[1,0], k1=[0,1]; values v0=[1,2], v1=[3,4]
    float ln3 = (float) Math.log(3);
    Tensor q = t(new float[] {2, 5, 7, -1, 0, ln3, 0, 0}, 1, 2, 2, 2);
    Tensor k = t(new float[] {1, 0, 0, 1}, 1, 2, 1, 2);
    Tensor v = t(new float[] {1, 2, 3, 4}, 1, 2, 1, 2);
    Tensor out = Tensor.zeros(1, 2, 2, 2), lse = Tensor.zeros(1, 2, 2);
    be.attention(q, k, v, AttentionMask.causalSelf(), 1f, out, lse);
    // t=0 sees only key 0; t=1 head 0: weights [1/4, 3/4]; head 1: [1/2, 1/2]
    assertClose(out, new float[] {1, 2, 1, 2, 2.5f, 3.5f, 2, 3}, 1e-6);
    assertClose(lse, new float[] {2, (float) Math.log(4), 7, (float) Math.log(2)}, 1e-6);
  }

  @Test
  void prefixKeysQueryOffsetAndPadding() {
    // keys: [prefix p | real 0 | real 1]; one query at real position 0 (queryOffset 0)
    Tensor q = t(new float[] {0, 0}, 1, 1, 1, 2);
    Tensor k = t(new float[] {1, 0, 0, 1, 1, 1}, 1, 3, 1, 2);
    Tensor v = t(new float[] {10, 0, 0, 20, 7, 7}, 1, 3, 1, 2);
    Tensor out = Tensor.zeros(1, 1, 1, 2), lse = Tensor.zeros(1, 1, 1);
    // causal: sees prefix + real 0 → mean of v0, v1
    be.attention(q, k, v, new AttentionMask(1, 0, true, null, -1), 1f, out, lse);
    assertClose(out, new float[] {5, 10}, 1e-6);
    // queryOffset 1: also sees real 1
    be.attention(q, k, v, new AttentionMask(1, 1, true, null, -1), 1f, out, lse);
    assertClose(out, new float[] {17f / 3, 9}, 1e-5);
    // keyLength 2: the third key buffer row is unused
    be.attention(q, k, v, new AttentionMask(1, 1, true, null, 2), 1f, out, lse);
    assertClose(out, new float[] {5, 10}, 1e-6);
    // padding hides the prefix key
    boolean[] pad = {true, false, false};
    be.attention(q, k, v, new AttentionMask(1, 0, true, pad, -1), 1f, out, lse);
    assertClose(out, new float[] {0, 20}, 1e-6);
    // everything padded: zeros and lse −∞
    be.attention(
        q, k, v, new AttentionMask(0, 0, true, new boolean[] {true, true, true}, -1), 1f, out, lse);
    assertClose(out, new float[] {0, 0}, 0);
    assertThat(lse.get(0)).isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void slidingWindowHidesKeysWindowOrMoreSlotsBack() {
    // transformers' sliding_window_overlay: key slot j visible to query slot i iff i − j < window
    AttentionMask m = new AttentionMask(0, 0, true, null, -1, 3);
    assertThat(m.visible(0, 5, 2, 8)).isFalse(); // 5 − 2 = 3
    assertThat(m.visible(0, 5, 3, 8)).isTrue(); // 5 − 3 = 2
    assertThat(m.visible(0, 5, 5, 8)).isTrue();
    assertThat(m.visible(0, 5, 6, 8)).isFalse(); // still causal
    assertThat(m.windowStart(5)).isEqualTo(3);
    assertThat(m.windowCuts(3)).isFalse(); // queries 0..2 see all their keys
    assertThat(m.windowCuts(4)).isTrue();
    // the query's slot counts the prefix and the cache: prefix 2, offset 4, t 1 → slot 7
    AttentionMask c = new AttentionMask(2, 4, true, null, -1, 4);
    assertThat(c.visible(0, 1, 3, 10)).isFalse(); // 7 − 3 = 4
    assertThat(c.visible(0, 1, 4, 10)).isTrue();
    assertThat(c.visible(0, 1, 1, 10)).isFalse(); // prefix keys slide out too
    // one query at slot 2 of keys [1,0],[0,1],[1,1] with window 2: keys 1 and 2 only
    Tensor q = t(new float[] {0, 0}, 1, 1, 1, 2);
    Tensor k = t(new float[] {1, 0, 0, 1, 1, 1}, 1, 3, 1, 2);
    Tensor v = t(new float[] {10, 0, 0, 20, 8, 8}, 1, 3, 1, 2);
    Tensor out = Tensor.zeros(1, 1, 1, 2), lse = Tensor.zeros(1, 1, 1);
    be.attention(q, k, v, new AttentionMask(0, 2, true, null, -1, 2), 1f, out, lse);
    assertClose(out, new float[] {4, 14}, 1e-6);
  }

  @Test
  void attentionBackwardMatchesFiniteDifferences() {
    Random rnd = new Random(3);
    int b = 2, tq = 3, hq = 4, hkv = 2, d = 3, s = 5;
    float[] qs = randoms(rnd, b * tq * hq * d), ks = randoms(rnd, b * s * hkv * d);
    float[] vs = randoms(rnd, b * s * hkv * d), g = randoms(rnd, b * tq * hq * d);
    boolean[] pad = new boolean[b * s];
    pad[s + 4] = true;
    AttentionMask mask = new AttentionMask(1, 1, true, pad, -1);
    float scale = 0.7f;
    Supplier<Double> loss =
        () -> {
          Tensor o = Tensor.zeros(b, tq, hq, d);
          be.attention(
              t(qs, b, tq, hq, d), t(ks, b, s, hkv, d), t(vs, b, s, hkv, d), mask, scale, o, null);
          return dot(o, g);
        };
    Tensor out = Tensor.zeros(b, tq, hq, d), lse = Tensor.zeros(b, hq, tq);
    Tensor q = t(qs, b, tq, hq, d), k = t(ks, b, s, hkv, d), v = t(vs, b, s, hkv, d);
    be.attention(q, k, v, mask, scale, out, lse);
    Tensor dq = Tensor.zeros(b, tq, hq, d), dk = Tensor.zeros(b, s, hkv, d);
    Tensor dv = Tensor.zeros(b, s, hkv, d);
    be.attentionBackward(q, k, v, mask, scale, out, lse, t(g, b, tq, hq, d), dq, dk, dv);
    assertClose(dq, finiteDifferences(qs, loss), 3e-3);
    assertClose(dk, finiteDifferences(ks, loss), 3e-3);
    assertClose(dv, finiteDifferences(vs, loss), 3e-3);
  }

  @Test
  void crossEntropyGradientMatchesFiniteDifferences() {
    Random rnd = new Random(5);
    float[] ls = randoms(rnd, 12);
    int[] targets = {1, -100, 3};
    Supplier<Double> loss = () -> be.crossEntropy(t(ls, 3, 4), targets, -100, null, 1f);
    Tensor d = Tensor.zeros(3, 4);
    be.crossEntropy(t(ls, 3, 4), targets, -100, d, 1f);
    assertClose(d, finiteDifferences(ls, loss), 2e-3);
  }

  // ---------------------------------------------------------------- helpers

  static float[] randoms(Random rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    return a;
  }

  private static double dot(Tensor o, float[] g) {
    double s = 0;
    for (int i = 0; i < g.length; i++) {
      s += (double) o.get(i) * g[i];
    }
    return s;
  }

  /** Central differences of {@code loss} with respect to each element of {@code x} (in place). */
  private static float[] finiteDifferences(float[] x, Supplier<Double> loss) {
    float[] grad = new float[x.length];
    float h = 1e-2f;
    for (int i = 0; i < x.length; i++) {
      float orig = x[i];
      x[i] = orig + h;
      double up = loss.get();
      x[i] = orig - h;
      double down = loss.get();
      x[i] = orig;
      grad[i] = (float) ((up - down) / (2 * h));
    }
    return grad;
  }
}
