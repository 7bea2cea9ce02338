package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;

class LinearElementwiseGradTest {
  private final Fixtures f = new Fixtures(42);

  @Test
  void linearWithBias() {
    Parameter x = f.param("x", 2, 3, 4), w = f.param("w", 5, 4), b = f.param("b", 5);
    Var r = Var.constant(f.rand(2, 3, 5));
    Var y = Ops.linear(x, w, b);
    assertThat(y.shape()).containsExactly(2, 3, 5);
    // y[0,0,0] by hand
    float expect = b.value().get(0);
    for (int k = 0; k < 4; k++) {
      expect += x.value().get(k) * w.value().get(k);
    }
    assertThat(y.value().get(0)).isCloseTo(expect, org.assertj.core.data.Offset.offset(1e-5f));
    GradCheck.check(() -> Ops.sum(Ops.mul(Ops.linear(x, w, b), r)), List.of(x, w, b));
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"BF16", "F16", "F32"})
  void linearWithFrozenMappedWeightGivesInputGradientOnly(DType dtype) {
    Tensor wf = f.rand(3, 4);
    MemorySegment seg = Arena.ofAuto().allocate((dtype == DType.F32 ? 4L : 2L) * 12);
    for (int i = 0; i < 12; i++) {
      if (dtype == DType.F32) {
        seg.setAtIndex(
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, wf.get(i));
      } else {
        seg.setAtIndex(
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
            i,
            dtype == DType.BF16 ? Half.floatToBf16(wf.get(i)) : Half.floatToF16(wf.get(i)));
      }
    }
    Parameter w = new Parameter("w", Tensor.ofSegment(seg, dtype, 3, 4), false);
    Parameter x = f.param("x", 2, 4);
    Var r = Var.constant(f.rand(2, 3));
    Var y = Ops.linear(x, w, null);
    Tensor decoded = w.value().toF32();
    for (int n = 0; n < 2; n++) {
      for (int o = 0; o < 3; o++) {
        float e = 0;
        for (int k = 0; k < 4; k++) {
          e += x.value().get(n * 4 + k) * decoded.get(o * 4 + k);
        }
        assertThat(y.value().get(n * 3 + o))
            .isCloseTo(e, org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
    GradCheck.check(() -> Ops.sum(Ops.mul(Ops.linear(x, w, null), r)), List.of(x, w));
    Ops.sum(Ops.mul(Ops.linear(x, w, null), r)).backward();
    assertThat(w.grad()).isNull();
    assertThat(x.grad()).isNotNull();
  }

  @Test
  void matmuls() {
    Parameter a = f.param("a", 3, 4), b = f.param("b", 4, 5), bt = f.param("bt", 5, 4);
    check(() -> Ops.matmul(a, b), a, b);
    check(() -> Ops.matmulTransB(a, bt), a, bt);
    Parameter ga = f.param("ga", 2, 3, 4),
        gb = f.param("gb", 2, 4, 2),
        gbt = f.param("gbt", 2, 2, 4);
    check(() -> Ops.batchedMatmul(ga, gb), ga, gb);
    check(() -> Ops.batchedMatmulTransB(ga, gbt), ga, gbt);
  }

  @Test
  void addSubMulWithBroadcasting() {
    Parameter a = f.param("a", 2, 3, 4), same = f.param("same", 2, 3, 4), row = f.param("row", 4);
    Parameter plane = f.param("plane", 3, 4);
    check(() -> Ops.add(a, same), a, same);
    check(() -> Ops.add(a, row), a, row);
    check(() -> Ops.add(row, a), a, row);
    check(() -> Ops.sub(a, plane), a, plane);
    check(() -> Ops.sub(a, same), a, same);
    check(() -> Ops.mul(a, row), a, row);
    check(() -> Ops.mul(plane, a), a, plane);
    check(() -> Ops.scale(a, -2.5f), a);
    check(() -> Ops.addScalar(a, 0.75f), a);
    assertThatThrownBy(() -> Ops.add(a, f.param("bad", 3)))
        .hasMessageContaining("does not broadcast");
  }

  @Test
  void activations() {
    Parameter x = f.param("x", 3, 5);
    check(() -> Ops.silu(x), x);
    check(() -> Ops.geluTanh(x), x);
    check(() -> Ops.geluErf(x), x);
    check(() -> Ops.tanh(x), x);
    check(() -> Ops.sigmoid(x), x);
    check(() -> Ops.exp(x), x);
    check(() -> Ops.softmax(x), x);
    // ReLU away from its kink
    Parameter away = new Parameter("away", f.uniform(0.1f, 1f, 3, 5), true);
    Parameter neg = new Parameter("neg", f.uniform(-1f, -0.1f, 3, 5), true);
    check(() -> Ops.relu(Ops.concat(0, away, neg)), away, neg);
  }

  @Test
  void dropoutIsSeededInvertedAndDifferentiable() {
    Parameter x = new Parameter("x", f.uniform(0.5f, 1.5f, 40, 50), true);
    Var a = Ops.dropout(x, 0.25f, 7), b = Ops.dropout(x, 0.25f, 7), c = Ops.dropout(x, 0.25f, 8);
    assertThat(a.value().toFloatArray()).containsExactly(b.value().toFloatArray());
    assertThat(a.value().toFloatArray()).isNotEqualTo(c.value().toFloatArray());
    int zeros = 0;
    for (int i = 0; i < 2000; i++) {
      float v = a.value().get(i);
      if (v == 0f) {
        zeros++;
      } else {
        assertThat(v).isEqualTo(x.value().get(i) * (1f / 0.75f));
      }
    }
    assertThat(zeros).isBetween(400, 600);
    assertThat(Ops.dropout(x, 0f, 7)).isSameAs(x);
    try (var s = GradMode.noGrad()) {
      assertThat(Ops.dropout(x, 0.5f, 7)).isSameAs(x);
    }
    Parameter small = f.param("small", 3, 4);
    check(() -> Ops.dropout(small, 0.5f, 3), small);
  }

  private void check(java.util.function.Supplier<Var> op, Var... inputs) {
    Var probe = op.get();
    Var r = Var.constant(f.rand(probe.shape()));
    Function<Var, Var> weigh = y -> Ops.sum(Ops.mul(y, r));
    GradCheck.check(() -> weigh.apply(op.get()), List.of(inputs));
  }
}
