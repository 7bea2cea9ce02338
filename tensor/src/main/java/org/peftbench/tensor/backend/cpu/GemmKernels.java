package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.GemmTiles.MR;
import static org.peftbench.tensor.backend.cpu.GemmTiles.NR;
import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import jdk.incubator.vector.FloatVector;

/**
 * The micro-kernels of the blocked GEMM: one {@link GemmTiles#MR} × {@link GemmTiles#NR} tile of C
 * (16 vector accumulators) from a packed A sliver and a packed B panel, or from A read in place
 * with strides; and {@code multiply}, which walks a block of C tile by tile, tails included.
 */
final class GemmKernels {
  private GemmKernels() {}

  /**
   * {@code C[i0:i1, 0:nc] (+)= op(A)[i0:i1, K block] · packedB} for one K block: every MR-row
   * sliver of A against every NR-column panel; panel j of B starts at {@code packed[bo +
   * j·panelStride]}, C is addressed from {@code co} with row stride {@code ldc}. A is either packed
   * ({@code aRow} = 0: slivers from {@link GemmPacking#packA} at {@code A[aBase..]}) or read in
   * place, row i at {@code A[aBase + i·aRow]} with contiguous depths (no copy needed for a
   * row-major A).
   */
  static void multiply(
      float[] A,
      int aBase,
      int aRow,
      float[] C,
      int co,
      int ldc,
      int i0,
      int i1,
      int kc,
      int nc,
      boolean load,
      float[] packed,
      int bo,
      int panelStride,
      float[] tile) {
    multiply(
        A, aBase, aRow, 1, C, co, ldc, i0, i1, kc, nc, load, packed, bo, panelStride, NR, tile);
  }

  /**
   * {@link #multiply} with A read in place at any depth step ({@code aDepth}: 1 for a row-major A,
   * the row length for Aᵀ) and B's depths {@code bStep} floats apart ({@code NR} when packed, the
   * row stride when B is read in place).
   */
  static void multiply(
      float[] A,
      int aBase,
      int aRow,
      int aDepth,
      float[] C,
      int co,
      int ldc,
      int i0,
      int i1,
      int kc,
      int nc,
      boolean load,
      float[] packed,
      int bo,
      int panelStride,
      int bStep,
      float[] tile) {
    for (int i = i0; i < i1; i += MR) {
      int rows = Math.min(MR, i1 - i), a0, a1, a2, a3, step;
      if (aRow == 0) {
        a0 = aBase + ((i - i0) / MR) * kc * MR;
        a1 = a0 + 1;
        a2 = a0 + 2;
        a3 = a0 + 3;
        step = MR;
      } else {
        a0 = aBase + i * aRow;
        a1 = aBase + (i + Math.min(1, rows - 1)) * aRow;
        a2 = aBase + (i + Math.min(2, rows - 1)) * aRow;
        a3 = aBase + (i + Math.min(3, rows - 1)) * aRow;
        step = aDepth;
      }
      for (int j = 0, q = 0; j < nc; j += NR, q++) {
        if (aRow == 0 && bStep == NR) {
          kernel(
              A,
              a0,
              packed,
              bo + q * panelStride,
              kc,
              C,
              co + i * ldc + j,
              ldc,
              rows,
              Math.min(NR, nc - j),
              load,
              tile);
        } else {
          kernelStrided(
              A,
              a0,
              a1,
              a2,
              a3,
              step,
              packed,
              bo + q * panelStride,
              bStep,
              kc,
              C,
              co + i * ldc + j,
              ldc,
              rows,
              Math.min(NR, nc - j),
              load,
              tile);
        }
      }
    }
  }

