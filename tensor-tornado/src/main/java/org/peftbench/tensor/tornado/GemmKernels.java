package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Tiled GEMM kernels for TornadoVM: {@code C[M,N] (+)= op(A)[M,K] · op(B)[K,N]}.
 *
 * <p>One work-group computes a {@code TILE×TILE} block of C. Each step it stages a {@code
 * TILE×TILE} tile of op(A) and of op(B) in local memory (every thread loads one element of each),
 * waits at a barrier, and accumulates the tile product from local memory: each element of A and B
 * is read from global memory {@code TILE} times less often than in the naive loop.
 *
 * <p>The transposes are strides, so one kernel serves the NN (forward {@code x·W}), NT (forward of
 * a Linear, {@code x·Wᵀ}) and TN (weight gradient {@code dYᵀ·X}) variants: element {@code (i,p)} of
 * op(A) is {@code a[i·dims[3] + p·dims[4]]} and element {@code (p,j)} of op(B) is {@code
 * b[p·dims[5] + j·dims[6]]}.
 *
 * <p>{@code dims = {M, N, K, aRowStride, aColStride, bRowStride, bColStride, accumulate}}; the
 * shape travels in an array (copied each run) so one compiled plan serves every M up to its
 * buffers' capacity. Grid: global {@code (roundUp(N,TILE), roundUp(M,TILE))}, local {@code
 * (TILE,TILE)}.
 */
final class GemmKernels {
  static final int TILE = 16;

