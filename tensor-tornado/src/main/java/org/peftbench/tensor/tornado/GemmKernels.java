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
}
