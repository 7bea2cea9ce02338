package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.GemmTiles.ceilDiv;
import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;

/**
 * GEMM for a narrow C (at most {@link #NARROW_MAX_N} columns: a LoRA rank): a tile of {@link
 * #NARROW_ROWS} rows × one vector per column group, A read in place, so no 64-column tile is left
 * mostly empty.
 */
final class GemmNarrow {
  private GemmNarrow() {}

  /** Rows of the narrow register tile. */
  static final int NARROW_ROWS = 8;

  /** Widest C that takes the narrow path (column groups of one vector each). */
  static final int NARROW_MAX_N = 2 * L;

  /**
   * {@code C[M,N] (+)= op(A)[M,K] · op(B)[K,N]} for N of at most two vectors, the rank-r products
   * of LoRA ({@code x·Aᵀ}, {@code dY·B}, {@code dYᵀ·xs}). Packing A would cost as much as the
   * product itself here (each A value is used only N times), so A is read in place and only op(B)
   * ([K, N], small) is packed, one vector of columns per depth.
   */
  static void narrow(
      Tensor a,
      boolean transA,
      Tensor b,
      boolean transB,
      Tensor c,
      int m,
      int n,
      int k,
      boolean accumulate) {
    int groups = ceilDiv(n, L);
    // packedB[(g·K + p)·L + j] = op(B)[p, g·L + j], zero past N
    float[] packed = new float[groups * k * L];
    float[] row = new float[transB ? k : n];
    if (transB) {
      for (int j = 0; j < n; j++) {
        Simd.decode(b, (long) j * k, row, 0, k);
        for (int p = 0, at = (j / L * k) * L + j % L; p < k; p++, at += L) {
          packed[at] = row[p];
        }
      }
    } else {
      for (int p = 0; p < k; p++) {
        Simd.decode(b, (long) p * n, row, 0, n);
        for (int j = 0; j < n; j++) {
          packed[(j / L * k + p) * L + j % L] = row[j];
        }
      }
    }
    float[] A = a.array(), C = c.array();
    int ao = a.offset(), co = c.offset();
    int rowStride = transA ? 1 : k, depthStride = transA ? m : 1;
    // the column mask of each group, built once (building one per tile costs as much as the tile)
    @SuppressWarnings("unchecked")
    VectorMask<Float>[] masks = new VectorMask[groups];
    for (int g = 0; g < groups; g++) {
      masks[g] = F.indexInRange(0, Math.min(L, n - g * L));
    }
    int tiles = ceilDiv(m, NARROW_ROWS), tasks = Math.min(tiles, 4 * Parallel.threads());
    int tilesPerTask = ceilDiv(tiles, tasks);
    Parallel.forEach(
        ceilDiv(tiles, tilesPerTask),
        task -> {
          int t1 = Math.min(tiles, (task + 1) * tilesPerTask);
          for (int t = task * tilesPerTask; t < t1; t++) {
            int i = t * NARROW_ROWS;
            for (int g = 0; g < groups; g++) {
              narrowKernel(
                  A,
                  ao + i * rowStride,
                  rowStride,
                  depthStride,
                  Math.min(NARROW_ROWS, m - i),
                  packed,
                  g * k * L,
                  k,
                  C,
                  co + i * n + g * L,
                  n,
                  masks[g],
                  accumulate);
            }
          }
        });
  }

  /**
   * {@code C[rows, cols] (+)= A[rows, K] · Bpanel[K, L]}: eight rows of C, one vector of columns,
   * eight independent accumulators (enough to cover the FMA latency). Rows past {@code rows} repeat
   * the last valid row of A and are not stored.
   */
  private static void narrowKernel(
      float[] A,
      int a0,
      int rowStride,
      int depthStride,
      int rows,
      float[] B,
      int bo,
      int k,
      float[] C,
      int co,
      int ldc,
      VectorMask<Float> cols,
      boolean load) {
    int a1 = a0 + Math.min(1, rows - 1) * rowStride, a2 = a0 + Math.min(2, rows - 1) * rowStride;
    int a3 = a0 + Math.min(3, rows - 1) * rowStride, a4 = a0 + Math.min(4, rows - 1) * rowStride;
    int a5 = a0 + Math.min(5, rows - 1) * rowStride, a6 = a0 + Math.min(6, rows - 1) * rowStride;
    int a7 = a0 + Math.min(7, rows - 1) * rowStride;
    FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0;
    FloatVector c7 = c0;
    for (int p = 0, at = 0, bi = bo; p < k; p++, at += depthStride, bi += L) {
      FloatVector bv = FloatVector.fromArray(F, B, bi);
      c0 = bv.fma(FloatVector.broadcast(F, A[a0 + at]), c0);
      c1 = bv.fma(FloatVector.broadcast(F, A[a1 + at]), c1);
      c2 = bv.fma(FloatVector.broadcast(F, A[a2 + at]), c2);
      c3 = bv.fma(FloatVector.broadcast(F, A[a3 + at]), c3);
      c4 = bv.fma(FloatVector.broadcast(F, A[a4 + at]), c4);
      c5 = bv.fma(FloatVector.broadcast(F, A[a5 + at]), c5);
      c6 = bv.fma(FloatVector.broadcast(F, A[a6 + at]), c6);
      c7 = bv.fma(FloatVector.broadcast(F, A[a7 + at]), c7);
    }
    // written out row by row: vectors passed to a helper would be boxed when it is not inlined
    if (load) {
      c0 = c0.add(FloatVector.fromArray(F, C, co, cols));
    }
    c0.intoArray(C, co, cols);
    if (rows > 1) {
      int at = co + ldc;
      c1 = load ? c1.add(FloatVector.fromArray(F, C, at, cols)) : c1;
      c1.intoArray(C, at, cols);
    }
    if (rows > 2) {
      int at = co + 2 * ldc;
      c2 = load ? c2.add(FloatVector.fromArray(F, C, at, cols)) : c2;
      c2.intoArray(C, at, cols);
    }
    if (rows > 3) {
      int at = co + 3 * ldc;
      c3 = load ? c3.add(FloatVector.fromArray(F, C, at, cols)) : c3;
      c3.intoArray(C, at, cols);
    }
    if (rows > 4) {
      int at = co + 4 * ldc;
      c4 = load ? c4.add(FloatVector.fromArray(F, C, at, cols)) : c4;
      c4.intoArray(C, at, cols);
    }
    if (rows > 5) {
      int at = co + 5 * ldc;
      c5 = load ? c5.add(FloatVector.fromArray(F, C, at, cols)) : c5;
      c5.intoArray(C, at, cols);
    }
    if (rows > 6) {
      int at = co + 6 * ldc;
      c6 = load ? c6.add(FloatVector.fromArray(F, C, at, cols)) : c6;
      c6.intoArray(C, at, cols);
    }
    if (rows > 7) {
      int at = co + 7 * ldc;
      c7 = load ? c7.add(FloatVector.fromArray(F, C, at, cols)) : c7;
      c7.intoArray(C, at, cols);
    }
  }
}
