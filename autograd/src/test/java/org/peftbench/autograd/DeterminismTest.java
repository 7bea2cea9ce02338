package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.RopeTable;

/** Gradients are bit-identical with 1 and 3 worker threads, on every available backend. */
class DeterminismTest {
  private final int originalThreads = Parallel.threads();
  private final Backend originalBackend = Backends.current();

  @AfterEach
  void restore() {
    Parallel.setThreads(originalThreads);
    Backends.use(originalBackend);
  }

  @Test
  void gradientsDoNotDependOnTheThreadCount() {
    for (String name : List.of("scalar", "cpu")) {
      Backends.use(Backends.byName(name));
      Parallel.setThreads(1);
      List<float[]> one = gradients();
      Parallel.setThreads(3);
      List<float[]> three = gradients();
      for (int i = 0; i < one.size(); i++) {
        assertThat(three.get(i)).as(name + " gradient " + i).containsExactly(one.get(i));
      }
    }
  }

  /** A small attention + MLP block large enough for kernels to split work into several tasks. */
  private static List<float[]> gradients() {
    Fixtures f = new Fixtures(11);
    int b = 2, t = 24, c = 64, h = 4, d = 16;
    Parameter x = f.param("x", b, t, c), wq = f.param("wq", c, c), wk = f.param("wk", c / 2, c);
    Parameter wv = f.param("wv", c / 2, c), wo = f.param("wo", c, c), norm = f.param("norm", c);
    Parameter up = f.param("up", 4 * c, c), down = f.param("down", c, 4 * c);
    Parameter gate = f.param("gate", 4 * c, c);
    RopeTable rope = new RopeTable(d, t, 10000, null);
    int[] pos = new int[b * t];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = i % t;
    }
    Var n = Ops.rmsNorm(x, norm, 1e-5f);
    Var q = Ops.rope(Ops.reshape(Ops.linear(n, wq, null), b, t, h, d), pos, rope);
    Var k = Ops.rope(Ops.reshape(Ops.linear(n, wk, null), b, t, h / 2, d), pos, rope);
    Var v = Ops.reshape(Ops.linear(n, wv, null), b, t, h / 2, d);
    Var att = Ops.reshape(Ops.attention(q, k, v, AttentionMask.causalSelf(), 0.25f), b, t, c);
    Var h1 = Ops.add(x, Ops.linear(att, wo, null));
    Var u = Ops.linear(h1, up, null);
    Var act = Ops.add(Ops.geluTanh(u), Ops.swiglu(Ops.linear(h1, gate, null), u));
    Var h2 = Ops.add(h1, Ops.linear(act, down, null));
    int[] targets = new int[b * t];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = i % 5 == 0 ? -100 : (i * 7) % c;
    }
    Ops.crossEntropy(Ops.reshape(h2, b * t, c), targets, -100).backward();
    List<float[]> grads = new ArrayList<>();
    for (Parameter p : List.of(x, wq, wk, wv, wo, norm, up, down, gate)) {
      grads.add(p.grad().toFloatArray());
    }
    return grads;
  }
}
