package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;

/**
 * The two products of a LoRA layer's backward that read the output gradient dY, in one pass over
 * it:
 *
 * <pre>
 *   dxs[M,R]  = s · dY[M,N] · B[N,R]     (the gradient reaching xs = s·x·Aᵀ, before A)
 *   dB[N,R]  += dY[M,N]ᵀ · xs[M,R]
 * </pre>
 *
 * <p>Why fused: each is a thin product (R = 16 columns) whose cost is reading dY, which is as large
 * as the layer's output; two separate GEMMs read it twice and each spends one broadcast of a dY
 * value per multiply-add. Here one broadcast of {@code dY[i,n]} feeds two multiply-adds: into row i
 * of dxs (held in a register across the whole row) and into row n of dB (held in a register across
 * eight rows of dY).
 *
 * <p>Determinism: rows of dY are cut into blocks of {@link #ROWS_PER_PARTIAL}, a size that depends
 * on nothing but M; each block's dB contribution goes to its own partial, and the partials are
 * added to dB in block order. So any thread count gives the same bits.
 *
 * <p>Handles R a whole number of vectors up to 64 (16, 32, 48, 64 with AVX-512); {@link #supports}
 * says when, and the caller falls back to two {@link Backend#matmul} calls otherwise.
 */
final class LowRankBackward {
  private LowRankBackward() {}

  /** Rows of dY per task and per dB partial. */
  static final int ROWS_PER_PARTIAL = 64;

  /** Rows of dY per register tile. */
  private static final int TILE_ROWS = 8;

  /**
   * Largest R handled: each vector of columns is one pass over dY (a register tile holds eight rows
   * of xs, one vector each), so a wider R would read dY too many times.
   */
  static final int MAX_R = 64;

