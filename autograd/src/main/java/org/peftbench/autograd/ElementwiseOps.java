package org.peftbench.autograd;

import static org.peftbench.autograd.Graph.be;
import static org.peftbench.autograd.Graph.closeCopy;
import static org.peftbench.autograd.Graph.heap;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.UnaryOp;

/** Elementwise arithmetic, activations and dropout. See {@link Ops} for the contracts. */
final class ElementwiseOps {
  private ElementwiseOps() {}

  /** Checks that b's shape is a suffix of a's (b repeats over a's leading dimensions). */
  static void checkBroadcast(String op, Var a, Var b) {
    int[] as = a.shape(), bs = b.shape();
    boolean ok = bs.length <= as.length;
    for (int i = 1; ok && i <= bs.length; i++) {
      ok = bs[bs.length - i] == as[as.length - i];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          op
              + ": shape "
              + Arrays.toString(bs)
              + " does not broadcast over "
              + Arrays.toString(as)
              + " (it must equal a suffix of it)");
    }
  }

  /** Sends the full-shape gradient {@code dy} to a broadcast operand b (sum over leading dims). */
  static void reduceInto(Var b, Tensor dy, float alpha) {
    if (b.grad == null && alpha == 1f && dy.numel() == b.value.numel()) {
      // b's first gradient is dy itself: one copy, instead of a zero-filled buffer plus dy added
      Tensor g = Tensor.empty(b.shape());
      g.copyFrom(dy);
      b.accumulateGrad(g);
      return;
    }
    Tensor gb = b.gradBuffer();
    if (dy.numel() == gb.numel() && alpha == 1f) {
      be().axpy(1f, dy, gb);
    } else if (alpha == 1f) {
      be().sumLeading(dy, gb.reshape(-1), true);
    } else {
      Tensor tmp = Tensor.zeros(b.shape());
      be().sumLeading(dy, tmp.reshape(-1), false);
      be().axpy(alpha, tmp, gb);
      tmp.close();
    }
  }

  /**
   * Sends dy unchanged to a same-shape input: the output's gradient buffer itself is handed over
   * when the input has none yet (no copy), else added. Must be the op's last use of dy.
   */
  static void passThrough(Var x, Var out) {
    if (x.grad == null) {
      x.accumulateGrad(out.takeGrad());
    } else {
      Graph.addGrad(x, out.grad);
    }
  }

  // y = a + b  (b: a's shape or a suffix of it)
  static Var add(Var a, Var b) {
    if (b.value.numel() > a.value.numel()) {
      Var t = a;
      a = b;
      b = t;
    }
    checkBroadcast("add", a, b);
    Var x = a, z = b;
    Tensor ah = heap(a.value);
    Tensor y = Tensor.empty(a.shape());
    be().add(ah, b.value, y);
    closeCopy(ah, a.value);
    return Graph.result(
        "add",
        y,
        o -> {
          if (z.requiresGrad()) {
            reduceInto(z, o.grad, 1f);
          }
          if (x.requiresGrad()) {
            passThrough(x, o);
          }
        },
        a,
        b);
  }

  // y = a − b  (b: a's shape or a suffix of it)
  static Var sub(Var a, Var b) {
    checkBroadcast("sub", a, b);
    Tensor negB = Tensor.zeros(b.shape());
    Tensor bh = heap(b.value);
    be().scale(bh, -1f, negB);
    closeCopy(bh, b.value);
    Tensor ah = heap(a.value);
    Tensor y = Tensor.empty(a.shape());
    be().add(ah, negB, y);
    closeCopy(ah, a.value);
    negB.close();
    return Graph.result(
        "sub",
        y,
        o -> {
          if (b.requiresGrad()) {
            reduceInto(b, o.grad, -1f);
          }
          if (a.requiresGrad()) {
            passThrough(a, o);
          }
        },
        a,
        b);
  }

  // y = a ⊙ b  (b: a's shape or a suffix of it) ; da += dy ⊙ b ; db += Σ_lead dy ⊙ a
  static Var mul(Var a, Var b) {
    if (b.value.numel() > a.value.numel()) {
      Var t = a;
      a = b;
      b = t;
    }
    checkBroadcast("mul", a, b);
    Var x = a, z = b;
    Tensor ah = heap(a.value);
    Tensor y = Tensor.empty(a.shape());
    be().mul(ah, b.value, y);
    closeCopy(ah, a.value);
    return Graph.result(
        "mul",
        y,
        o -> {
          if (z.requiresGrad()) {
            Tensor g = Tensor.zeros(x.shape());
            be().mul(o.grad, x.value, g);
            reduceInto(z, g, 1f);
            g.close();
          }
          if (x.requiresGrad()) {
            // dy is not needed any more: scale it in place and hand it over
            Tensor g = o.takeGrad();
            be().mul(g, z.value, g);
            x.accumulateGrad(g);
          }
        },
        a,
        b);
  }

  // y = s · a
  static Var scale(Var a, float s) {
    Tensor ah = heap(a.value);
    Tensor y = Tensor.empty(a.shape());
    be().scale(ah, s, y);
    closeCopy(ah, a.value);
    return Graph.result(
        "scale",
        y,
        o -> {
          if (a.requiresGrad()) {
            Tensor g = o.takeGrad();
            be().scale(g, s, g);
            a.accumulateGrad(g);
          }
        },
        a);
  }

  // y = a + c
  static Var addScalar(Var a, float c) {
    Tensor row = Tensor.zeros(a.dim(-1));
    row.fill(c);
    Tensor ah = heap(a.value);
    Tensor y = Tensor.empty(a.shape());
    be().add(ah, row, y);
    closeCopy(ah, a.value);
    row.close();
    return Graph.result(
        "addScalar",
        y,
        o -> {
          if (a.requiresGrad()) {
            passThrough(a, o);
          }
        },
        a);
  }

  // y = f(x) ; dx += f'(x) ⊙ dy
  static Var unary(UnaryOp op, Var x) {
    Tensor xh = heap(x.value);
    Tensor y = Tensor.empty(x.shape());
    be().unary(op, xh, y);
    closeCopy(xh, x.value);
    return Graph.result(
        op.name().toLowerCase(java.util.Locale.ROOT),
        y,
        o -> {
          if (x.requiresGrad()) {
            Tensor xv = heap(x.value);
            be().unaryBackward(op, xv, o.grad, x.gradBuffer(), true);
            closeCopy(xv, x.value);
          }
        },
        x);
  }

  // y[N,F] = silu(gate) ⊙ up, one op instead of silu then mul: no silu(gate) tensor is kept for
  // backward (it is recomputed from gate), and the gradient of up is written over dy's buffer
  // dGate = silu'(gate) ⊙ dy ⊙ up ; dUp = dy ⊙ silu(gate)
  static Var swiglu(Var gate, Var up) {
    if (!Arrays.equals(gate.shape(), up.shape())) {
      throw new IllegalArgumentException(
          "swiglu: gate " + gate.value + " and up " + up.value + " differ in shape");
    }
    Tensor gh = heap(gate.value), uh = heap(up.value);
    Tensor y = Tensor.empty(gate.shape());
    be().swiglu(gh, uh, y);
    closeCopy(gh, gate.value);
    closeCopy(uh, up.value);
    return Graph.result(
        "swiglu",
        y,
        o -> {
          Tensor gb = heap(gate.value), ub = heap(up.value);
          Tensor dy = o.takeGrad();
          Tensor dGate = Tensor.empty(gate.shape());
          be().swigluBackward(gb, ub, dy, dGate, dy); // dy becomes dUp
          closeCopy(gb, gate.value);
          closeCopy(ub, up.value);
          send(gate, dGate);
          send(up, dy);
        },
        gate,
        up);
  }

  /** Hands a gradient tensor over to x, or closes it when x needs none. */
  private static void send(Var x, Tensor g) {
    if (x.requiresGrad()) {
      x.accumulateGrad(g);
    } else {
      g.close();
    }
  }

  // y = x ⊙ mask, mask ∈ {0, 1/(1−p)} drawn from the seed (inverted dropout)
  static Var dropout(Var x, float p, long seed) {
    if (p < 0f || p >= 1f) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    }
    if (p == 0f || !(GradMode.isEnabled() || Checkpoint.forcesDropout())) {
      return x;
    }
    seed = Checkpoint.dropoutSeed(seed);
    Tensor mask = Tensor.zeros(x.shape());
    float[] m = mask.array();
    float keep = 1f / (1f - p);
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = 0; i < m.length; i++) {
      m[i] = rng.nextDouble() < p ? 0f : keep;
    }
    Tensor xh = heap(x.value);
    Tensor y = Tensor.zeros(x.shape());
    be().mul(xh, mask, y);
    closeCopy(xh, x.value);
    return Graph.result(
        "dropout",
        y,
        true,
        o -> {
          if (x.requiresGrad()) {
            Tensor g = o.takeGrad();
            be().mul(g, mask, g);
            x.accumulateGrad(g);
          }
        },
        new Tensor[] {mask},
        x);
  }

  // y = softmax(x) over the last dim ; dx += y ⊙ (dy − Σ dy⊙y)
  static Var softmax(Var x) {
    Tensor xh = heap(x.value);
    Tensor y = Tensor.empty(x.shape());
    be().softmax(xh, y);
    closeCopy(xh, x.value);
    return Graph.result(
        "softmax",
        y,
        o -> {
          if (x.requiresGrad()) {
            be().softmaxBackward(o.value, o.grad, x.gradBuffer(), true);
          }
        },
        x);
  }
}
