package org.peftbench.autograd.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.StepContext;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;

class TrainStepTest {
  static final float[] X = {0.5f, -1f, 2f, 0.25f, 1.5f, -0.75f, 1f, 3f};

  static Parameter weights() {
    return new Parameter("w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 8), true);
  }

  /** mean((dropout(x) ⊙ w)²): a loss whose value depends on the dropout mask. */
  static Var loss(Parameter w) {
    Var x = StepContext.dropout(Var.constant(Tensor.of(X.clone(), 8)), 0.5f, "x");
    Var y = Ops.mul(x, w);
    return Ops.mean(Ops.mul(y, y));
  }

  static float[] train(int steps, int accum, long seed, List<StepContext> seen) {
    Parameter w = weights();
    TrainStep step =
        new TrainStep(
            new AdamW(List.of(w), 0.9, 0.999, 1e-8, 0.0),
            LrSchedule.constant(0.1, 0),
            1.0,
            accum,
            seed);
    for (int s = 0; s < steps; s++) {
      TrainStep.Result r =
          step.run(
              s,
              m -> {
                seen.add(StepContext.current());
                return loss(w);
              });
      assertThat(r.failed()).isFalse();
      assertThat(r.lr()).isEqualTo(0.1);
      assertThat(r.gradNorm()).isPositive();
    }
    return w.value().toFloatArray();
  }

  @Test
  void eachMicroBatchRunsInItsOwnContextAndTheResultIsReproducible() {
    List<StepContext> seen = new ArrayList<>();
    float[] a = train(3, 2, 7, seen);
    assertThat(seen)
        .containsExactly(
            new StepContext(true, 7, 0, 0),
            new StepContext(true, 7, 0, 1),
            new StepContext(true, 7, 1, 0),
            new StepContext(true, 7, 1, 1),
            new StepContext(true, 7, 2, 0),
            new StepContext(true, 7, 2, 1));
    assertThat(StepContext.current()).isEqualTo(StepContext.INFERENCE); // closed again
    assertThat(train(3, 2, 7, new ArrayList<>())).containsExactly(a);
    assertThat(train(3, 2, 8, new ArrayList<>())).isNotEqualTo(a); // other seed, other masks
  }

  @Test
  void masksDependOnStepMicroBatchAndModule() {
    StepContext c = new StepContext(true, 1, 2, 0);
    assertThat(c.seedFor("a")).isEqualTo(new StepContext(true, 1, 2, 0).seedFor("a"));
    assertThat(c.seedFor("a"))
        .isNotEqualTo(c.seedFor("b"))
        .isNotEqualTo(new StepContext(true, 1, 2, 1).seedFor("a"))
        .isNotEqualTo(new StepContext(true, 1, 3, 0).seedFor("a"))
        .isNotEqualTo(new StepContext(true, 2, 2, 0).seedFor("a"));
    Var x = Var.constant(Tensor.of(X.clone(), 8));
    assertThat(StepContext.dropout(x, 0.5f, "x")).isSameAs(x); // no training context
    try (var ignored = new StepContext(false, 1, 2, 0).open()) {
      assertThat(StepContext.dropout(x, 0.5f, "x")).isSameAs(x);
    }
  }

  @Test
  void aNonFiniteLossStopsTheStepWithoutAnUpdate() {
    Parameter w = weights();
    TrainStep step =
        new TrainStep(
            new AdamW(List.of(w), 0.9, 0.999, 1e-8, 0.0), LrSchedule.constant(0.1, 0), 0, 2, 1);
    TrainStep.Result r =
        step.run(0, m -> m == 0 ? loss(w) : Ops.scale(loss(w), Float.POSITIVE_INFINITY));
    assertThat(r.failed()).isTrue();
    assertThat(r.failedMicroBatch()).isEqualTo(1);
    assertThat(r.loss()).isInfinite();
    assertThat(w.grad()).isNull(); // the first micro-batch's gradient was dropped
    assertThat(w.value().toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }
}
