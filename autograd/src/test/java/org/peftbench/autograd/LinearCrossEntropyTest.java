package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.testing.Closeness;

/** {@link Ops#linearCrossEntropy} against {@code crossEntropy(linear(x, W))}, the unfused ops. */
class LinearCrossEntropyTest {
  private final Fixtures f = new Fixtures(11);

  private static float[] grad(Parameter p) {
    return p.grad().toFloatArray();
  }

  private static void assertClose(float[] actual, float[] expected, float tol) {
    Closeness.assertAbsClose(actual, expected, tol, "gradient");
  }

  // N = 7 rows in chunks of 3 (a short last chunk), V wider than one vocabulary piece of the
  // dX product, some rows ignored
  @Test
  void sameLossAndGradientsAsTheUnfusedOps() {
    int n = 7, c = 6, v = ChunkedLossOps.VOCAB_PIECE + 37;
    Parameter x = f.param("x", n, c);
    Parameter w = f.param("w", v, c);
    int[] targets = {5, -100, v - 1, 0, 8200, -100, 17};
    Var fused = Ops.linearCrossEntropy(x, w, targets, -100, 3);
    fused.backward();
    float[] gx = grad(x), gw = grad(w);
    x.zeroGrad();
    w.zeroGrad();
    Var plain = Ops.crossEntropy(Ops.linear(x, w, null), targets, -100);
    plain.backward();
    assertThat(fused.item()).isCloseTo(plain.item(), offset(1e-5f));
    assertClose(gx, grad(x), 1e-6f);
    assertClose(gw, grad(w), 1e-6f);
  }

  @Test
  void frozenBf16WeightGivesOnlyTheInputGradient() {
    int n = 5, c = 8, v = 40;
    Parameter x = f.param("x", n, c);
    float[] values = f.rand(v, c).toFloatArray();
    MemorySegment seg = MemorySegment.ofArray(new short[v * c]);
    for (int i = 0; i < values.length; i++) {
      seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Half.floatToBf16(values[i]));
    }
    Parameter w = new Parameter("w", Tensor.ofSegment(seg, DType.BF16, v, c), false);
    int[] targets = {1, 2, -100, 39, 0};
    Var fused = Ops.linearCrossEntropy(x, w, targets, -100, 2);
    fused.backward();
    float[] gx = grad(x);
    x.zeroGrad();
    Var plain = Ops.crossEntropy(Ops.linear(x, w, null), targets, -100);
    plain.backward();
    assertThat(fused.item()).isCloseTo(plain.item(), offset(1e-5f));
    assertClose(gx, grad(x), 1e-6f);
    assertThat(w.grad()).isNull();
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Parameter x = f.param("x", 4, 3);
    Parameter w = f.param("w", 9, 3);
    int[] targets = {8, -100, 0, 4};
    GradCheck.check(() -> Ops.linearCrossEntropy(x, w, targets, -100, 3), List.of(x, w));
  }

  @Test
  void allRowsIgnoredIsZeroWithoutGradient() {
    Parameter x = f.param("x", 3, 4);
    Parameter w = f.param("w", 6, 4);
    Var loss = Ops.linearCrossEntropy(x, w, new int[] {-100, -100, -100}, -100, 2);
    assertThat(loss.item()).isZero();
    loss.backward();
    assertThat(x.grad()).isNull();
  }

  @Test
  void rejectsTargetsOutsideTheVocabulary() {
    Parameter x = f.param("x", 2, 4);
    Parameter w = f.param("w", 6, 4);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Ops.linearCrossEntropy(x, w, new int[] {1, 6}, -100, 2))
        .hasMessageContaining("outside the vocabulary");
  }
}
