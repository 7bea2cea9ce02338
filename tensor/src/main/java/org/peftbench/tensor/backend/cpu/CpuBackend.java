package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.UnaryOp;

/**
 * The default backend: every kernel vectorised with the Vector API ({@code jdk.incubator.vector})
 * and spread over the {@link Parallel} pool. Work is cut into tasks whose boundaries depend only on
 * the problem size, and partial results (sums, parameter gradients) are combined in task order, so
 * the output is bit-identical for any thread count. GEMM lives in {@link Gemm}, attention in {@link
 * CpuAttention}; {@link ScalarBackend} is the reference these are tested against.
 */
public final class CpuBackend implements Backend {
  /** Elements per task for elementwise ops and reductions. */
  static final int CHUNK = 1 << 14;

  /** Rows per task when a parameter gradient is reduced over rows (fixed: determinism). */
  static final int GRAD_ROWS = 32;

  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

  @Override
  public String name() {
    return "cpu";
  }

  /**
   * Runs {@code body(from, to)} over {@code [0, n)} cut into pieces of {@code per}, in parallel.
   */
  interface Range {
    void run(int from, int to);
  }

  static void ranges(int n, int per, Range body) {
    int tasks = (n + per - 1) / per;
    Parallel.forEach(tasks, t -> body.run(t * per, Math.min(n, (t + 1) * per)));
  }

  private static int rowsPerTask(int cols) {
    return Math.max(1, CHUNK / Math.max(1, cols));
  }

  // ---------------------------------------------------------------- GEMM