  private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[0]);

  /** Whether {@link #run} handles these operands (all heap F32, R a whole number of vectors). */
  static boolean supports(Tensor dy, Tensor b, Tensor xs, Tensor dxs, Tensor db) {
    int r = xs.dim(1);
    return r % L == 0
        && r <= MAX_R
        && dy.isHeapF32()
        && b.isHeapF32()
        && xs.isHeapF32()
        && dxs.isHeapF32()
        && db.isHeapF32();
  }

  // dy [M,N], b [N,R], xs [M,R], dxs [M,R] (overwritten), db [N,R] (accumulated)
  static void run(Tensor dy, Tensor b, Tensor xs, float s, Tensor dxs, Tensor db) {
    int m = dy.dim(0), n = dy.dim(1), r = xs.dim(1);
    int blocks = (m + ROWS_PER_PARTIAL - 1) / ROWS_PER_PARTIAL;
    int groups = r / L;
    long partialFloats = (long) n * L;
    long total = blocks * partialFloats;
    if (total > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("lowRankBackward: dB partials too large: " + total);
    }
    float[] partials = PARTIALS.get();
    if (partials.length < total) {
      partials = new float[(int) total];
      PARTIALS.set(partials);
    }
    float[] dyA = dy.array(), bA = b.array(), xsA = xs.array(), dxsA = dxs.array();
    int dyo = dy.offset(), bo = b.offset(), xso = xs.offset(), dxso = dxs.offset();
    float[] part = partials;
    for (int g = 0; g < groups; g++) {
      int col = g * L;
      Parallel.forEach(
          blocks,
          blk -> {
            int i0 = blk * ROWS_PER_PARTIAL, i1 = Math.min(m, i0 + ROWS_PER_PARTIAL);
            int po = (int) (blk * partialFloats);
            Arrays.fill(part, po, po + (int) partialFloats, 0f);
            for (int i = i0; i < i1; i += TILE_ROWS) {
              tile(
                  dyA,
                  dyo,
                  n,
                  i,
                  Math.min(TILE_ROWS, i1 - i),
                  bA,
                  bo + col,
                  r,
                  xsA,
                  xso + col,
                  dxsA,
                  dxso + col,
                  s,
                  part,
                  po);
            }
          });
      // dB[:, col..col+L) += Σ_blk partial[blk], blocks in order; rows of dB split over the pool
      float[] dbA = db.array();
      int dbo = db.offset() + col;
      int chunk = 64;
      Parallel.forEach(
          (n + chunk - 1) / chunk,
          task -> {
            for (int row = task * chunk, end = Math.min(n, row + chunk); row < end; row++) {
              FloatVector sum = FloatVector.fromArray(F, part, row * L);
              for (int blk = 1; blk < blocks; blk++) {
                sum =
                    sum.add(FloatVector.fromArray(F, part, (int) (blk * partialFloats) + row * L));
              }
              int at = dbo + row * r;
              sum.add(FloatVector.fromArray(F, dbA, at)).intoArray(dbA, at);
            }
          });
    }
  }

  /**
   * Rows {@code [i, i+rows)} of dY (rows ≤ 8) against one vector of columns: dxs rows = s·dY·B, and
   * partial[n] += Σ_t dY[i+t, n]·xs[i+t]. Missing rows (rows < 8) read the last row of dY against a
   * zero xs, so they add nothing to dB, and are not stored into dxs.
   */
  private static void tile(
      float[] dy,
      int dyo,
      int n,
      int i,
      int rows,
      float[] B,
      int bo,
      int ldb,
      float[] xs,
      int xso,
      float[] dxs,
      int dxso,
      float s,
      float[] part,
      int po) {
    int ldx = ldb; // xs, dxs and B all have R columns
    int y0 = dyo + i * n;
    int y1 = y0 + Math.min(1, rows - 1) * n, y2 = y0 + Math.min(2, rows - 1) * n;
    int y3 = y0 + Math.min(3, rows - 1) * n, y4 = y0 + Math.min(4, rows - 1) * n;
    int y5 = y0 + Math.min(5, rows - 1) * n, y6 = y0 + Math.min(6, rows - 1) * n;
    int y7 = y0 + Math.min(7, rows - 1) * n;
    int x0 = xso + i * ldx;
    FloatVector zero = FloatVector.zero(F);
    FloatVector s0 = FloatVector.fromArray(F, xs, x0);
    FloatVector s1 = rows > 1 ? FloatVector.fromArray(F, xs, x0 + ldx) : zero;
    FloatVector s2 = rows > 2 ? FloatVector.fromArray(F, xs, x0 + 2 * ldx) : zero;
    FloatVector s3 = rows > 3 ? FloatVector.fromArray(F, xs, x0 + 3 * ldx) : zero;
    FloatVector s4 = rows > 4 ? FloatVector.fromArray(F, xs, x0 + 4 * ldx) : zero;
    FloatVector s5 = rows > 5 ? FloatVector.fromArray(F, xs, x0 + 5 * ldx) : zero;
    FloatVector s6 = rows > 6 ? FloatVector.fromArray(F, xs, x0 + 6 * ldx) : zero;
    FloatVector s7 = rows > 7 ? FloatVector.fromArray(F, xs, x0 + 7 * ldx) : zero;
    FloatVector c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero;
    FloatVector c7 = zero;
    for (int p = 0; p < n; p++) {
      FloatVector bp = FloatVector.fromArray(F, B, bo + p * ldb);
      int pa = po + p * L;
      // two chains into row p of the partial (rows 0-3 and 4-7), so the multiply-adds into it do
      // not wait on each other's latency
      FloatVector e = FloatVector.fromArray(F, part, pa), f = zero;
      FloatVector d = FloatVector.broadcast(F, dy[y0 + p]);
      c0 = d.fma(bp, c0);
      e = d.fma(s0, e);
      d = FloatVector.broadcast(F, dy[y4 + p]);
      c4 = d.fma(bp, c4);
      f = d.fma(s4, f);
      d = FloatVector.broadcast(F, dy[y1 + p]);
      c1 = d.fma(bp, c1);
      e = d.fma(s1, e);
      d = FloatVector.broadcast(F, dy[y5 + p]);
      c5 = d.fma(bp, c5);
      f = d.fma(s5, f);
      d = FloatVector.broadcast(F, dy[y2 + p]);
      c2 = d.fma(bp, c2);
      e = d.fma(s2, e);
      d = FloatVector.broadcast(F, dy[y6 + p]);
      c6 = d.fma(bp, c6);
      f = d.fma(s6, f);
      d = FloatVector.broadcast(F, dy[y3 + p]);
      c3 = d.fma(bp, c3);
      e = d.fma(s3, e);
      d = FloatVector.broadcast(F, dy[y7 + p]);
      c7 = d.fma(bp, c7);
      f = d.fma(s7, f);
      e.add(f).intoArray(part, pa);
    }
    // written out row by row: vectors passed to a helper would be boxed when it is not inlined
    int o = dxso + i * ldx;
    c0.mul(s).intoArray(dxs, o);
    if (rows > 1) {
      c1.mul(s).intoArray(dxs, o + ldx);
    }
    if (rows > 2) {
      c2.mul(s).intoArray(dxs, o + 2 * ldx);
    }
    if (rows > 3) {
      c3.mul(s).intoArray(dxs, o + 3 * ldx);
    }
    if (rows > 4) {
      c4.mul(s).intoArray(dxs, o + 4 * ldx);
    }
    if (rows > 5) {
      c5.mul(s).intoArray(dxs, o + 5 * ldx);
    }
    if (rows > 6) {
      c6.mul(s).intoArray(dxs, o + 6 * ldx);
    }
    if (rows > 7) {
      c7.mul(s).intoArray(dxs, o + 7 * ldx);
    }
  }
}
