package org.peftbench.tensor.backend;

import static org.peftbench.tensor.backend.Simd.F;
import static org.peftbench.tensor.backend.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;

/**
 * Single-precision GEMM {@code C[M,N] (+)= op(A)[M,K] · op(B)[K,N]} with the Vector API, in the
 * GotoBLAS/BLIS shape:
 *
 * <ul>
 *   <li>B is cut into blocks of {@link #KC} × {@link #NC} (256 × 512 floats = 512 KiB, so one
 *       packed block sits in the 1 MiB L2). Each block is packed once into panels of {@link #NR}
 *       columns, k-major, so the micro-kernel reads it with contiguous vector loads. BF16/F16
 *       weights are decoded while packing: the micro-kernel only ever sees F32.
 *   <li>A is read in place through strides (row-major for A, column-major for Aᵀ): the micro-kernel
 *       broadcasts one A value per row and k step.
 *   <li>The micro-kernel computes a {@link #MR} × {@link #NR} tile (4 rows × 4 vectors = 16
 *       accumulators, 64 columns with AVX-512) with fused multiply-adds.
 *   <li>With many N blocks (a vocabulary projection), each task is one N block and packs its own B
 *       blocks into a per-thread buffer. With few (N = 1536 gives 3), all of B is packed once, in
 *       parallel, into one buffer the threads share, and tasks split M as well, so two or more
 *       threads stay balanced without packing B twice.
 *   <li>Every element of C is summed over K in the same order whatever the task split, so results
 *       are identical for any thread count.
 * </ul>
 *
 * <p>For fewer than {@link #SMALL_M} rows (token-by-token generation) packing would cost more than
 * it saves, so those products run as plain dot products / row updates over the decoded weight.
 */
final class Gemm {
  private Gemm() {}

  /** Rows of the register tile. */
  static final int MR = 4;

  /** Columns of the register tile: four vectors. */
  static final int NR = 4 * L;

  /** Depth of a packed B block. */
  static final int KC = 256;

  /** Width of a packed B block (a multiple of NR). */
  static final int NC = Math.max(NR, 512 / NR * NR);

  /** Below this many rows of C, skip packing. */
  static final int SMALL_M = 8;

  /** Aim for at least this many tasks so two or more threads balance well. */
  private static final int MIN_TASKS = 16;

  /** Smallest M chunk worth a task of its own. */
  private static final int MIN_M_CHUNK = 32;

  /** Largest B packed whole and shared by the threads (64 MiB). */
  private static final long SHARED_MAX_FLOATS = 16L << 20;

  private static final ThreadLocal<float[]> PACKED =
      ThreadLocal.withInitial(() -> new float[KC * NC]);
  private static final ThreadLocal<float[]> SHARED = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(
          () -> new float[][] {new float[L * KC], new float[MR * NR], new float[MR * KC]});

