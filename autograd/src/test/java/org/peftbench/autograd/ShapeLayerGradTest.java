package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.RopeTable;

class ShapeLayerGradTest {
  private final Fixtures f = new Fixtures(7);

  private void check(Supplier<Var> op, Var... inputs) {
    Var r = Var.constant(f.rand(op.get().shape()));
    GradCheck.check(() -> Ops.sum(Ops.mul(op.get(), r)), List.of(inputs));
  }

  @Test
  void reshapeConcatSliceSplitTranspose() {
    Parameter a = f.param("a", 2, 3, 4), b = f.param("b", 2, 1, 4), c = f.param("c", 2, 2, 4);
    check(() -> Ops.reshape(a, 6, -1), a);
    check(() -> Ops.concat(1, a, b, c), a, b, c);
    check(() -> Ops.concat(-1, a, a), a);
    check(() -> Ops.slice(a, 1, 1, 3), a);
    check(() -> Ops.slice(a, -1, 0, 2), a);
    Var[] parts = Ops.split(a, 2, 1, 3);
    assertThat(parts[1].shape()).containsExactly(2, 3, 3);
    check(
        () ->
            Ops.add(
                Ops.split(a, 2, 1, 3)[1],
                Ops.reshape(Ops.slice(Ops.split(a, 2, 1, 3)[1], 0, 0, 1), 3, 3)),
        a);
    check(() -> Ops.transpose(a, 0, 2), a);
    Var t = Ops.transpose(a, 0, 2);
    assertThat(t.shape()).containsExactly(4, 3, 2);
    // t[k,j,i] = a[i,j,k]
    assertThat(t.value().get((3 * 3 + 1) * 2 + 1)).isEqualTo(a.value().get((1 * 3 + 1) * 4 + 3));
  }

  @Test
  void embeddingWithRepeatedIdsAndFrozenTable() {
    Parameter table = f.param("table", 6, 3);
    int[] ids = {1, 4, 1, 0};
    check(() -> Ops.embedding(table, ids), table);
    Parameter frozen = new Parameter("frozen", f.rand(6, 3), false);
    Var y = Ops.embedding(frozen, ids);
    assertThat(y.requiresGrad()).isFalse();
    assertThat(y.value().get(3 * 2 + 1)).isEqualTo(frozen.value().get(3 + 1));
  }

  @Test
  void norms() {
    Parameter x = f.param("x", 2, 3, 6), w = f.param("w", 6), b = f.param("b", 6);
    check(() -> Ops.rmsNorm(x, w, 1e-5f), x, w);
    check(() -> Ops.layerNorm(x, w, b, 1e-5f), x, w, b);
    check(() -> Ops.layerNorm(x, w, null, 1e-5f), x, w);
    // LN tuning: the input is constant, only the norm weights train
    Var cx = Var.constant(f.rand(4, 6));
    check(() -> Ops.rmsNorm(cx, w, 1e-6f), w);
    check(() -> Ops.layerNorm(cx, w, b, 1e-6f), w, b);
  }

  @Test
  void rope() {
    RopeTable table = new RopeTable(4, 16, 10000.0, null);
    Parameter x = f.param("x", 2, 3, 2, 4);
    int[] positions = {0, 1, 2, 5, 6, 7};
    check(() -> Ops.rope(x, positions, table), x);
    // position 0 is the identity
    Var y = Ops.rope(x, positions, table);
    assertThat(y.value().get(3)).isEqualTo(x.value().get(3));
  }

