package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Elementwise.lanes;
import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;
import static org.peftbench.tensor.backend.cpu.Tasks.ranges;
import static org.peftbench.tensor.backend.cpu.Tasks.rowsPerTask;

import jdk.incubator.vector.FloatVector;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.RopeTable;

/** Rotary position embedding (forward and inverse) and the embedding lookup with its backward. */
final class RopeEmbedding {
  private RopeEmbedding() {}

  // x[N,H,D] rotated in place by the angle of positions[N] (HF rotate-half)
  static void rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
    rope(x, x, positions, table, inverse);
  }

  // out[N,H,D] = x rotated by the angle of positions[N]; out may be x (each pair is read before
  // it is written)
  static void rope(Tensor x, Tensor out, int[] positions, RopeTable table, boolean inverse) {
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
              int at = (r * heads + h) * d;
              rotateHead(X, xo + at, O, oo + at, COS, SIN, t, half, sign);
            }
          }
        });
  }

  /**
   * One head: {@code out[ob..ob+2·half) = x[xb..)} rotated by the table row at {@code t} (HF
   * rotate-half, {@code sign} −1 for the inverse); out may be x (each pair is read before written).
   */
  static void rotateHead(
      float[] X, int xb, float[] O, int ob, float[] COS, float[] SIN, int t, int half, float sign) {
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

  // out[N,C] = table[ids[N], C]
  static void embedding(Tensor table, int[] ids, Tensor out) {
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
  static void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
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
}
