package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Reductions.addWidened;
import static org.peftbench.tensor.backend.cpu.Simd.D;
import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;
import static org.peftbench.tensor.backend.cpu.Tasks.ranges;
import static org.peftbench.tensor.backend.cpu.Tasks.rowsPerTask;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;

/**
 * Row softmax / log-softmax and their backward, and the fused cross-entropy loss with its gradient;
 * the row helpers ({@link #rowMax}, {@link #expShifted}) are shared with the attention kernels.
 */
final class SoftmaxLoss {
  private SoftmaxLoss() {}

  static float rowMax(float[] x, int xo, int n) {
    FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      acc = acc.blend(v, acc.compare(VectorOperators.LT, v)); // see AttentionSlivers.maskedMax
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
  static void softmax(Tensor x, Tensor out) {
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
  static void logSoftmax(Tensor x, Tensor out) {
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
  static void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
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

  // Σ_n −log softmax(logits[n,V])[target[n]]; dLogits = gradScale·(softmax − onehot)
  static double crossEntropy(
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
}
