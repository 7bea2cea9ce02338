package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.MemoryTracker;
import org.peftbench.tensor.Tensor;

class EngineTest {
  private final Fixtures f = new Fixtures(3);

  @Test
  void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
    Parameter w = f.param("w", 3, 4);
    Var x = Var.constant(f.rand(2, 4));
    Ops.sum(Ops.linear(x, w, null)).backward();
    float[] once = w.grad().toFloatArray();
    Ops.sum(Ops.linear(x, w, null)).backward();
    float[] twice = w.grad().toFloatArray();
    for (int i = 0; i < once.length; i++) {
      assertThat(twice[i]).isEqualTo(2 * once[i]);
    }
    w.zeroGrad();
    assertThat(w.grad()).isNull();
  }

  @Test
  void aValueUsedTwiceGetsBothContributions() {
    Parameter x = f.param("x", 5);
    // d/dx Σ (x⊙x + x) = 2x + 1
    Ops.sum(Ops.add(Ops.mul(x, x), x)).backward();
    for (int i = 0; i < 5; i++) {
      assertThat(x.grad().get(i)).isEqualTo(2 * x.value().get(i) + 1);
    }
  }

  @Test
  void frozenParametersAndNoGradModeRecordNothing() {
    Parameter frozen = new Parameter("frozen", f.rand(3, 4), false);
    Var x = Var.constant(f.rand(2, 4));
    Var y = Ops.linear(x, frozen, null);
    assertThat(y.requiresGrad()).isFalse();
    assertThatThrownBy(() -> Ops.sum(y).backward()).hasMessageContaining("no trainable");
    Parameter w = f.param("w", 3, 4);
    try (var scope = GradMode.noGrad()) {
      assertThat(GradMode.isEnabled()).isFalse();
      assertThat(Ops.linear(x, w, null).requiresGrad()).isFalse();
      try (var inner = GradMode.enableGrad()) {
        assertThat(GradMode.isEnabled()).isTrue();
      }
      assertThat(GradMode.isEnabled()).isFalse();
    }
    assertThat(GradMode.isEnabled()).isTrue();
    frozen.setTrainable(true);
    Ops.sum(Ops.linear(x, frozen, null)).backward();
    assertThat(frozen.grad()).isNotNull();
    frozen.setTrainable(false);
    assertThat(frozen.grad()).isNull();
  }

  @Test
  void backwardReleasesTheGraphAndItsActivations() throws Exception {
    Parameter w1 = f.param("w1", 64, 64), w2 = f.param("w2", 64, 64);
    Parameter frozen = new Parameter("frozen", f.rand(64, 64), false);
    Var x = Var.constant(f.rand(32, 64));
    // warm up gradient buffers so only activations differ
    Ops.sum(Ops.linear(Ops.silu(Ops.linear(x, w1, null)), w2, null)).backward();
    Fixtures.drainGarbage();
    long before = MemoryTracker.liveBytes();
    // a frozen projection of a constant records nothing, yet its output is an activation too
    Var frozenOut = Ops.tanh(Ops.linear(x, frozen, null));
    assertThat(frozenOut.requiresGrad()).isFalse();
    Var h = Ops.add(Ops.silu(Ops.linear(x, w1, null)), frozenOut);
    Var loss = Ops.sum(Ops.linear(h, w2, null));
    assertThat(MemoryTracker.liveBytes() - before).isGreaterThanOrEqualTo(6L * 32 * 64 * 4);
    loss.backward();
    // only the scalar loss value remains
    assertThat(MemoryTracker.liveBytes() - before).isLessThanOrEqualTo(64);
    assertThatThrownBy(loss::backward).hasMessageContaining("called twice");
    Var loss2 = Ops.sum(h);
    Var loss3 = Ops.sum(Ops.linear(x, w1, null));
    Var shared = Ops.add(loss3, Ops.scale(loss3, 2f));
    shared.backward();
    assertThat(loss2.requiresGrad()).isFalse();
  }

  @Test
  void secondBackwardThroughAReleasedGraphIsAClearError() {
    Parameter w = f.param("w", 3, 4);
    Var h = Ops.linear(Var.constant(f.rand(2, 4)), w, null);
    Var a = Ops.sum(Ops.silu(h));
    Var b = Ops.sum(Ops.tanh(h));
    a.backward();
    assertThatThrownBy(b::backward).hasMessageContaining("already released");
  }

  @Test
  void checkpointGivesTheSameGradientsAsThePlainBlock() {
    Parameter w1 = f.param("w1", 6, 4), w2 = f.param("w2", 4, 6), norm = f.param("norm", 4);
    Parameter x = f.param("x", 2, 3, 4);
    Function<Var, Var> block =
        in ->
            Ops.add(
                in,
                Ops.linear(Ops.silu(Ops.linear(Ops.rmsNorm(in, norm, 1e-5f), w1, null)), w2, null));
    Var r = Var.constant(f.rand(2, 3, 4));
    Ops.sum(Ops.mul(block.apply(block.apply(x)), r)).backward();
    List<Parameter> ps = List.of(w1, w2, norm, x);
    float[][] plain = ps.stream().map(p -> p.grad().toFloatArray()).toArray(float[][]::new);
    ps.forEach(Parameter::zeroGrad);
    Var y = Checkpoint.apply(block, Checkpoint.apply(block, x));
    Ops.sum(Ops.mul(y, r)).backward();
    for (int i = 0; i < ps.size(); i++) {
      assertThat(ps.get(i).grad().toFloatArray()).as(ps.get(i).name()).containsExactly(plain[i]);
    }
    ps.forEach(Parameter::zeroGrad);
    GradCheck.check(() -> Ops.sum(Ops.mul(Checkpoint.apply(block, x), r)), ps);
  }

  @Test
  void checkpointReplaysDropoutSeedsDrawnFromACounter() {
    Parameter w = f.param("w", 8, 8), x = f.param("x", 4, 8);
    long[] counter = {100};
    // a module that advances its seed on every call, like a LoRA dropout
    Function<Var, Var> block =
        in -> Ops.tanh(Ops.linear(Ops.dropout(in, 0.5f, counter[0]++), w, null));
    Function<Var, Var> nested = in -> Checkpoint.apply(block, Checkpoint.apply(block, in));
    Var r = Var.constant(f.rand(4, 8));
    Ops.sum(Ops.mul(block.apply(block.apply(block.apply(x))), r)).backward();
    float[] plainW = w.grad().toFloatArray(), plainX = x.grad().toFloatArray();
    w.zeroGrad();
    x.zeroGrad();
    counter[0] = 100;
    Var y = Checkpoint.apply(block, Checkpoint.apply(nested, x));
    Ops.sum(Ops.mul(y, r)).backward();
    assertThat(counter[0]).isGreaterThan(103); // the recomputations drew fresh counter values
    assertThat(w.grad().toFloatArray()).containsExactly(plainW);
    assertThat(x.grad().toFloatArray()).containsExactly(plainX);
  }

  @Test
  void checkpointWithAConstantInputStillTrainsTheBlockParameters() {
    Parameter w = f.param("w", 3, 4);
    Var x = Var.constant(f.rand(2, 4));
    Var y = Checkpoint.apply(in -> Ops.linear(in, w, null), x);
    Ops.sum(y).backward();
    Tensor g = w.grad();
    assertThat(g).isNotNull();
    // d Σ x·wᵀ / dw[o,k] = Σ_n x[n,k]
    assertThat(g.get(1)).isEqualTo(x.value().get(1) + x.value().get(5));
  }
}
