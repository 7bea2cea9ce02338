package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;
import static org.peftbench.tensor.backend.cpu.Tasks.CHUNK;
import static org.peftbench.tensor.backend.cpu.Tasks.ranges;
import static org.peftbench.tensor.backend.cpu.Tasks.rowsPerTask;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.UnaryOp;

/**
 * Elementwise kernels, forward and backward: broadcast add/mul, scale, axpy, the {@link UnaryOp}
 * activations and the fused SwiGLU; and {@link #addPartials}, the task-ordered sum of per-task
 * gradient partials the row-reducing kernels share.
 */
final class Elementwise {
  private Elementwise() {}

  // out[N,C] = a[N,C] + b[C] (or b[N,C])
  static void add(Tensor a, Tensor b, Tensor out) {
    binary(VectorOperators.ADD, a, b, out);
  }

  static void mul(Tensor a, Tensor b, Tensor out) {
    binary(VectorOperators.MUL, a, b, out);
  }

  private static void binary(VectorOperators.Binary op, Tensor a, Tensor b, Tensor out) {
    Checks.broadcast(a, b, out);
    int n = a.size(), bn = b.size();
    if (n == 0) {
      return;
    }
    float[] A = a.array(), O = out.array();
    int ao = a.offset(), oo = out.offset();
    float[] B;
    int bo;
    if (b.isHeapF32()) {
      B = b.array();
      bo = b.offset();
    } else {
      B = b.toFloatArray();
      bo = 0;
    }
    boolean add = op == VectorOperators.ADD;
    if (bn == n) {
      ranges(
          n, CHUNK, (from, to) -> lanes(add, A, ao + from, B, bo + from, O, oo + from, to - from));
    } else {
      ranges(
          n / bn,
          rowsPerTask(bn),
          (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
              lanes(add, A, ao + r * bn, B, bo, O, oo + r * bn, bn);
            }
          });
    }
  }

  static void lanes(boolean add, float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector vx = FloatVector.fromArray(F, x, xo + i),
          vy = FloatVector.fromArray(F, y, yo + i);
      (add ? vx.add(vy) : vx.mul(vy)).intoArray(o, oo + i);
    }
    for (; i < n; i++) {
      o[oo + i] = add ? x[xo + i] + y[yo + i] : x[xo + i] * y[yo + i];
    }
  }

  // out = s·a
  static void scale(Tensor a, float s, Tensor out) {
    Checks.sameSize(a, out);
    float[] A = a.array(), O = out.array();
    int ao = a.offset(), oo = out.offset();
    ranges(
        a.size(),
        CHUNK,
        (from, to) -> {
          int i = from;
          for (; i + L <= to; i += L) {
            FloatVector.fromArray(F, A, ao + i).mul(s).intoArray(O, oo + i);
          }
          for (; i < to; i++) {
            O[oo + i] = s * A[ao + i];
          }
        });
  }

  // y += alpha·x
  static void axpy(float alpha, Tensor x, Tensor y) {
    Checks.sameSize(x, y);
    float[] X = x.array(), Y = y.array();
    int xo = x.offset(), yo = y.offset();
    ranges(x.size(), CHUNK, (from, to) -> axpyExact(alpha, X, xo + from, Y, yo + from, to - from));
  }

  /** y += alpha·x with a separate multiply and add (bit-identical to the scalar loop). */
  private static void axpyExact(float alpha, float[] x, int xo, float[] y, int yo, int n) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector.fromArray(F, x, xo + i)
          .mul(alpha)
          .add(FloatVector.fromArray(F, y, yo + i))
          .intoArray(y, yo + i);
    }
    for (; i < n; i++) {
      y[yo + i] += alpha * x[xo + i];
    }
  }

  // out = f(x)
  static void unary(UnaryOp op, Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    float[] X = x.array(), O = out.array();
    int xo = x.offset(), oo = out.offset();
    ranges(
        x.size(),
        CHUNK,
        (from, to) -> {
          int i = from;
          if (op != UnaryOp.GELU_ERF) {
            for (; i + L <= to; i += L) {
              Activations.apply(op, FloatVector.fromArray(F, X, xo + i)).intoArray(O, oo + i);
            }
          }
          for (; i < to; i++) {
            O[oo + i] = op.apply(X[xo + i]);
          }
        });
  }

  // dx (+)= f'(x)·dy
  static void unaryBackward(UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
    Checks.sameSize(x, dy);
    Checks.sameSize(x, dx);
    float[] X = x.array(), G = dy.array(), DX = dx.array();
    int xo = x.offset(), go = dy.offset(), dxo = dx.offset();
    ranges(
        x.size(),
        CHUNK,
        (from, to) -> {
          int i = from;
          if (op != UnaryOp.GELU_ERF) {
            for (; i + L <= to; i += L) {
              FloatVector g =
                  Activations.derivative(op, FloatVector.fromArray(F, X, xo + i))
                      .mul(FloatVector.fromArray(F, G, go + i));
              if (accumulate) {
                g = FloatVector.fromArray(F, DX, dxo + i).add(g);
              }
              g.intoArray(DX, dxo + i);
            }
          }
          for (; i < to; i++) {
            float g = op.derivative(X[xo + i]) * G[go + i];
            DX[dxo + i] = accumulate ? DX[dxo + i] + g : g;
          }
        });
  }

  // out[N,F] = silu(gate) · up, one pass (the composed version writes and re-reads silu(gate))
  static void swiglu(Tensor gate, Tensor up, Tensor out) {
    Checks.sameSize(gate, up);
    Checks.sameSize(gate, out);
    float[] G = gate.array(), U = up.array(), O = out.array();
    int go = gate.offset(), uo = up.offset(), oo = out.offset();
    ranges(gate.size(), CHUNK, (from, to) -> swigluRange(G, go, U, uo, O, oo, from, to));
  }

  private static void swigluRange(
      float[] G, int go, float[] U, int uo, float[] O, int oo, int from, int to) {
    int i = from;
    for (; i + L <= to; i += L) {
      FloatVector g = FloatVector.fromArray(F, G, go + i);
      // silu(g) = g / (1 + e^−g), as UnaryOp.SILU
      g.div(Simd.expNormal(g.neg()).add(1f))
          .mul(FloatVector.fromArray(F, U, uo + i))
          .intoArray(O, oo + i);
    }
    for (; i < to; i++) {
      O[oo + i] = UnaryOp.SILU.apply(G[go + i]) * U[uo + i];
    }
  }

  // dGate = silu'(gate) · (dy · up) ; dUp = dy · silu(gate); one sigmoid per element for both
  static void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
    Checks.sameSize(gate, up);
    Checks.sameSize(gate, dy);
    Checks.sameSize(gate, dGate);
    Checks.sameSize(gate, dUp);
    float[] G = gate.array(), U = up.array(), DY = dy.array(), DG = dGate.array();
    float[] DU = dUp.array();
    int go = gate.offset(), uo = up.offset(), yo = dy.offset(), dgo = dGate.offset();
    int duo = dUp.offset();
    ranges(
        gate.size(),
        CHUNK,
        (from, to) -> swigluBackwardRange(G, go, U, uo, DY, yo, DG, dgo, DU, duo, from, to));
  }

  private static void swigluBackwardRange(
      float[] G,
      int go,
      float[] U,
      int uo,
      float[] DY,
      int yo,
      float[] DG,
      int dgo,
      float[] DU,
      int duo,
      int from,
      int to) {
    FloatVector one = FloatVector.broadcast(F, 1f);
    int i = from;
    for (; i + L <= to; i += L) {
      FloatVector g = FloatVector.fromArray(F, G, go + i);
      FloatVector d = FloatVector.fromArray(F, DY, yo + i);
      FloatVector u = FloatVector.fromArray(F, U, uo + i);
      FloatVector s = one.div(Simd.expNormal(g.neg()).add(1f)); // sigmoid(g)
      FloatVector dsilu = one.sub(s).mul(g).add(1f).mul(s); // s·(1 + g·(1 − s))
      FloatVector silu = g.mul(s); // one division per element, not two
      dsilu.mul(d.mul(u)).intoArray(DG, dgo + i);
      d.mul(silu).intoArray(DU, duo + i);
    }
    for (; i < to; i++) {
      float g = G[go + i], d = DY[yo + i];
      DG[dgo + i] = UnaryOp.SILU.derivative(g) * (d * U[uo + i]);
      DU[duo + i] = d * UnaryOp.SILU.apply(g);
    }
  }

  /** target += Σ partial[t] in task order. */
  static void addPartials(float[][] partial, Tensor target) {
    float[] T = target.array();
    int to = target.offset(), n = target.size();
    for (float[] p : partial) {
      lanes(true, T, to, p, 0, T, to, n);
    }
  }
}