  static void matmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    Checks.matmul(a, transA, b, transB, c);
    int m = c.dim(0), n = c.dim(1), k = transA ? a.dim(0) : a.dim(1);
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      if (!accumulate) {
        c.fill(0f);
      }
      return;
    }
    Tensor a32 = a.isHeapF32() ? a : a.toF32();
    if (!transA && m < SMALL_M) {
      if (transB) {
        smallNT(a32, b, c, m, n, k, accumulate);
      } else {
        smallNN(a32, b, c, m, n, k, accumulate);
      }
      return;
    }
    blocked(a32, transA, b, transB, c, m, n, k, accumulate);
  }

  // ---------------------------------------------------------------- blocked path

  private static void blocked(
      Tensor a,
      boolean transA,
      Tensor b,
      boolean transB,
      Tensor c,
      int m,
      int n,
      int k,
      boolean accumulate) {
    // K blocks of equal depth (576 → 3 × 192 rather than 256 + 256 + 64)
    int kBlocks = ceilDiv(k, KC), kcMax = ceilDiv(k, kBlocks);
    int nBlocks = ceilDiv(n, NC);
    long sharedFloats = (long) nBlocks * NC * k;
    if (nBlocks >= MIN_TASKS || sharedFloats > SHARED_MAX_FLOATS) {
      // many N blocks: one task per N block packs its own B block, whole M
      Parallel.forEach(
          nBlocks,
          nb -> {
            float[] packed = PACKED.get();
            float[][] scratch = SCRATCH.get();
            int n0 = nb * NC, nc = Math.min(NC, n - n0);
            for (int kb = 0; kb < kBlocks; kb++) {
              int k0 = kb * kcMax, kc = Math.min(kcMax, k - k0);
              pack(b, transB, k, n, k0, kc, n0, nc, packed, 0, scratch[0]);
              multiply(a, transA, c, m, n, k, 0, m, n0, nc, k0, kc, accumulate, packed, 0, scratch);
            }
          });
      return;
    }
    // few N blocks: pack all of B once (in parallel) into a buffer every task reads, then split
    // the work over M too so that the threads stay balanced
    float[] packed = sharedBuffer(sharedFloats);
    Parallel.forEach(
        nBlocks * kBlocks,
        task -> {
          int nb = task / kBlocks, kb = task % kBlocks;
          int n0 = nb * NC, nc = Math.min(NC, n - n0), k0 = kb * kcMax;
          pack(
              b,
              transB,
              k,
              n,
              k0,
              Math.min(kcMax, k - k0),
              n0,
              nc,
              packed,
              (nb * k + k0) * NC,
              SCRATCH.get()[0]);
        });
    int mChunks = Math.max(1, Math.min(ceilDiv(MIN_TASKS, nBlocks), m / MIN_M_CHUNK));
    int chunkRows = ceilDiv(ceilDiv(m, mChunks), MR) * MR;
    int chunks = ceilDiv(m, chunkRows);
    Parallel.forEach(
        nBlocks * chunks,
        task -> {
          int nb = task / chunks, n0 = nb * NC, nc = Math.min(NC, n - n0);
          int m0 = (task % chunks) * chunkRows, m1 = Math.min(m, m0 + chunkRows);
          float[][] scratch = SCRATCH.get();
          for (int kb = 0; kb < kBlocks; kb++) {
            int k0 = kb * kcMax, kc = Math.min(kcMax, k - k0);
            multiply(
                a,
                transA,
                c,
                m,
                n,
                k,
                m0,
                m1,
                n0,
                nc,
                k0,
                kc,
                accumulate,
                packed,
                (nb * k + k0) * NC,
                scratch);
          }
        });
  }

  /** The calling thread's buffer for a shared packed B (grown as needed, kept for reuse). */
  private static float[] sharedBuffer(long floats) {
    float[] buf = SHARED.get();
    if (buf.length < floats) {
      buf = new float[(int) floats];
      SHARED.set(buf);
    }
    return buf;
  }

  /**
   * {@code C[m0:m1, n0:n0+nc] (+)= op(A)[m0:m1, k0:k0+kc] · packedB}: every MR-row sliver of A
   * against every NR-column panel of the packed block at {@code packed[bo..]}.
   */
  private static void multiply(
      Tensor a,
      boolean transA,
      Tensor c,
      int m,
      int n,
      int k,
      int m0,
      int m1,
      int n0,
      int nc,
      int k0,
      int kc,
      boolean accumulate,
      float[] packed,
      int bo,
      float[][] scratch) {
    float[] A = a.array(), C = c.array();
    int ao = a.offset(), co = c.offset();
    // op(A)[i,p] = A[ao + i·rowStride + p·depthStride]
    int rowStride = transA ? 1 : k, depthStride = transA ? m : 1;
    boolean load = accumulate || k0 > 0;
    for (int i = m0; i < m1; i += MR) {
      int rows = Math.min(MR, m1 - i);
      int a0 = ao + i * rowStride + k0 * depthStride;
      int a1 = a0 + Math.min(1, rows - 1) * rowStride;
      int a2 = a0 + Math.min(2, rows - 1) * rowStride;
      int a3 = a0 + Math.min(3, rows - 1) * rowStride;
      // Copy the MR×kc sliver of A, depth-major (4 values per depth, adjacent), once for all the
      // panels: the micro-kernel then reads A at one running index. For Aᵀ this also avoids
      // depths M floats apart (a 4 KiB stride for M = 1024 maps them all to one L1 set).
      float[] sliver = scratch[2];
      for (int p = 0; p < kc; p++) {
        int at = p * depthStride;
        sliver[p * MR] = A[a0 + at];
        sliver[p * MR + 1] = A[a1 + at];
        sliver[p * MR + 2] = A[a2 + at];
        sliver[p * MR + 3] = A[a3 + at];
      }
      for (int j = 0; j < nc; j += NR) {
        kernel(
            sliver,
            packed,
            bo + j * kc,
            kc,
            C,
            co + i * n + n0 + j,
            n,
            rows,
            Math.min(NR, nc - j),
            load,
            scratch[1]);
      }
    }
  }

  /**
   * Packs {@code op(B)[k0:k0+kc, n0:n0+nc]} into panels of NR columns: panel {@code q} holds, for
   * each depth p, NR consecutive values at {@code dst[q·kc·NR + p·NR]}; missing columns are zero.
   */
  private static void pack(
      Tensor b,
      boolean transB,
      int k,
      int n,
      int k0,
      int kc,
      int n0,
      int nc,
      float[] dst,
      int base,
      float[] rows) {
    for (int j = 0; j < nc; j += NR) {
      int w = Math.min(NR, nc - j), panel = base + j * kc;
      if (!transB) {
        // B [K,N]: row p of the panel is a contiguous run of B's row k0+p
        for (int p = 0; p < kc; p++) {
          int at = panel + p * NR;
          Simd.decode(b, (long) (k0 + p) * n + n0 + j, dst, at, w);
          if (w < NR) {
            Arrays.fill(dst, at + w, at + NR, 0f);
          }
        }
      } else {
        // B [N,K]: column jj of the panel is a contiguous run of B's row n0+j+jj. Decode L such
        // rows at a time, then write the panel depth by depth, L consecutive floats per run (a
        // column-at-a-time scatter with its 256-byte stride would thrash a few L1 sets).
        for (int g = 0; g < w; g += L) {
          int gw = Math.min(L, w - g);
          for (int jj = 0; jj < gw; jj++) {
            Simd.decode(b, (long) (n0 + j + g + jj) * k + k0, rows, jj * kc, kc);
          }
          if (gw == L) {
            // one gather per depth: lane jj reads rows[jj·kc + p]
            int[] stride = new int[L];
            for (int jj = 0; jj < L; jj++) {
              stride[jj] = jj * kc;
            }
            for (int p = 0; p < kc; p++) {
              FloatVector.fromArray(F, rows, p, stride, 0).intoArray(dst, panel + p * NR + g);
            }
          } else {
            for (int p = 0; p < kc; p++) {
              int at = panel + p * NR + g;
              for (int jj = 0; jj < gw; jj++) {
                dst[at + jj] = rows[jj * kc + p];
              }
            }
          }
        }
        if (w < NR) {
          for (int p = 0; p < kc; p++) {
            Arrays.fill(dst, panel + p * NR + w, panel + (p + 1) * NR, 0f);
          }
        }
      }
    }
  }

  /**
   * The register tile: {@code C[rows, w] (+)= A[rows, kc] · Bpanel[kc, NR]}, A as a depth-major
   * sliver ({@code A[p·MR + r]}). Rows past {@code rows} repeat the last valid row of A (their
   * results are dropped), so the loop has no branches.
   */
  private static void kernel(
      float[] A,
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
    for (int p = 0, bi = bo, ap = 0; p < kc; p++, bi += NR, ap += MR) {
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

  // ---------------------------------------------------------------- few rows

  /** Columns of C per task in the few-rows paths. */
  private static final int SMALL_N_CHUNK = 256;

  /** {@code C[M,N] (+)= A[M,K] · Bᵀ} with B [N,K]: one decoded row of B, M dot products. */
  private static void smallNT(Tensor a, Tensor b, Tensor c, int m, int n, int k, boolean acc) {
    float[] A = a.array(), C = c.array();
    int ao = a.offset(), co = c.offset();
    Parallel.forEach(
        ceilDiv(n, SMALL_N_CHUNK),
        task -> {
          float[] row = new float[k];
          for (int j = task * SMALL_N_CHUNK, end = Math.min(n, j + SMALL_N_CHUNK); j < end; j++) {
            Simd.decode(b, (long) j * k, row, 0, k);
            for (int i = 0; i < m; i++) {
              float d = Simd.dot(A, ao + i * k, row, 0, k);
              int at = co + i * n + j;
              C[at] = acc ? C[at] + d : d;
            }
          }
        });
  }

  /** {@code C[M,N] (+)= A[M,K] · B} with B [K,N]: C's rows updated by scaled rows of B. */
  private static void smallNN(Tensor a, Tensor b, Tensor c, int m, int n, int k, boolean acc) {
    float[] A = a.array(), C = c.array();
    int ao = a.offset(), co = c.offset();
    Parallel.forEach(
        ceilDiv(n, SMALL_N_CHUNK),
        task -> {
          int j0 = task * SMALL_N_CHUNK, w = Math.min(SMALL_N_CHUNK, n - j0);
          float[] row = new float[w];
          if (!acc) {
            for (int i = 0; i < m; i++) {
              Arrays.fill(C, co + i * n + j0, co + i * n + j0 + w, 0f);
            }
          }
          for (int p = 0; p < k; p++) {
            Simd.decode(b, (long) p * n + j0, row, 0, w);
            for (int i = 0; i < m; i++) {
              Simd.axpy(A[ao + i * k + p], row, 0, C, co + i * n + j0, w);
            }
          }
        });
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