  @Test
  void groupedQueryAttentionWithPrefixPaddingAndOffset() {
    int b = 2, t = 3, hq = 4, hkv = 2, d = 4, prefix = 2, past = 1;
    int s = prefix + past + t;
    Parameter q = f.param("q", b, t, hq, d), k = f.param("k", b, s, hkv, d);
    Parameter v = f.param("v", b, s, hkv, d);
    boolean[] padding = new boolean[b * s];
    padding[s + prefix] = true; // batch 1: its first real key is padding
    AttentionMask mask = new AttentionMask(prefix, past, true, padding, -1);
    float scale = (float) (1 / Math.sqrt(d));
    check(() -> Ops.attention(q, k, v, mask, scale), q, k, v);
    check(() -> Ops.attention(q, k, v, AttentionMask.causalSelf(), scale), q, k, v);
    // batch 1's first key is padding, so its first query sees nothing: output and gradient 0
    boolean[] firstKeyPadded = new boolean[b * s];
    firstKeyPadded[s] = true;
    AttentionMask blind = new AttentionMask(0, 0, true, firstKeyPadded, -1);
    check(() -> Ops.attention(q, k, v, blind, scale), q, k, v);
    Var blindOut = Ops.attention(q, k, v, blind, scale);
    for (int i = 0; i < hq * d; i++) {
      assertThat(blindOut.value().get((long) t * hq * d + i)).isZero();
    }
    // prefix keys/values as trainable parameters concatenated in front of frozen projections
    Parameter pk = f.param("pk", b, prefix, hkv, d), pv = f.param("pv", b, prefix, hkv, d);
    Var kk = Var.constant(f.rand(b, t, hkv, d)), vv = Var.constant(f.rand(b, t, hkv, d));
    AttentionMask pm = new AttentionMask(prefix, 0, true, null, -1);
    check(
        () -> Ops.attention(q, Ops.concat(1, pk, kk), Ops.concat(1, pv, vv), pm, scale), q, pk, pv);
  }

  @Test
  void lstmBothDirections() {
    int b = 2, t = 3, in = 3, h = 2;
    Parameter x = f.param("x", b, t, in), wIh = f.param("wIh", 4 * h, in);
    Parameter wHh = f.param("wHh", 4 * h, h),
        bIh = f.param("bIh", 4 * h),
        bHh = f.param("bHh", 4 * h);
    check(() -> Ops.lstm(x, wIh, wHh, bIh, bHh, false), x, wIh, wHh, bIh, bHh);
    check(() -> Ops.lstm(x, wIh, wHh, bIh, bHh, true), x, wIh, wHh, bIh, bHh);
    assertThat(Ops.lstm(x, wIh, wHh, null, null, true).shape()).containsExactly(b, t, h);
  }

  @Test
  void crossEntropyIgnoresRowsAndAveragesTheRest() {
    Parameter logits = f.param("logits", 5, 7);
    int[] targets = {3, -100, 0, 6, -100};
    GradCheck.check(() -> Ops.crossEntropy(logits, targets, -100), List.of(logits));
    // value = mean over the 3 counted rows of logsumexp − logit[target]
    double expect = 0;
    for (int r : new int[] {0, 2, 3}) {
      double m = Double.NEGATIVE_INFINITY, s = 0;
      for (int j = 0; j < 7; j++) {
        m = Math.max(m, logits.value().get(r * 7 + j));
      }
      for (int j = 0; j < 7; j++) {
        s += Math.exp(logits.value().get(r * 7 + j) - m);
      }
      expect += m + Math.log(s) - logits.value().get(r * 7 + targets[r]);
    }
    assertThat((double) Ops.crossEntropy(logits, targets, -100).item())
        .isCloseTo(expect / 3, org.assertj.core.data.Offset.offset(1e-5));
    Var none = Ops.crossEntropy(logits, new int[] {-100, -100, -100, -100, -100}, -100);
    assertThat(none.item()).isZero();
    none.backward();
    assertThat(logits.grad()).isNull();
  }

  @Test
  void sumAndMean() {
    Parameter x = f.param("x", 3, 4);
    GradCheck.check(() -> Ops.sum(x), List.of(x));
    GradCheck.check(() -> Ops.mean(Ops.mul(x, x)), List.of(x));
    Tensor v = x.value();
    double s = 0;
    for (int i = 0; i < 12; i++) {
      s += v.get(i);
    }
    assertThat((double) Ops.mean(x).item())
        .isCloseTo(s / 12, org.assertj.core.data.Offset.offset(1e-6));
  }
}
