package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Ops#loraLinear} against the LoRA layer built from separate ops, and finite differences.
 */
class LoraLinearOpTest {
  private final Fixtures f = new Fixtures(5);

  private static Var unfused(Var x, Var w, Var bias, Var a, Var b, float s) {
    return Ops.add(
        Ops.linear(x, w, bias), Ops.scale(Ops.linear(Ops.linear(x, a, null), b, null), s));
  }

  @Test
  void sameValueAndGradientsAsSeparateOps() {
    Parameter x = f.param("x", 2, 5, 7);
    Parameter w = f.param("w", 9, 7);
    Parameter bias = f.param("bias", 9);
    Parameter a = f.param("a", 3, 7);
    Parameter b = f.param("b", 9, 3);
    List<Parameter> all = List.of(x, w, bias, a, b);
    Var fused = Ops.loraLinear(x, w, bias, a, b, 0.75f);
    assertThat(fused.shape()).containsExactly(2, 5, 9);
    Var weights = Var.constant(f.rand(2, 5, 9));
    Ops.sum(Ops.mul(fused, weights)).backward();
    float[][] grads = new float[all.size()][];
    for (int i = 0; i < all.size(); i++) {
      grads[i] = all.get(i).grad().toFloatArray();
      all.get(i).zeroGrad();
    }
    Var plain = unfused(x, w, bias, a, b, 0.75f);
    Ops.sum(Ops.mul(plain, weights)).backward();
    float[] fv = fused.value().toFloatArray(), pv = plain.value().toFloatArray();
    for (int i = 0; i < fv.length; i++) {
      assertThat(fv[i]).isCloseTo(pv[i], offset(1e-5f));
    }
    for (int i = 0; i < all.size(); i++) {
      float[] e = all.get(i).grad().toFloatArray();
      for (int j = 0; j < e.length; j++) {
        assertThat(grads[i][j]).as("%s[%d]", all.get(i).name(), j).isCloseTo(e[j], offset(1e-5f));
      }
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Parameter x = f.param("x", 4, 5);
    Parameter w = f.param("w", 6, 5);
    Parameter a = f.param("a", 2, 5);
    Parameter b = f.param("b", 6, 2);
    Var weights = Var.constant(f.rand(4, 6)); // fixed, so the loss is one function
    GradCheck.check(
        () -> Ops.sum(Ops.mul(Ops.loraLinear(x, w, null, a, b, 2f), weights)), List.of(x, w, a, b));
  }

  @Test
  void frozenBaseGetsNoGradient() {
    Parameter x = new Parameter("x", f.rand(3, 4), false);
    Parameter w = new Parameter("w", f.rand(5, 4), false);
    Parameter a = f.param("a", 2, 4);
    Parameter b = f.param("b", 5, 2);
    Ops.sum(Ops.loraLinear(x, w, null, a, b, 1f)).backward();
    assertThat(w.grad()).isNull();
    assertThat(x.grad()).isNull();
    assertThat(a.grad()).isNotNull();
    assertThat(b.grad()).isNotNull();
  }
}
