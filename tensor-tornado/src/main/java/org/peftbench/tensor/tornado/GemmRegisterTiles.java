package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The GPU GEMM: {@code C[M,N] (+)= op(A)[M,K] · op(B)[K,N]} with a {@code 64×64} block of C per
 * work-group of {@code 16×16} work-items, each holding a {@code 4×4} block of C in 16 registers,
 * and the K dimension walked in slices of 16 through double-buffered local memory.
 *
 * <p>Why this shape. The 16×16 tiled kernel ({@link GemmKernels#gemmF32}) reads two local-memory
 * values per multiply-add, so a GPU spends most of its issue slots on local loads. Here every
 * work-item reads 4 values of A and 4 of B per K step and does 16 multiply-adds with them (2 per
 * load), and a staged element of A or B serves 64 outputs instead of 16, so global traffic per flop
 * drops fourfold. 4×4 accumulators are written out as scalars (not a private array) so that they
 * stay in registers whatever the OpenCL compiler unrolls. A work-group of 256 work-items and 2 × 2
 * × 16 × 65 floats (16.6 KiB) of local memory lets several groups share an SM; a 64-row tile keeps
 * enough groups for one wave on M = 512 (8 × N/64 groups).
 *
 * <p>Layout. Work-item {@code (tx, ty)} owns rows {@code ty + 16i} and columns {@code tx + 16j}
 * ({@code i, j < 4}) of the block: at every K step the 16 work-items of a row read 16 consecutive B
 * values from local memory (no bank conflicts) and the same A value (a broadcast), and the stores
 * to C are 16 consecutive floats. Local tiles are stored K-major ({@code [16][64]}) with a row
 * stride of 65, so staging an operand whose K index runs fastest in global memory (A of the NN/NT
 * forms, B of NT: a Linear's weight {@code [N,K]}) does not put 16 stores on one bank.
 *
 * <p>Staging. Each work-item copies 4 elements of A and 4 of B per slice. Which elements depends on
 * the strides, chosen at run time so that neighbouring work-items read neighbouring global
 * addresses: along K when that operand's K stride is 1, otherwise along M (A) or N (B). The next
 * slice is fetched into registers before the current one is multiplied and written into the other
 * local buffer after it: one barrier per slice, and global latency overlaps arithmetic. Elements
 * outside the matrices are staged as zeros, so ragged M, N and K need no other case; every
 * work-item takes part in every barrier and only the final stores are guarded.
 *
 * <p>BF16/F16 weights ({@link #gemm16}) are decoded while staging: one read of the 65,536-entry
 * table per loaded element, kept as a float in local memory and used by 64 outputs. TornadoVM 5.2's
 * OpenCL backend cannot compile a bit reinterpretation ({@code Float.intBitsToFloat}: {@code
 * emitReinterpret} is unimplemented), and PoCL has no {@code half}; the table read costs 4
 * scattered loads per work-item per 256 multiply-adds.
 *
 * <p>Same {@code dims} as {@link GemmKernels#gemmF32}: {@code {M, N, K, aRowStride, aColStride,
 * bRowStride, bColStride, accumulate}}. Grid: global {@code (⌈N/64⌉·16, ⌈M/64⌉·16)}, local {@code
 * (16, 16)}.
 */
final class GemmRegisterTiles {
  /** Rows and columns of C per work-group. */
  static final int TILE = 64;

  /** Work-items per work-group along each axis; each owns a 4×4 block of C. */
  static final int GROUP = 16;

  /** Rows and columns of C per work-item. */
  static final int PER_ITEM = 4;

  /** Floats in one local buffer: 16 K rows of 64 (+1 padding) values. */
  static final int BUFFER = 16 * 65;

  private GemmRegisterTiles() {}

  // C[M,N] (+)= op(A)[M,K] · op(B)[K,N], B in F32
  static void gemmF32(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c, IntArray dims) {
    int m = dims.get(0);
    int n = dims.get(1);
    int k = dims.get(2);
    int aRow = dims.get(3);
    int aCol = dims.get(4);
    int bRow = dims.get(5);
    int bCol = dims.get(6);
    int accumulate = dims.get(7);
    int tx = ctx.localIdx;
    int ty = ctx.localIdy;
    int tid = ty * 16 + tx;
    int row0 = ctx.groupIdy * 64;
    int col0 = ctx.groupIdx * 64;
    float[] tileA = ctx.allocateFloatLocalArray(2080);
    float[] tileB = ctx.allocateFloatLocalArray(2080);

    // which 4 elements of each 64×16 (A) and 16×64 (B) slice this work-item stages:
    // element r is (aR + r·aRStep, aK + r·aKStep) of A and (bK + r·bKStep, bC + r·bCStep) of B
    int aR = tid & 63;
    int aK = tid >> 6;
    int aRStep = 0;
    int aKStep = 4;
    if (aCol == 1) {
      aR = tid >> 4;
      aK = tid & 15;
      aRStep = 16;
      aKStep = 0;
    }
    int bK = tid >> 6;
    int bC = tid & 63;
    int bKStep = 4;
    int bCStep = 0;
    if (bRow == 1) {
      bK = tid & 15;
      bC = tid >> 4;
      bKStep = 0;
      bCStep = 16;
    }

    // slice 0 into buffer 0
    for (int r = 0; r < 4; r++) {
      int i = row0 + aR + r * aRStep;
      int p = aK + r * aKStep;
      float v = 0f;
      if (i < m && p < k) {
        v = a.get(i * aRow + p * aCol);
      }
      tileA[p * 65 + aR + r * aRStep] = v;
      int q = bK + r * bKStep;
      int j = col0 + bC + r * bCStep;
      float w = 0f;
      if (q < k && j < n) {
        w = b.get(q * bRow + j * bCol);
      }
      tileB[q * 65 + bC + r * bCStep] = w;
    }
    ctx.localBarrier();

    float c00 = 0f;
    float c01 = 0f;
    float c02 = 0f;
    float c03 = 0f;
    float c10 = 0f;
    float c11 = 0f;
    float c12 = 0f;
    float c13 = 0f;
    float c20 = 0f;
    float c21 = 0f;
    float c22 = 0f;
    float c23 = 0f;
    float c30 = 0f;
    float c31 = 0f;
    float c32 = 0f;
    float c33 = 0f;
    int slices = (k + 15) / 16;
    for (int s = 0; s < slices; s++) {
      int cur = (s & 1) * 1040;
      int next = 1040 - cur;
      int p0 = (s + 1) * 16;
      // the next slice into registers (zeros past K, so the last round stages zeros unread)
      float na0 = 0f;
      float na1 = 0f;
      float na2 = 0f;
      float na3 = 0f;
      float nb0 = 0f;
      float nb1 = 0f;
      float nb2 = 0f;
      float nb3 = 0f;
      int i0 = row0 + aR;
      int pa = p0 + aK;
      if (i0 < m && pa < k) {
        na0 = a.get(i0 * aRow + pa * aCol);
      }
      if (i0 + aRStep < m && pa + aKStep < k) {
        na1 = a.get((i0 + aRStep) * aRow + (pa + aKStep) * aCol);
      }
      if (i0 + 2 * aRStep < m && pa + 2 * aKStep < k) {
        na2 = a.get((i0 + 2 * aRStep) * aRow + (pa + 2 * aKStep) * aCol);
      }
      if (i0 + 3 * aRStep < m && pa + 3 * aKStep < k) {
        na3 = a.get((i0 + 3 * aRStep) * aRow + (pa + 3 * aKStep) * aCol);
      }
      int pb = p0 + bK;
      int j0 = col0 + bC;
      if (pb < k && j0 < n) {
        nb0 = b.get(pb * bRow + j0 * bCol);
      }
      if (pb + bKStep < k && j0 + bCStep < n) {
        nb1 = b.get((pb + bKStep) * bRow + (j0 + bCStep) * bCol);
      }
      if (pb + 2 * bKStep < k && j0 + 2 * bCStep < n) {
        nb2 = b.get((pb + 2 * bKStep) * bRow + (j0 + 2 * bCStep) * bCol);
      }
      if (pb + 3 * bKStep < k && j0 + 3 * bCStep < n) {
        nb3 = b.get((pb + 3 * bKStep) * bRow + (j0 + 3 * bCStep) * bCol);
      }

      // 16 K steps on the current slice: 8 local reads, 16 multiply-adds each
      for (int q = 0; q < 16; q++) {
        int at = cur + q * 65;
        float a0 = tileA[at + ty];
        float a1 = tileA[at + ty + 16];
        float a2 = tileA[at + ty + 32];
        float a3 = tileA[at + ty + 48];
        float b0 = tileB[at + tx];
        float b1 = tileB[at + tx + 16];
        float b2 = tileB[at + tx + 32];
        float b3 = tileB[at + tx + 48];
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }

      // the other buffer was last read before the previous barrier: safe to overwrite
      tileA[next + aK * 65 + aR] = na0;
      tileA[next + (aK + aKStep) * 65 + aR + aRStep] = na1;
      tileA[next + (aK + 2 * aKStep) * 65 + aR + 2 * aRStep] = na2;
      tileA[next + (aK + 3 * aKStep) * 65 + aR + 3 * aRStep] = na3;
      tileB[next + bK * 65 + bC] = nb0;
      tileB[next + (bK + bKStep) * 65 + bC + bCStep] = nb1;
      tileB[next + (bK + 2 * bKStep) * 65 + bC + 2 * bCStep] = nb2;
      tileB[next + (bK + 3 * bKStep) * 65 + bC + 3 * bCStep] = nb3;
      ctx.localBarrier();
    }

    int i = row0 + ty;
    int j = col0 + tx;
    storeRow(c, i, j, m, n, c00, c01, c02, c03, accumulate);
    storeRow(c, i + 16, j, m, n, c10, c11, c12, c13, accumulate);
    storeRow(c, i + 32, j, m, n, c20, c21, c22, c23, accumulate);
    storeRow(c, i + 48, j, m, n, c30, c31, c32, c33, accumulate);
  }

  /**
   * As {@link #gemmF32} with B stored as raw 16-bit BF16 or F16 bits, decoded through {@code
   * decode[bits & 0xFFFF]} as each element is staged.
   */
  static void gemm16(
      KernelContext ctx,
      FloatArray a,
      ShortArray b,
      FloatArray decode,
      FloatArray c,
      IntArray dims) {
    int m = dims.get(0);
    int n = dims.get(1);
    int k = dims.get(2);
    int aRow = dims.get(3);
    int aCol = dims.get(4);
    int bRow = dims.get(5);
    int bCol = dims.get(6);
    int accumulate = dims.get(7);
    int tx = ctx.localIdx;
    int ty = ctx.localIdy;
    int tid = ty * 16 + tx;
    int row0 = ctx.groupIdy * 64;
    int col0 = ctx.groupIdx * 64;
    float[] tileA = ctx.allocateFloatLocalArray(2080);
    float[] tileB = ctx.allocateFloatLocalArray(2080);

    int aR = tid & 63;
    int aK = tid >> 6;
    int aRStep = 0;
    int aKStep = 4;
    if (aCol == 1) {
      aR = tid >> 4;
      aK = tid & 15;
      aRStep = 16;
      aKStep = 0;
    }
    int bK = tid >> 6;
    int bC = tid & 63;
    int bKStep = 4;
    int bCStep = 0;
    if (bRow == 1) {
      bK = tid & 15;
      bC = tid >> 4;
      bKStep = 0;
      bCStep = 16;
    }

    for (int r = 0; r < 4; r++) {
      int i = row0 + aR + r * aRStep;
      int p = aK + r * aKStep;
      float v = 0f;
      if (i < m && p < k) {
        v = a.get(i * aRow + p * aCol);
      }
      tileA[p * 65 + aR + r * aRStep] = v;
      int q = bK + r * bKStep;
      int j = col0 + bC + r * bCStep;
      float w = 0f;
      if (q < k && j < n) {
        w = decode.get(b.get(q * bRow + j * bCol) & 0xFFFF);
      }
      tileB[q * 65 + bC + r * bCStep] = w;
    }
    ctx.localBarrier();

    float c00 = 0f;
    float c01 = 0f;
    float c02 = 0f;
    float c03 = 0f;
    float c10 = 0f;
    float c11 = 0f;
    float c12 = 0f;
    float c13 = 0f;
    float c20 = 0f;
    float c21 = 0f;
    float c22 = 0f;
    float c23 = 0f;
    float c30 = 0f;
    float c31 = 0f;
    float c32 = 0f;
    float c33 = 0f;
    int slices = (k + 15) / 16;
    for (int s = 0; s < slices; s++) {
      int cur = (s & 1) * 1040;
      int next = 1040 - cur;
      int p0 = (s + 1) * 16;
      float na0 = 0f;
      float na1 = 0f;
      float na2 = 0f;
      float na3 = 0f;
      float nb0 = 0f;
      float nb1 = 0f;
      float nb2 = 0f;
      float nb3 = 0f;
      int i0 = row0 + aR;
      int pa = p0 + aK;
      if (i0 < m && pa < k) {
        na0 = a.get(i0 * aRow + pa * aCol);
      }
      if (i0 + aRStep < m && pa + aKStep < k) {
        na1 = a.get((i0 + aRStep) * aRow + (pa + aKStep) * aCol);
      }
      if (i0 + 2 * aRStep < m && pa + 2 * aKStep < k) {
        na2 = a.get((i0 + 2 * aRStep) * aRow + (pa + 2 * aKStep) * aCol);
      }
      if (i0 + 3 * aRStep < m && pa + 3 * aKStep < k) {
        na3 = a.get((i0 + 3 * aRStep) * aRow + (pa + 3 * aKStep) * aCol);
      }
      int pb = p0 + bK;
      int j0 = col0 + bC;
      if (pb < k && j0 < n) {
        nb0 = decode.get(b.get(pb * bRow + j0 * bCol) & 0xFFFF);
      }
      if (pb + bKStep < k && j0 + bCStep < n) {
        nb1 = decode.get(b.get((pb + bKStep) * bRow + (j0 + bCStep) * bCol) & 0xFFFF);
      }
      if (pb + 2 * bKStep < k && j0 + 2 * bCStep < n) {
        nb2 = decode.get(b.get((pb + 2 * bKStep) * bRow + (j0 + 2 * bCStep) * bCol) & 0xFFFF);
      }
      if (pb + 3 * bKStep < k && j0 + 3 * bCStep < n) {
        nb3 = decode.get(b.get((pb + 3 * bKStep) * bRow + (j0 + 3 * bCStep) * bCol) & 0xFFFF);
      }

      for (int q = 0; q < 16; q++) {
        int at = cur + q * 65;
        float a0 = tileA[at + ty];
        float a1 = tileA[at + ty + 16];
        float a2 = tileA[at + ty + 32];
        float a3 = tileA[at + ty + 48];
        float b0 = tileB[at + tx];
        float b1 = tileB[at + tx + 16];
        float b2 = tileB[at + tx + 32];
        float b3 = tileB[at + tx + 48];
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }

      tileA[next + aK * 65 + aR] = na0;
      tileA[next + (aK + aKStep) * 65 + aR + aRStep] = na1;
      tileA[next + (aK + 2 * aKStep) * 65 + aR + 2 * aRStep] = na2;
      tileA[next + (aK + 3 * aKStep) * 65 + aR + 3 * aRStep] = na3;
      tileB[next + bK * 65 + bC] = nb0;
      tileB[next + (bK + bKStep) * 65 + bC + bCStep] = nb1;
      tileB[next + (bK + 2 * bKStep) * 65 + bC + 2 * bCStep] = nb2;
      tileB[next + (bK + 3 * bKStep) * 65 + bC + 3 * bCStep] = nb3;
      ctx.localBarrier();
    }

    int i = row0 + ty;
    int j = col0 + tx;
    storeRow(c, i, j, m, n, c00, c01, c02, c03, accumulate);
    storeRow(c, i + 16, j, m, n, c10, c11, c12, c13, accumulate);
    storeRow(c, i + 32, j, m, n, c20, c21, c22, c23, accumulate);
    storeRow(c, i + 48, j, m, n, c30, c31, c32, c33, accumulate);
  }

  /** Row {@code i} of the work-item's block: columns {@code j, j+16, j+32, j+48} inside C. */
  private static void storeRow(
      FloatArray c,
      int i,
      int j,
      int m,
      int n,
      float v0,
      float v1,
      float v2,
      float v3,
      int accumulate) {
    if (i < m) {
      if (j < n) {
        store(c, i * n + j, v0, accumulate);
      }
      if (j + 16 < n) {
        store(c, i * n + j + 16, v1, accumulate);
      }
      if (j + 32 < n) {
        store(c, i * n + j + 32, v2, accumulate);
      }
      if (j + 48 < n) {
        store(c, i * n + j + 48, v3, accumulate);
      }
    }
  }

  /** {@code c[at] (+)= v} (inlined into the kernels by TornadoVM). */
  private static void store(FloatArray c, int at, float v, int accumulate) {
    if (accumulate != 0) {
      c.set(at, c.get(at) + v);
    } else {
      c.set(at, v);
    }
  }
}
