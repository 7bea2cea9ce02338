package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpProfileTest {
  private final Fixtures f = new Fixtures(5);

  @AfterEach
  void off() {
    OpProfile.stop();
  }

  private static OpProfile.Entry find(List<OpProfile.Entry> es, String name, OpProfile.Phase p) {
    return es.stream()
        .filter(e -> e.name().equals(name) && e.phase() == p)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no entry " + name + " " + p + " in " + es));
  }

  @Test
  void countsEveryOpsForwardAndBackwardAndChargesEachNanosecondOnce() {
    Parameter w = f.param("w", 8, 16);
    Var x = Var.constant(f.rand(4, 16));
    long t0 = System.nanoTime();
    OpProfile.start();
    Var y = Ops.silu(Ops.linear(x, w, null));
    Var loss = Ops.sum(Ops.mul(y, y));
    loss.backward();
    OpProfile.lap("after");
    long elapsed = System.nanoTime() - t0;
    List<OpProfile.Entry> es = OpProfile.stop();

    for (String op : List.of("linear", "silu", "mul", "sum")) {
      assertThat(find(es, op, OpProfile.Phase.FORWARD).calls()).isEqualTo(1);
      assertThat(find(es, op, OpProfile.Phase.BACKWARD).calls()).isEqualTo(1);
    }
    assertThat(find(es, "after", OpProfile.Phase.OTHER).calls()).isEqualTo(1);
    long charged = es.stream().mapToLong(OpProfile.Entry::nanos).sum();
    assertThat(charged).isPositive().isLessThanOrEqualTo(elapsed);
    // largest first
    for (int i = 1; i < es.size(); i++) {
      assertThat(es.get(i).nanos()).isLessThanOrEqualTo(es.get(i - 1).nanos());
    }
  }

  @Test
  void partsOfAnOpAreChargedSeparatelyWithoutExtraCalls() {
    Parameter a = f.param("a", 2, 16), b = f.param("b", 8, 2);
    Var x = Var.constant(f.rand(4, 16));
    Parameter w = new Parameter("w", f.rand(8, 16), false);
    Parameter wx = f.param("wx", 16, 16);
    OpProfile.start();
    Ops.sum(Ops.loraLinear(Ops.linear(x, wx, null), w, null, a, b, 2f)).backward();
    List<OpProfile.Entry> es = OpProfile.stop();
    assertThat(find(es, "loraLinear", OpProfile.Phase.FORWARD).calls()).isEqualTo(1);
    assertThat(find(es, "loraLinear", OpProfile.Phase.BACKWARD).calls()).isEqualTo(1);
    assertThat(find(es, "loraLinear: base x·Wᵀ", OpProfile.Phase.FORWARD).calls()).isEqualTo(1);
    assertThat(find(es, "loraLinear: base dY·W", OpProfile.Phase.BACKWARD).calls()).isEqualTo(1);
  }

  @Test
  void recordsNothingWhenOffOrOnAnotherThread() throws Exception {
    Parameter w = f.param("w", 3, 4);
    Var x = Var.constant(f.rand(2, 4));
    Ops.sum(Ops.linear(x, w, null)).backward();
    assertThat(OpProfile.active()).isFalse();
    OpProfile.start();
    var pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> other = pool.submit(() -> Ops.sum(Ops.linear(x, w, null)).backward());
      other.get();
    } finally {
      pool.shutdown();
    }
    assertThat(OpProfile.stop()).isEmpty();
    // a new start clears the totals
    OpProfile.start();
    Ops.sum(Ops.linear(x, w, null)).backward();
    OpProfile.start();
    assertThat(OpProfile.stop()).isEmpty();
  }
}
