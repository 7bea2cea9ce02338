package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Elementwise.lanes;
import static org.peftbench.tensor.backend.cpu.Simd.D;
import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;
import static org.peftbench.tensor.backend.cpu.Tasks.CHUNK;
import static org.peftbench.tensor.backend.cpu.Tasks.ranges;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;

/**
 * Whole-tensor reductions (sum, sum of squares, max) and the column sums of {@code sumLeading};
 * sums accumulate in double lanes, chunk by chunk, chunks added in order.
 */
final class Reductions {
  private Reductions() {}

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
  static DoubleVector addWidened(DoubleVector acc, FloatVector v) {
    return acc.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0))
        .add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1));
  }

  static double sum(Tensor x) {
    return chunkedSum(x, false);
  }

  static double sumOfSquares(Tensor x) {
    return chunkedSum(x, true);
  }

  static float max(Tensor x) {
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
  static void sumLeading(Tensor x, Tensor out, boolean accumulate) {
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
}