  // C[M,N] (+)= op(A)[M,K] · op(B)[K,N]
  @Override
  public void matmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    if (!transA && transB && Gemv.supports(a, b, c.dim(0))) {
      Checks.matmul(a, false, b, true, c); // a few rows times a weight: matrix-vector products
      if (a.dim(1) > 0) {
        Gemv.nt(a, b, c, accumulate);
        return;
      }
    }
    Gemm.matmul(a, transA, b, transB, c, accumulate);
  }

  // C[M,N] (+)= A[M,K]·op(B) + A2[M,R]·op(B2): the rank-R term as one more depth block
  @Override
  public void matmulLowRank(
      Tensor a, Tensor b, boolean transB, Tensor a2, Tensor b2, Tensor c, boolean accumulate) {
    if (transB && Gemv.supports(a, b, c.dim(0))) {
      Backend.super.matmulLowRank(a, b, transB, a2, b2, c, accumulate);
      return;
    }
    Gemm.matmulLowRank(a, b, transB, a2, b2, c, accumulate);
  }

  // dxs[M,R] = s·dY[M,N]·B[N,R],  dB[N,R] += dY[M,N]ᵀ·xs[M,R]
  @Override
  public void lowRankBackward(Tensor dy, Tensor b, Tensor xs, float s, Tensor dxs, Tensor db) {
    Checks.matmul(dy, true, xs, false, db);
    Checks.matmul(dy, false, b, false, dxs);
    if (dy.dim(0) == 0 || !LowRankBackward.supports(dy, b, xs, dxs, db)) {
      Backend.super.lowRankBackward(dy, b, xs, s, dxs, db);
      return;
    }
    LowRankBackward.run(dy, b, xs, s, dxs, db);
  }

  // C[i] (+)= op(A[i]) · op(B[i]) for each batch entry i
  @Override
  public void batchedMatmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    Checks.batched(a, b, c);
    for (int i = 0; i < a.dim(0); i++) {
      Gemm.matmul(
          a.slice0(i, i + 1).reshape(a.dim(1), a.dim(2)),
          transA,
          b.slice0(i, i + 1).reshape(b.dim(1), b.dim(2)),
          transB,
          c.slice0(i, i + 1).reshape(c.dim(1), c.dim(2)),
          accumulate);
    }
  }

  // ---------------------------------------------------------------- elementwise

  // out[N,C] = a[N,C] + b[C] (or b[N,C])
  @Override
  public void add(Tensor a, Tensor b, Tensor out) {
    binary(VectorOperators.ADD, a, b, out);
  }

  @Override
  public void mul(Tensor a, Tensor b, Tensor out) {
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

  private static void lanes(
      boolean add, float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
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
  @Override
  public void scale(Tensor a, float s, Tensor out) {
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
  @Override
  public void axpy(float alpha, Tensor x, Tensor y) {
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
  @Override
  public void unary(UnaryOp op, Tensor x, Tensor out) {
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
  @Override
  public void unaryBackward(UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
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

  // ---------------------------------------------------------------- gated activation

  // out[N,F] = silu(gate) · up, one pass (the composed version writes and re-reads silu(gate))
  @Override
  public void swiglu(Tensor gate, Tensor up, Tensor out) {
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
  @Override
  public void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
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

  // ---------------------------------------------------------------- reductions

  /** Per-chunk partial sums in double, combined in chunk order. */
  private static double chunkedSum(Tensor x, boolean squares) {
    Tensor t = x.isHeapF32() ? x : x.toF32();
    float[] X = t.array();
    int xo = t.offset(), n = t.size();
    int tasks = (n + CHUNK - 1) / CHUNK;
    double[] partial = new double[tasks];
    Parallel.forEach(
        tasks,
        task -> {
          int from = task * CHUNK, to = Math.min(n, from + CHUNK), i = from;
          DoubleVector acc = DoubleVector.zero(D);
          for (; i + L <= to; i += L) {
            FloatVector v = FloatVector.fromArray(F, X, xo + i);
            if (squares) {
              v = v.mul(v); // exact enough: the square of a float has 48 bits; we keep 24
            }
            acc = addWidened(acc, v);
          }
          double s = Simd.sum(acc);
          for (; i < to; i++) {
            double v = X[xo + i];
            s += squares ? v * v : v;
          }
          partial[task] = s;
        });
    double s = 0;
    for (double p : partial) {
      s += p;
    }
    return s;
  }

  /**
   * acc + both halves of v widened to double (a float vector has twice the lanes of a double vector
   * of the same size). The part numbers must be constants for the JIT to use its conversion
   * instruction: in a loop over a variable part it falls back to slow Java code.
   */
  private static DoubleVector addWidened(DoubleVector acc, FloatVector v) {
    return acc.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0))
        .add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1));
  }

  @Override
  public double sum(Tensor x) {
    return chunkedSum(x, false);
  }

  @Override
  public double sumOfSquares(Tensor x) {
    return chunkedSum(x, true);
  }

  @Override
  public float max(Tensor x) {
    Tensor t = x.isHeapF32() ? x : x.toF32();
    float[] X = t.array();
    int xo = t.offset(), n = t.size();
    int tasks = (n + CHUNK - 1) / CHUNK;
    float[] partial = new float[tasks];
    Parallel.forEach(
        tasks,
        task -> {
          int from = task * CHUNK, to = Math.min(n, from + CHUNK), i = from;
          FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
          for (; i + L <= to; i += L) {
            acc = acc.max(FloatVector.fromArray(F, X, xo + i)); // NaN propagates (Math.max)
          }
          float m = acc.reduceLanes(VectorOperators.MAX);
          for (; i < to; i++) {
            m = Math.max(m, X[xo + i]);
          }
          partial[task] = m;
        });
    float m = Float.NEGATIVE_INFINITY;
    for (float p : partial) {
      if (Float.isNaN(p)) {
        return Float.NaN;
      }
      m = Math.max(m, p);
    }
    return m;
  }

  // out[C] (+)= Σ_n x[n, C]: column chunks in parallel, rows summed in order (as the scalar loop)
  @Override
  public void sumLeading(Tensor x, Tensor out, boolean accumulate) {
    int n = out.size();
    if (n == 0 || x.size() % n != 0) {
      throw new IllegalArgumentException("cannot reduce " + x + " to " + out);
    }
    float[] X = x.array(), O = out.array();
    int xo = x.offset(), oo = out.offset(), reps = x.size() / n;
    ranges(
        n,
        Math.max(L, 1024),
        (from, to) -> {
          float[] s = new float[to - from];
          for (int r = 0; r < reps; r++) {
            lanes(true, s, 0, X, xo + r * n + from, s, 0, to - from);
          }
          for (int j = from; j < to; j++) {
            O[oo + j] = accumulate ? O[oo + j] + s[j - from] : s[j - from];
          }
        });
  }

  // ---------------------------------------------------------------- softmax

  static float rowMax(float[] x, int xo, int n) {
    FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (; i + L <= n; i += L) {
      acc = acc.max(FloatVector.fromArray(F, x, xo + i));
    }
    float m = acc.reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      m = Math.max(m, x[xo + i]);
    }
    return m;
  }

  /** out[i] = exp(x[i] − m) (out may be null: only the sum), returns Σ out[i]. */
  static float expShifted(float[] x, int xo, float m, float[] out, int oo, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector e = Simd.exp(FloatVector.fromArray(F, x, xo + i).sub(m));
      if (out != null) {
        e.intoArray(out, oo + i);
      }
      acc = acc.add(e);
    }
    float s = Simd.sum(acc);
    for (; i < n; i++) {
      float e = (float) Math.exp(x[xo + i] - m);
      if (out != null) {
        out[oo + i] = e;
      }
      s += e;
    }
    return s;
  }

  // out[N,V] = softmax(x[N,V]) over V
  @Override
  public void softmax(Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array();
    int xo = x.offset(), oo = out.offset();
    ranges(
        rows,
        rowsPerTask(cols),
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int xi = xo + r * cols, oi = oo + r * cols;
            float m = rowMax(X, xi, cols);
            float s = expShifted(X, xi, m, O, oi, cols);
            int j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector.fromArray(F, O, oi + j).div(s).intoArray(O, oi + j);
            }
            for (; j < cols; j++) {
              O[oi + j] /= s;
            }
          }
        });
  }

  // out[N,V] = x − logsumexp(x) over V
  @Override
  public void logSoftmax(Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array();
    int xo = x.offset(), oo = out.offset();
    ranges(
        rows,
        rowsPerTask(cols),
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int xi = xo + r * cols, oi = oo + r * cols;
            float m = rowMax(X, xi, cols);
            float logS = (float) Math.log(expShifted(X, xi, m, null, 0, cols));
            int j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector.fromArray(F, X, xi + j).sub(m).sub(logS).intoArray(O, oi + j);
            }
            for (; j < cols; j++) {
              O[oi + j] = (X[xi + j] - m) - logS;
            }
          }
        });
  }

  // dx[N,V] (+)= y ⊙ (dy − Σ dy⊙y)
  @Override
  public void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
    Checks.sameSize(y, dy);
    Checks.sameSize(y, dx);
    int rows = y.rows(), cols = y.cols();
    float[] Y = y.array(), G = dy.array(), DX = dx.array();
    int yo = y.offset(), go = dy.offset(), xo = dx.offset();
    ranges(
        rows,
        rowsPerTask(cols),
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int yi = yo + r * cols, gi = go + r * cols, di = xo + r * cols;
            float dot = Simd.dot(Y, yi, G, gi, cols);
            int j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector g =
                  FloatVector.fromArray(F, G, gi + j)
                      .sub(dot)
                      .mul(FloatVector.fromArray(F, Y, yi + j));
              if (accumulate) {
                g = FloatVector.fromArray(F, DX, di + j).add(g);
              }
              g.intoArray(DX, di + j);
            }
            for (; j < cols; j++) {
              float g = Y[yi + j] * (G[gi + j] - dot);
              DX[di + j] = accumulate ? DX[di + j] + g : g;
            }
          }
        });
  }

  // ---------------------------------------------------------------- normalisation

  // out[N,C] = x · rstd · weight, rstd[N] = 1/sqrt(mean(x²) + eps)
  @Override
  public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array(), W = Simd.weightArray(weight);
    int xo = x.offset(), oo = out.offset();
    ranges(
        rows,
        rowsPerTask(cols),
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int xi = xo + r * cols, oi = oo + r * cols;
            float ss = Simd.dot(X, xi, X, xi, cols);
            float rs = (float) (1.0 / Math.sqrt(ss / cols + eps));
            if (rstd != null) {
              rstd.array()[rstd.offset() + r] = rs;
            }
            int j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector.fromArray(F, X, xi + j)
                  .mul(rs)
                  .mul(FloatVector.fromArray(F, W, j))
                  .intoArray(O, oi + j);
            }
            for (; j < cols; j++) {
              O[oi + j] = X[xi + j] * rs * W[j];
            }
          }
        });
  }

  // dx[N,C] (+)= rs·(g⊙w − x·rs²·mean(g⊙w⊙x)), dWeight[C] += Σ_n g⊙x·rs
  @Override
  public void rmsNormBackward(
      Tensor x,
      Tensor weight,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight) {
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), G = dy.array(), DX = dx.array(), RS = rstd.array();
    float[] W = Simd.weightArray(weight);
    int xo = x.offset(), go = dy.offset(), dxo = dx.offset(), ro = rstd.offset();
    int tasks = (rows + GRAD_ROWS - 1) / GRAD_ROWS;
    float[][] partial = dWeight == null ? null : new float[tasks][];
    Parallel.forEach(
        tasks,
        task -> {
          float[] dw = dWeight == null ? null : new float[cols];
          for (int r = task * GRAD_ROWS, end = Math.min(rows, r + GRAD_ROWS); r < end; r++) {
            rmsNormBackwardRow(
                X,
                xo + r * cols,
                G,
                go + r * cols,
                W,
                RS[ro + r],
                DX,
                dxo + r * cols,
                accumulate,
                dw,
                cols);
          }
          if (partial != null) {
            partial[task] = dw;
          }
        });
    if (partial != null) {
      addPartials(partial, dWeight);
    }
  }

  // one row: dx (+)= rs·(g⊙w − x·coef) with coef = rs²·Σ(g⊙w⊙x)/C, dw += g⊙x·rs; two sweeps
  // (the dot, then dx and dw together), g⊙w recomputed instead of kept in a temporary row
  private static void rmsNormBackwardRow(
      float[] X,
      int xi,
      float[] G,
      int gi,
      float[] W,
      float rs,
      float[] DX,
      int di,
      boolean accumulate,
      float[] dw,
      int cols) {
    float coef = rs * rs * dotOfProduct(G, gi, W, X, xi, cols) / cols;
    int j = 0;
    for (; j + L <= cols; j += L) {
      FloatVector g = FloatVector.fromArray(F, G, gi + j);
      FloatVector x = FloatVector.fromArray(F, X, xi + j);
      FloatVector d = g.mul(FloatVector.fromArray(F, W, j)).sub(x.mul(coef)).mul(rs);
      if (accumulate) {
        d = FloatVector.fromArray(F, DX, di + j).add(d);
      }
      d.intoArray(DX, di + j);
      if (dw != null) {
        g.mul(x).mul(rs).add(FloatVector.fromArray(F, dw, j)).intoArray(dw, j);
      }
    }
    for (; j < cols; j++) {
      float d = rs * (G[gi + j] * W[j] - X[xi + j] * coef);
      DX[di + j] = accumulate ? DX[di + j] + d : d;
      if (dw != null) {
        dw[j] += G[gi + j] * X[xi + j] * rs;
      }
    }
  }

  /** Σ (g[gi+i]·w[i])·x[xi+i] for i < n: as {@link Simd#dot} of the product row g⊙w and x. */
  static float dotOfProduct(float[] g, int gi, float[] w, float[] x, int xi, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
    int i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
      acc0 =
          FloatVector.fromArray(F, g, gi + i)
              .mul(FloatVector.fromArray(F, w, i))
              .fma(FloatVector.fromArray(F, x, xi + i), acc0);
      acc1 =
          FloatVector.fromArray(F, g, gi + i + L)
              .mul(FloatVector.fromArray(F, w, i + L))
              .fma(FloatVector.fromArray(F, x, xi + i + L), acc1);
    }
    for (; i + L <= n; i += L) {
      acc0 =
          FloatVector.fromArray(F, g, gi + i)
              .mul(FloatVector.fromArray(F, w, i))
              .fma(FloatVector.fromArray(F, x, xi + i), acc0);
    }
    float s = Simd.sum(acc0.add(acc1));
    for (; i < n; i++) {
      s += (g[gi + i] * w[i]) * x[xi + i];
    }
    return s;
  }

  /** target += Σ partial[t] in task order. */
  private static void addPartials(float[][] partial, Tensor target) {
    float[] T = target.array();
    int to = target.offset(), n = target.size();
    for (float[] p : partial) {
      lanes(true, T, to, p, 0, T, to, n);
    }
  }

  // out[N,C] = (x − mean)·rstd·weight + bias
  @Override
  public void layerNorm(
      Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array(), W = Simd.weightArray(weight);
    float[] Bi = bias == null ? null : Simd.weightArray(bias);
    int xo = x.offset(), oo = out.offset();
    ranges(
        rows,
        rowsPerTask(cols),
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int xi = xo + r * cols, oi = oo + r * cols;
            float mu = rowSum(X, xi, cols) / cols;
            FloatVector acc = FloatVector.zero(F);
            int j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector d = FloatVector.fromArray(F, X, xi + j).sub(mu);
              acc = d.fma(d, acc);
            }
            float var = Simd.sum(acc);
            for (; j < cols; j++) {
              float d = X[xi + j] - mu;
              var += d * d;
            }
            var /= cols;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            if (mean != null) {
              mean.array()[mean.offset() + r] = mu;
            }
            if (rstd != null) {
              rstd.array()[rstd.offset() + r] = rs;
            }
            j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector y =
                  FloatVector.fromArray(F, X, xi + j)
                      .sub(mu)
                      .mul(rs)
                      .mul(FloatVector.fromArray(F, W, j));
              if (Bi != null) {
                y = y.add(FloatVector.fromArray(F, Bi, j));
              }
              y.intoArray(O, oi + j);
            }
            for (; j < cols; j++) {
              float y = (X[xi + j] - mu) * rs * W[j];
              O[oi + j] = Bi == null ? y : y + Bi[j];
            }
          }
        });
  }

  static float rowSum(float[] x, int xo, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i + L <= n; i += L) {
      acc = acc.add(FloatVector.fromArray(F, x, xo + i));
    }
    float s = Simd.sum(acc);
    for (; i < n; i++) {
      s += x[xo + i];
    }
    return s;
  }

  // dx (+)= rs·(g⊙w − mean(g⊙w) − x̂·mean(g⊙w⊙x̂)); dWeight += Σ g⊙x̂; dBias += Σ g
  @Override
  public void layerNormBackward(
      Tensor x,
      Tensor weight,
      Tensor mean,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight,
      Tensor dBias) {
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), G = dy.array(), DX = dx.array(), W = Simd.weightArray(weight);
    float[] MU = mean.array(), RS = rstd.array();
    int xo = x.offset(), go = dy.offset(), dxo = dx.offset(), mo = mean.offset();
    int ro = rstd.offset();
    int tasks = (rows + GRAD_ROWS - 1) / GRAD_ROWS;
    float[][] pw = dWeight == null ? null : new float[tasks][];
    float[][] pb = dBias == null ? null : new float[tasks][];
    Parallel.forEach(
        tasks,
        task -> {
          float[] gw = new float[cols], xhat = new float[cols];
          float[] dw = pw == null ? null : new float[cols];
          float[] db = pb == null ? null : new float[cols];
          for (int r = task * GRAD_ROWS, end = Math.min(rows, r + GRAD_ROWS); r < end; r++) {
            int xi = xo + r * cols, gi = go + r * cols, di = dxo + r * cols;
            float mu = MU[mo + r], rs = RS[ro + r];
            int j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector.fromArray(F, X, xi + j).sub(mu).mul(rs).intoArray(xhat, j);
            }
            for (; j < cols; j++) {
              xhat[j] = (X[xi + j] - mu) * rs;
            }
            lanes(false, G, gi, W, 0, gw, 0, cols);
            float meanG = rowSum(gw, 0, cols) / cols;
            float meanGX = Simd.dot(gw, 0, xhat, 0, cols) / cols;
            j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector g =
                  FloatVector.fromArray(F, gw, j)
                      .sub(meanG)
                      .sub(FloatVector.fromArray(F, xhat, j).mul(meanGX))
                      .mul(rs);
              if (accumulate) {
                g = FloatVector.fromArray(F, DX, di + j).add(g);
              }
              g.intoArray(DX, di + j);
            }
            for (; j < cols; j++) {
              float g = rs * (gw[j] - meanG - xhat[j] * meanGX);
              DX[di + j] = accumulate ? DX[di + j] + g : g;
            }
            if (dw != null) {
              int k = 0;
              for (; k + L <= cols; k += L) {
                FloatVector.fromArray(F, G, gi + k)
                    .fma(FloatVector.fromArray(F, xhat, k), FloatVector.fromArray(F, dw, k))
                    .intoArray(dw, k);
              }
              for (; k < cols; k++) {
                dw[k] += G[gi + k] * xhat[k];
              }
            }
            if (db != null) {
              lanes(true, db, 0, G, gi, db, 0, cols);
            }
          }
          if (pw != null) {
            pw[task] = dw;
          }
          if (pb != null) {
            pb[task] = db;
          }
        });
    if (pw != null) {
      addPartials(pw, dWeight);
    }
    if (pb != null) {
      addPartials(pb, dBias);
    }
  }

  // ---------------------------------------------------------------- positions

  // x[N,H,D] rotated in place by the angle of positions[N] (HF rotate-half)
  @Override
  public void rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
    rope(x, x, positions, table, inverse);
  }

  // out[N,H,D] = x rotated by the angle of positions[N]; out may be x (each pair is read before
  // it is written)
  @Override
  public void rope(Tensor x, Tensor out, int[] positions, RopeTable table, boolean inverse) {
    int d = x.dim(-1), heads = x.dim(-2), rows = x.size() / (heads * d), half = d / 2;
    if (d != table.headDim() || positions.length != rows) {
      throw new IllegalArgumentException(
          "rope on "
              + x
              + " with "
              + positions.length
              + " positions and head dim "
              + table.headDim());
    }
    Checks.sameSize(x, out);
    for (int p : positions) {
      if (p < 0 || p >= table.maxPositions()) {
        throw new IndexOutOfBoundsException(
            "position " + p + " outside the RoPE table of " + table.maxPositions());
      }
    }
    float[] X = x.array(), O = out.array(), COS = table.cosTable(), SIN = table.sinTable();
    int xo = x.offset(), oo = out.offset();
    float sign = inverse ? -1f : 1f;
    ranges(
        rows,
        rowsPerTask(heads * d),
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int t = positions[r] * half;
            for (int h = 0; h < heads; h++) {
              int at = (r * heads + h) * d, xb = xo + at, ob = oo + at;
              int i = 0;
              for (; i + L <= half; i += L) {
                FloatVector c = FloatVector.fromArray(F, COS, t + i);
                FloatVector s = FloatVector.fromArray(F, SIN, t + i).mul(sign);
                FloatVector x1 = FloatVector.fromArray(F, X, xb + i);
                FloatVector x2 = FloatVector.fromArray(F, X, xb + i + half);
                x1.mul(c).sub(x2.mul(s)).intoArray(O, ob + i);
                x2.mul(c).add(x1.mul(s)).intoArray(O, ob + i + half);
              }
              for (; i < half; i++) {
                float c = COS[t + i], s = sign * SIN[t + i];
                float x1 = X[xb + i], x2 = X[xb + i + half];
                O[ob + i] = x1 * c - x2 * s;
                O[ob + i + half] = x2 * c + x1 * s;
              }
            }
          }
        });
  }

  // out[N,C] = table[ids[N], C]
  @Override
  public void embedding(Tensor table, int[] ids, Tensor out) {
    Checks.embedding(table, ids, out);
    int c = table.dim(1);
    float[] O = out.array();
    int oo = out.offset();
    ranges(
        ids.length,
        rowsPerTask(c),
        (n0, n1) -> {
          for (int n = n0; n < n1; n++) {
            Simd.decode(table, (long) ids[n] * c, O, oo + n * c, c);
          }
        });
  }

  // dTable[ids[n], C] += dy[n, C]: column chunks in parallel, ids in order (no races, fixed order)
  @Override
  public void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
    int c = dTable.dim(1);
    float[] G = dy.array(), T = dTable.array();
    int go = dy.offset(), to = dTable.offset();
    ranges(
        c,
        Math.max(L, 256),
        (j0, j1) -> {
          for (int n = 0; n < ids.length; n++) {
            int at = to + ids[n] * c + j0;
            lanes(true, T, at, G, go + n * c + j0, T, at, j1 - j0);
          }
        });
  }

  // ---------------------------------------------------------------- loss

  // Σ_n −log softmax(logits[n,V])[target[n]]; dLogits = gradScale·(softmax − onehot)
  @Override
  public double crossEntropy(
      Tensor logits, int[] targets, int ignoreIndex, Tensor dLogits, float gradScale) {
    int rows = logits.rows(), v = logits.cols();
    if (targets.length != rows) {
      throw new IllegalArgumentException(targets.length + " targets for " + rows + " rows");
    }
    for (int target : targets) {
      if (target != ignoreIndex && (target < 0 || target >= v)) {
        throw new IndexOutOfBoundsException("target " + target + " outside vocabulary of " + v);
      }
    }
    float[] Lg = logits.array();
    int lo = logits.offset();
    float[] Dg = dLogits == null ? null : dLogits.array();
    int dgo = dLogits == null ? 0 : dLogits.offset();
    double[] loss = new double[rows];
    Parallel.forEach(
        rows,
        r -> {
          int li = lo + r * v;
          if (targets[r] == ignoreIndex) {
            if (Dg != null) {
              Arrays.fill(Dg, dgo + r * v, dgo + (r + 1) * v, 0f);
            }
            return;
          }
          int tj = targets[r];
          float targetLogit = Lg[li + tj]; // read before dLogits (maybe the logits) is written
          float m = rowMax(Lg, li, v);
          if (Dg == null) {
            loss[r] = m + Math.log(expSumWide(Lg, li, m, v)) - targetLogit;
            return;
          }
          // one exponential per element: e = exp(x − m) is stored in dLogits while it is summed,
          // then scaled by gradScale/s in place (the row is still in the core's cache)
          int di = dgo + r * v;
          double s = expStoreSumWide(Lg, li, m, Dg, di, v);
          loss[r] = m + Math.log(s) - targetLogit;
          scaleRow(Dg, di, (float) (gradScale / s), v);
          // the target's p − 1 from p = exp((x − m) − log s): the exact shift by the float m
          // keeps the small part of lse, so p − 1 stays accurate when p is close to 1
          float logS = (float) Math.log(s);
          Dg[di + tj] = gradScale * ((float) Math.exp((targetLogit - m) - logS) - 1f);
        });
    double total = 0;
    for (double l : loss) {
      total += l;
    }
    return total;
  }

  // The two row loops of the cross-entropy are separate small methods on purpose: inlined into one
  // lambda, C2 ran out of inlining budget before the second Simd.exp and fell back to the Vector
  // API's Java implementation (boxed vectors: ~20x slower, 0.3 GB of garbage per step).

  // Both use Simd.expNormal: x − m ≤ 0, and a term below e^−87 (~1e-38 of the largest, which is 1)
  // counts as e^−87 instead of less, far below the float resolution of the sum or of any p.

  /** Σ exp(x[xo+i] − m) for i < n, summed in double lanes (a vocabulary row is long). */
  static double expSumWide(float[] x, int xo, float m, int n) {
    DoubleVector acc = DoubleVector.zero(D);
    int j = 0;
    for (; j + L <= n; j += L) {
      acc = addWidened(acc, Simd.expNormal(FloatVector.fromArray(F, x, xo + j).sub(m)));
    }
    double s = Simd.sum(acc);
    for (; j < n; j++) {
      s += Math.exp(x[xo + j] - m);
    }
    return s;
  }

  /**
   * out[oo+i] = exp(x[xo+i] − m) for i < n (out may be x at the same place); returns their sum,
   * accumulated in double lanes like {@link #expSumWide}.
   */
  static double expStoreSumWide(float[] x, int xo, float m, float[] out, int oo, int n) {
    DoubleVector acc = DoubleVector.zero(D);
    int j = 0;
    for (; j + L <= n; j += L) {
      FloatVector e = Simd.expNormal(FloatVector.fromArray(F, x, xo + j).sub(m));
      e.intoArray(out, oo + j);
      acc = addWidened(acc, e);
    }
    double s = Simd.sum(acc);
    for (; j < n; j++) {
      float e = (float) Math.exp(x[xo + j] - m);
      out[oo + j] = e;
      s += e;
    }
    return s;
  }

  /** x[xo+i] *= a for i < n. */
  static void scaleRow(float[] x, int xo, float a, int n) {
    int j = 0;
    for (; j + L <= n; j += L) {
      FloatVector.fromArray(F, x, xo + j).mul(a).intoArray(x, xo + j);
    }
    for (; j < n; j++) {
      x[xo + j] *= a;
    }
  }

  // ---------------------------------------------------------------- attention

  @Override
  public void attention(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    CpuAttention.forward(q, k, v, mask, scale, out, lse);
  }

  /** The straightforward attention (one full score row per query), whatever the length. */
  public void attentionDirect(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    CpuAttention.direct(q, k, v, mask, scale, out, lse);
  }

  /** The fused flash-style attention (online softmax over key tiles), whatever the length. */
  public void attentionFlash(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    CpuAttention.flash(q, k, v, mask, scale, out, lse);
  }

  @Override
  public void attentionBackward(
      Tensor q,
      Tensor k,
      Tensor v,
      AttentionMask mask,
      float scale,
      Tensor out,
      Tensor lse,
      Tensor dOut,
      Tensor dq,
      Tensor dk,
      Tensor dv) {
    CpuAttention.backward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
  }
}