  /**
   * The register tile: {@code C[rows, w] (+)= A[rows, kc] · Bpanel[kc, NR]}, A as a packed
   * depth-major sliver ({@code A[ao + p·MR + r]}) and B as a packed panel: both read at constant
   * strides from one running index each, which keeps this loop at the FMA throughput (the general
   * {@link #kernelStrided} runs about 10% slower on large products). Rows past {@code rows} repeat
   * the last valid row of A (their results are dropped), so the loop has no branches.
   */
  private static void kernel(
      float[] A,
      int ao,
      float[] B,
      int bo,
      int kc,
      float[] C,
      int co,
      int ldc,
      int rows,
      int w,
      boolean load,
      float[] tile) {
    FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    for (int p = 0, bi = bo, ap = ao; p < kc; p++, bi += NR, ap += MR) {
      FloatVector b0 = FloatVector.fromArray(F, B, bi);
      FloatVector b1 = FloatVector.fromArray(F, B, bi + L);
      FloatVector b2 = FloatVector.fromArray(F, B, bi + 2 * L);
      FloatVector b3 = FloatVector.fromArray(F, B, bi + 3 * L);
      FloatVector x = FloatVector.broadcast(F, A[ap]);
      c00 = b0.fma(x, c00);
      c01 = b1.fma(x, c01);
      c02 = b2.fma(x, c02);
      c03 = b3.fma(x, c03);
      x = FloatVector.broadcast(F, A[ap + 1]);
      c10 = b0.fma(x, c10);
      c11 = b1.fma(x, c11);
      c12 = b2.fma(x, c12);
      c13 = b3.fma(x, c13);
      x = FloatVector.broadcast(F, A[ap + 2]);
      c20 = b0.fma(x, c20);
      c21 = b1.fma(x, c21);
      c22 = b2.fma(x, c22);
      c23 = b3.fma(x, c23);
      x = FloatVector.broadcast(F, A[ap + 3]);
      c30 = b0.fma(x, c30);
      c31 = b1.fma(x, c31);
      c32 = b2.fma(x, c32);
      c33 = b3.fma(x, c33);
    }
    if (w == NR) {
      // full panel: add/store straight into C (written out: vectors passed to a helper method
      // would be boxed when it is not inlined)
      int r1 = co + ldc, r2 = co + 2 * ldc, r3 = co + 3 * ldc;
      if (load) {
        c00 = c00.add(FloatVector.fromArray(F, C, co));
        c01 = c01.add(FloatVector.fromArray(F, C, co + L));
        c02 = c02.add(FloatVector.fromArray(F, C, co + 2 * L));
        c03 = c03.add(FloatVector.fromArray(F, C, co + 3 * L));
        if (rows > 1) {
          c10 = c10.add(FloatVector.fromArray(F, C, r1));
          c11 = c11.add(FloatVector.fromArray(F, C, r1 + L));
          c12 = c12.add(FloatVector.fromArray(F, C, r1 + 2 * L));
          c13 = c13.add(FloatVector.fromArray(F, C, r1 + 3 * L));
        }
        if (rows > 2) {
          c20 = c20.add(FloatVector.fromArray(F, C, r2));
          c21 = c21.add(FloatVector.fromArray(F, C, r2 + L));
          c22 = c22.add(FloatVector.fromArray(F, C, r2 + 2 * L));
          c23 = c23.add(FloatVector.fromArray(F, C, r2 + 3 * L));
        }
        if (rows > 3) {
          c30 = c30.add(FloatVector.fromArray(F, C, r3));
          c31 = c31.add(FloatVector.fromArray(F, C, r3 + L));
          c32 = c32.add(FloatVector.fromArray(F, C, r3 + 2 * L));
          c33 = c33.add(FloatVector.fromArray(F, C, r3 + 3 * L));
        }
      }
      c00.intoArray(C, co);
      c01.intoArray(C, co + L);
      c02.intoArray(C, co + 2 * L);
      c03.intoArray(C, co + 3 * L);
      if (rows > 1) {
        c10.intoArray(C, r1);
        c11.intoArray(C, r1 + L);
        c12.intoArray(C, r1 + 2 * L);
        c13.intoArray(C, r1 + 3 * L);
      }
      if (rows > 2) {
        c20.intoArray(C, r2);
        c21.intoArray(C, r2 + L);
        c22.intoArray(C, r2 + 2 * L);
        c23.intoArray(C, r2 + 3 * L);
      }
      if (rows > 3) {
        c30.intoArray(C, r3);
        c31.intoArray(C, r3 + L);
        c32.intoArray(C, r3 + 2 * L);
        c33.intoArray(C, r3 + 3 * L);
      }
      return;
    }
    // a partial panel at the right edge of C: go through a small buffer
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c02.intoArray(tile, 2 * L);
    c03.intoArray(tile, 3 * L);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + L);
    c12.intoArray(tile, NR + 2 * L);
    c13.intoArray(tile, NR + 3 * L);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + L);
    c22.intoArray(tile, 2 * NR + 2 * L);
    c23.intoArray(tile, 2 * NR + 3 * L);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + L);
    c32.intoArray(tile, 3 * NR + 2 * L);
    c33.intoArray(tile, 3 * NR + 3 * L);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < w; j++) {
        int at = co + r * ldc + j;
        C[at] = load ? C[at] + tile[r * NR + j] : tile[r * NR + j];
      }
    }
  }

  /**
   * {@link #kernel} for operands read in place: row r of A at depth p is {@code A[a_r + p·step]},
   * depth p of the B panel starts at {@code B[bo + p·bStep]}. For the products where packing costs
   * more than it saves (one panel of columns, few rows, attention's blocks).
   */
  private static void kernelStrided(
      float[] A,
      int a0,
      int a1,
      int a2,
      int a3,
      int step,
      float[] B,
      int bo,
      int bStep,
      int kc,
      float[] C,
      int co,
      int ldc,
      int rows,
      int w,
      boolean load,
      float[] tile) {
    FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    for (int p = 0, bi = bo, ap = 0; p < kc; p++, bi += bStep, ap += step) {
      FloatVector b0 = FloatVector.fromArray(F, B, bi);
      FloatVector b1 = FloatVector.fromArray(F, B, bi + L);
      FloatVector b2 = FloatVector.fromArray(F, B, bi + 2 * L);
      FloatVector b3 = FloatVector.fromArray(F, B, bi + 3 * L);
      FloatVector x = FloatVector.broadcast(F, A[a0 + ap]);
      c00 = b0.fma(x, c00);
      c01 = b1.fma(x, c01);
      c02 = b2.fma(x, c02);
      c03 = b3.fma(x, c03);
      x = FloatVector.broadcast(F, A[a1 + ap]);
      c10 = b0.fma(x, c10);
      c11 = b1.fma(x, c11);
      c12 = b2.fma(x, c12);
      c13 = b3.fma(x, c13);
      x = FloatVector.broadcast(F, A[a2 + ap]);
      c20 = b0.fma(x, c20);
      c21 = b1.fma(x, c21);
      c22 = b2.fma(x, c22);
      c23 = b3.fma(x, c23);
      x = FloatVector.broadcast(F, A[a3 + ap]);
      c30 = b0.fma(x, c30);
      c31 = b1.fma(x, c31);
      c32 = b2.fma(x, c32);
      c33 = b3.fma(x, c33);
    }
    if (w == NR) {
      // full panel: add/store straight into C (written out: vectors passed to a helper method
      // would be boxed when it is not inlined)
      int r1 = co + ldc, r2 = co + 2 * ldc, r3 = co + 3 * ldc;
      if (load) {
        c00 = c00.add(FloatVector.fromArray(F, C, co));
        c01 = c01.add(FloatVector.fromArray(F, C, co + L));
        c02 = c02.add(FloatVector.fromArray(F, C, co + 2 * L));
        c03 = c03.add(FloatVector.fromArray(F, C, co + 3 * L));
        if (rows > 1) {
          c10 = c10.add(FloatVector.fromArray(F, C, r1));
          c11 = c11.add(FloatVector.fromArray(F, C, r1 + L));
          c12 = c12.add(FloatVector.fromArray(F, C, r1 + 2 * L));
          c13 = c13.add(FloatVector.fromArray(F, C, r1 + 3 * L));
        }
        if (rows > 2) {
          c20 = c20.add(FloatVector.fromArray(F, C, r2));
          c21 = c21.add(FloatVector.fromArray(F, C, r2 + L));
          c22 = c22.add(FloatVector.fromArray(F, C, r2 + 2 * L));
          c23 = c23.add(FloatVector.fromArray(F, C, r2 + 3 * L));
        }
        if (rows > 3) {
          c30 = c30.add(FloatVector.fromArray(F, C, r3));
          c31 = c31.add(FloatVector.fromArray(F, C, r3 + L));
          c32 = c32.add(FloatVector.fromArray(F, C, r3 + 2 * L));
          c33 = c33.add(FloatVector.fromArray(F, C, r3 + 3 * L));
        }
      }
      c00.intoArray(C, co);
      c01.intoArray(C, co + L);
      c02.intoArray(C, co + 2 * L);
      c03.intoArray(C, co + 3 * L);
      if (rows > 1) {
        c10.intoArray(C, r1);
        c11.intoArray(C, r1 + L);
        c12.intoArray(C, r1 + 2 * L);
        c13.intoArray(C, r1 + 3 * L);
      }
      if (rows > 2) {
        c20.intoArray(C, r2);
        c21.intoArray(C, r2 + L);
        c22.intoArray(C, r2 + 2 * L);
        c23.intoArray(C, r2 + 3 * L);
      }
      if (rows > 3) {
        c30.intoArray(C, r3);
        c31.intoArray(C, r3 + L);
        c32.intoArray(C, r3 + 2 * L);
        c33.intoArray(C, r3 + 3 * L);
      }
      return;
    }
    // a partial panel at the right edge of C: go through a small buffer
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c02.intoArray(tile, 2 * L);
    c03.intoArray(tile, 3 * L);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + L);
    c12.intoArray(tile, NR + 2 * L);
    c13.intoArray(tile, NR + 3 * L);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + L);
    c22.intoArray(tile, 2 * NR + 2 * L);
    c23.intoArray(tile, 2 * NR + 3 * L);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + L);
    c32.intoArray(tile, 3 * NR + 2 * L);
    c33.intoArray(tile, 3 * NR + 3 * L);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < w; j++) {
        int at = co + r * ldc + j;
        C[at] = load ? C[at] + tile[r * NR + j] : tile[r * NR + j];
      }
    }
  }
}
