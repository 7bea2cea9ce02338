package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * A register tile narrower than {@link Gemm}'s: one to three vectors of columns instead of a full
 * panel of {@link GemmTiles#NR}. For the diagonal of attention's causal score blocks, where a group
 * of queries sees only the first few vectors of keys of the last panel: the GEMM micro-kernel would
 * compute the whole panel and drop most of it.
 *
 * <pre>
 *   C[rows, w] = A[rows, K] · Bpanel[K, w]     rows ≤ MR, w ≤ vecs·L, vecs ∈ {1, 2, 3}
 *   A[r, p] = A[a0 + r·ars + p]  (rows of A in place, depths contiguous)
 *   B[p, j] = B[bo + p·NR + j]   (a panel packed by GemmLocal.packWhole)
 *   C[r, j] = C[co + r·ldc + j]
 * </pre>
 *
 * Depths are summed in order with one fused multiply-add each, as in {@link Gemm}'s tile.
 */
final class AttentionGemm {
  private AttentionGemm() {}

  static void narrow(
      int vecs,
      int rows,
      int w,
      int k,
      float[] A,
      int a0,
      int ars,
      float[] B,
      int bo,
      float[] C,
      int co,
      int ldc) {
    if (vecs < 1 || vecs > 3 || rows < 1 || rows > GemmTiles.MR || w > vecs * L) {
      throw new IllegalArgumentException(
          "narrow tile of " + rows + " rows, " + vecs + " vectors, " + w + " columns");
    }
    // rows past `rows` repeat the last row (their results are not stored)
    int a1 = a0 + Math.min(1, rows - 1) * ars;
    int a2 = a0 + Math.min(2, rows - 1) * ars;
    int a3 = a0 + Math.min(3, rows - 1) * ars;
    FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00;
    if (vecs == 1) {
      for (int p = 0, bi = bo; p < k; p++, bi += GemmTiles.NR) {
        FloatVector b0 = FloatVector.fromArray(F, B, bi);
        c00 = b0.fma(FloatVector.broadcast(F, A[a0 + p]), c00);
        c10 = b0.fma(FloatVector.broadcast(F, A[a1 + p]), c10);
        c20 = b0.fma(FloatVector.broadcast(F, A[a2 + p]), c20);
        c30 = b0.fma(FloatVector.broadcast(F, A[a3 + p]), c30);
      }
    } else if (vecs == 2) {
      for (int p = 0, bi = bo; p < k; p++, bi += GemmTiles.NR) {
        FloatVector b0 = FloatVector.fromArray(F, B, bi);
        FloatVector b1 = FloatVector.fromArray(F, B, bi + L);
        FloatVector x = FloatVector.broadcast(F, A[a0 + p]);
        c00 = b0.fma(x, c00);
        c01 = b1.fma(x, c01);
        x = FloatVector.broadcast(F, A[a1 + p]);
        c10 = b0.fma(x, c10);
        c11 = b1.fma(x, c11);
        x = FloatVector.broadcast(F, A[a2 + p]);
        c20 = b0.fma(x, c20);
        c21 = b1.fma(x, c21);
        x = FloatVector.broadcast(F, A[a3 + p]);
        c30 = b0.fma(x, c30);
        c31 = b1.fma(x, c31);
      }
    } else {
      for (int p = 0, bi = bo; p < k; p++, bi += GemmTiles.NR) {
        FloatVector b0 = FloatVector.fromArray(F, B, bi);
        FloatVector b1 = FloatVector.fromArray(F, B, bi + L);
        FloatVector b2 = FloatVector.fromArray(F, B, bi + 2 * L);
        FloatVector x = FloatVector.broadcast(F, A[a0 + p]);
        c00 = b0.fma(x, c00);
        c01 = b1.fma(x, c01);
        c02 = b2.fma(x, c02);
        x = FloatVector.broadcast(F, A[a1 + p]);
        c10 = b0.fma(x, c10);
        c11 = b1.fma(x, c11);
        c12 = b2.fma(x, c12);
        x = FloatVector.broadcast(F, A[a2 + p]);
        c20 = b0.fma(x, c20);
        c21 = b1.fma(x, c21);
        c22 = b2.fma(x, c22);
        x = FloatVector.broadcast(F, A[a3 + p]);
        c30 = b0.fma(x, c30);
        c31 = b1.fma(x, c31);
        c32 = b2.fma(x, c32);
      }
    }
    store(c00, c01, c02, C, co, w);
    if (rows > 1) {
      store(c10, c11, c12, C, co + ldc, w);
    }
    if (rows > 2) {
      store(c20, c21, c22, C, co + 2 * ldc, w);
    }
    if (rows > 3) {
      store(c30, c31, c32, C, co + 3 * ldc, w);
    }
  }

  /** The first {@code w} columns of one row of the tile. */
  private static void store(
      FloatVector v0, FloatVector v1, FloatVector v2, float[] C, int at, int w) {
    part(v0, C, at, w);
    if (w > L) {
      part(v1, C, at + L, w - L);
    }
    if (w > 2 * L) {
      part(v2, C, at + 2 * L, w - 2 * L);
    }
  }

  private static void part(FloatVector v, float[] C, int at, int w) {
    if (w >= L) {
      v.intoArray(C, at);
    } else {
      VectorMask<Float> m = F.indexInRange(0, w);
      v.intoArray(C, at, m);
    }
  }
}