  private GemmKernels() {}

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
    int lx = ctx.localIdx;
    int ly = ctx.localIdy;
    int col = ctx.globalIdx;
    int row = ctx.globalIdy;
    float[] tileA = ctx.allocateFloatLocalArray(256);
    float[] tileB = ctx.allocateFloatLocalArray(256);
    float acc = 0f;
    for (int p0 = 0; p0 < k; p0 += 16) {
      // this thread loads A(row, p0+lx) and B(p0+ly, col); zero outside the matrices
      int pa = p0 + lx;
      float av = 0f;
      if (row < m && pa < k) {
        av = a.get(row * aRow + pa * aCol);
      }
      tileA[ly * 16 + lx] = av;
      int pb = p0 + ly;
      float bv = 0f;
      if (pb < k && col < n) {
        bv = b.get(pb * bRow + col * bCol);
      }
      tileB[ly * 16 + lx] = bv;
      ctx.localBarrier();
      for (int q = 0; q < 16; q++) {
        acc += tileA[ly * 16 + q] * tileB[q * 16 + lx];
      }
      ctx.localBarrier();
    }
    if (row < m && col < n) {
      int at = row * n + col;
      if (accumulate != 0) {
        c.set(at, c.get(at) + acc);
      } else {
        c.set(at, acc);
      }
    }
  }

  /**
   * As {@link #gemmF32} with B stored as raw 16-bit BF16 or F16 bits, decoded while staging the
   * tile through {@code decode[bits & 0xFFFF]} (a 65,536-entry table uploaded once). OpenCL on CPUs
   * often lacks {@code half}, and TornadoVM's OpenCL backend cannot compile {@code
   * Float.intBitsToFloat}, so the decode is an integer index into a table of exact floats.
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
    int lx = ctx.localIdx;
    int ly = ctx.localIdy;
    int col = ctx.globalIdx;
    int row = ctx.globalIdy;
    float[] tileA = ctx.allocateFloatLocalArray(256);
    float[] tileB = ctx.allocateFloatLocalArray(256);
    float acc = 0f;
    for (int p0 = 0; p0 < k; p0 += 16) {
      int pa = p0 + lx;
      float av = 0f;
      if (row < m && pa < k) {
        av = a.get(row * aRow + pa * aCol);
      }
      tileA[ly * 16 + lx] = av;
      int pb = p0 + ly;
      float bv = 0f;
      if (pb < k && col < n) {
        int bits = b.get(pb * bRow + col * bCol) & 0xFFFF;
        bv = decode.get(bits);
      }
      tileB[ly * 16 + lx] = bv;
      ctx.localBarrier();
      for (int q = 0; q < 16; q++) {
        acc += tileA[ly * 16 + q] * tileB[q * 16 + lx];
      }
      ctx.localBarrier();
    }
    if (row < m && col < n) {
      int at = row * n + col;
      if (accumulate != 0) {
        c.set(at, c.get(at) + acc);
      } else {
        c.set(at, acc);
      }
    }
  }

  // ------------------------------------------------------------ register-blocked (CPU devices)

  /** Rows and columns of C per work-item in the register-blocked kernels. */
  static final int BLOCK = 4;

  /** Work-group shape of the register-blocked kernels: 16 × 4 work-items. */
  static final int BLOCK_GROUP_X = 16;

  static final int BLOCK_GROUP_Y = 4;

  /**
   * {@code C[M,N] (+)= op(A)·op(B)} with a {@code 4×4} block of C per work-item held in 16
   * registers and no local memory or barriers: every loaded A value is used 4 times and every B
   * value 4 times. On OpenCL CPU devices (PoCL) local memory is ordinary cache-backed memory and a
   * barrier splits the kernel into per-work-item loops, so this form is several times faster than
   * {@link #gemmF32} there (measured 7–10 vs 0.3 GFLOP/s); GPUs get the tiled kernel. Same {@code
   * dims} as {@link #gemmF32}; grid: global {@code (roundUp(⌈N/4⌉,16), roundUp(⌈M/4⌉,4))}, local
   * {@code (16,4)}.
   */
  static void gemmBlockedF32(
      KernelContext ctx, FloatArray a, FloatArray b, FloatArray c, IntArray dims) {
    int m = dims.get(0);
    int n = dims.get(1);
    int k = dims.get(2);
    int aRow = dims.get(3);
    int aCol = dims.get(4);
    int bRow = dims.get(5);
    int bCol = dims.get(6);
    int accumulate = dims.get(7);
    int col = ctx.globalIdx * 4;
    int row = ctx.globalIdy * 4;
    if (row + 3 < m && col + 3 < n) {
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
      for (int p = 0; p < k; p++) {
        float a0 = a.get(row * aRow + p * aCol);
        float a1 = a.get((row + 1) * aRow + p * aCol);
        float a2 = a.get((row + 2) * aRow + p * aCol);
        float a3 = a.get((row + 3) * aRow + p * aCol);
        float b0 = b.get(p * bRow + col * bCol);
        float b1 = b.get(p * bRow + (col + 1) * bCol);
        float b2 = b.get(p * bRow + (col + 2) * bCol);
        float b3 = b.get(p * bRow + (col + 3) * bCol);
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
      store4(c, row * n + col, c00, c01, c02, c03, accumulate);
      store4(c, (row + 1) * n + col, c10, c11, c12, c13, accumulate);
      store4(c, (row + 2) * n + col, c20, c21, c22, c23, accumulate);
      store4(c, (row + 3) * n + col, c30, c31, c32, c33, accumulate);
    } else if (row < m && col < n) {
      // a block on the bottom or right edge: one element at a time
      for (int i = row; i < row + 4 && i < m; i++) {
        for (int j = col; j < col + 4 && j < n; j++) {
          float acc = 0f;
          for (int p = 0; p < k; p++) {
            acc += a.get(i * aRow + p * aCol) * b.get(p * bRow + j * bCol);
          }
          store(c, i * n + j, acc, accumulate);
        }
      }
    }
  }

  /** As {@link #gemmBlockedF32} with B as raw BF16/F16 bits decoded through {@code decode}. */
  static void gemmBlocked16(
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
    int col = ctx.globalIdx * 4;
    int row = ctx.globalIdy * 4;
    if (row + 3 < m && col + 3 < n) {
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
      for (int p = 0; p < k; p++) {
        float a0 = a.get(row * aRow + p * aCol);
        float a1 = a.get((row + 1) * aRow + p * aCol);
        float a2 = a.get((row + 2) * aRow + p * aCol);
        float a3 = a.get((row + 3) * aRow + p * aCol);
        float b0 = decode.get(b.get(p * bRow + col * bCol) & 0xFFFF);
        float b1 = decode.get(b.get(p * bRow + (col + 1) * bCol) & 0xFFFF);
        float b2 = decode.get(b.get(p * bRow + (col + 2) * bCol) & 0xFFFF);
        float b3 = decode.get(b.get(p * bRow + (col + 3) * bCol) & 0xFFFF);
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
      store4(c, row * n + col, c00, c01, c02, c03, accumulate);
      store4(c, (row + 1) * n + col, c10, c11, c12, c13, accumulate);
      store4(c, (row + 2) * n + col, c20, c21, c22, c23, accumulate);
      store4(c, (row + 3) * n + col, c30, c31, c32, c33, accumulate);
    } else if (row < m && col < n) {
      for (int i = row; i < row + 4 && i < m; i++) {
        for (int j = col; j < col + 4 && j < n; j++) {
          float acc = 0f;
          for (int p = 0; p < k; p++) {
            acc += a.get(i * aRow + p * aCol) * decode.get(b.get(p * bRow + j * bCol) & 0xFFFF);
          }
          store(c, i * n + j, acc, accumulate);
        }
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

  /** Four consecutive elements of a row of C from {@code at}. */
  private static void store4(
      FloatArray c, int at, float v0, float v1, float v2, float v3, int accumulate) {
    store(c, at, v0, accumulate);
    store(c, at + 1, v1, accumulate);
    store(c, at + 2, v2, accumulate);
    store(c, at + 3, v3, accumulate);
  }
}
