package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;

/**
 * Fused ops against finite differences and against the unfused ops they replace, on every backend.
 */
class FusedOpsTest {
  private final Fixtures f = new Fixtures(21);
  private final Backend original = Backends.current();

  @AfterEach
  void restore() {
    Backends.use(original);
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "cpu"})
  void swigluGradientsMatchFiniteDifferences(String backend) {
    Backends.use(Backends.byName(backend));
    Parameter gate = new Parameter("gate", f.uniform(-4f, 4f, 3, 5, 7), true);
    Parameter up = f.param("up", 3, 5, 7);
    Var r = Var.constant(f.rand(3, 5, 7));
    GradCheck.check(() -> Ops.sum(Ops.mul(Ops.swiglu(gate, up), r)), List.of(gate, up));
    // the same Var as gate and up: both contributions arrive
    GradCheck.check(() -> Ops.sum(Ops.mul(Ops.swiglu(up, up), r)), List.of(up));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "cpu"})
  void swigluEqualsSiluTimesUp(String backend) {
    Backends.use(Backends.byName(backend));
    Parameter gate = new Parameter("gate", f.uniform(-6f, 6f, 4, 65), true);
    Parameter up = f.param("up", 4, 65);
    Var r = Var.constant(f.rand(4, 65));
    Var fused = Ops.swiglu(gate, up);
    float[] y = fused.value().toFloatArray();
    Ops.sum(Ops.mul(fused, r)).backward();
    float[] dg = gate.grad().toFloatArray(), du = up.grad().toFloatArray();
    gate.zeroGrad();
    up.zeroGrad();
    Var plain = Ops.mul(Ops.silu(gate), up);
    float[] y2 = plain.value().toFloatArray();
    Ops.sum(Ops.mul(plain, r)).backward();
    float[] dg2 = gate.grad().toFloatArray(), du2 = up.grad().toFloatArray();
    if (backend.equals("scalar")) { // same formulas, same rounding
      assertThat(y).containsExactly(y2);
      assertThat(dg).containsExactly(dg2);
      assertThat(du).containsExactly(du2);
    } else {
      for (int i = 0; i < y.length; i++) {
        assertThat(y[i]).isCloseTo(y2[i], org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(dg[i]).isCloseTo(dg2[i], org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(du[i]).isCloseTo(du2[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "cpu"})
  void swigluFrozenInputsAndShapeErrors(String backend) {
    Backends.use(Backends.byName(backend));
    Parameter up = f.param("up", 2, 9);
    Var gate = Var.constant(f.rand(2, 9));
    Ops.sum(Ops.swiglu(gate, up)).backward();
    assertThat(up.grad()).isNotNull();
    assertThat(gate.grad()).isNull();
    assertThatThrownBy(() -> Ops.swiglu(gate, f.param("u", 9, 2)))
        .hasMessageContaining("differ in shape");
  }
}
