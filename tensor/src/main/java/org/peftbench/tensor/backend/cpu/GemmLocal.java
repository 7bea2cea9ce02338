package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.GemmKernels.multiply;
import static org.peftbench.tensor.backend.cpu.GemmTiles.KC;
import static org.peftbench.tensor.backend.cpu.GemmTiles.MC;
import static org.peftbench.tensor.backend.cpu.GemmTiles.NR;
import static org.peftbench.tensor.backend.cpu.GemmTiles.PACKED;
import static org.peftbench.tensor.backend.cpu.GemmTiles.PANELS_PER_BLOCK;
import static org.peftbench.tensor.backend.cpu.GemmTiles.SCRATCH;
import static org.peftbench.tensor.backend.cpu.GemmTiles.ceilDiv;
import static org.peftbench.tensor.backend.cpu.GemmTiles.grown;

import java.util.Arrays;

/**
 * Single-threaded GEMM on raw arrays with arbitrary strides, for callers that already run inside a
 * task (attention blocks): B packed whole once ({@link #packWhole}), then A packed per depth block
 * and multiplied by the same micro-kernels as the parallel path.
 */
final class GemmLocal {
  private GemmLocal() {}

  private static final ThreadLocal<float[]> LOCAL_B = ThreadLocal.withInitial(() -> new float[0]);

  /**
   * {@code C (+)= op(A)[M,K] · op(B)[K,N]} on plain arrays addressed through strides, on the
   * calling thread only: for kernels that already run one task per head ({@link BlockedAttention}),
   * where the operands are slices of {@code [B,T,H,D]} tensors. Same blocking, packing and
   * micro-kernel as {@link #matmul}.
   *
   * <pre>
   *   op(A)[i,p] = A[ao + i·ars + p·acs]
   *   op(B)[p,j] = B[bo + p·brs + j·bcs]
   *   C[i,j]     = C[co + i·ldc + j]
   * </pre>
   */
  static void local(
      int m,
      int n,
      int k,
      float[] A,
      int ao,
      int ars,
      int acs,
      float[] B,
      int bo,
      int brs,
      int bcs,
      float[] C,
      int co,
      int ldc,
      boolean accumulate) {
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      if (!accumulate) {
        for (int i = 0; i < m; i++) {
          Arrays.fill(C, co + i * ldc, co + i * ldc + n, 0f);
        }
      }
      return;
    }
    int kBlocks = ceilDiv(k, KC), kcMax = ceilDiv(k, kBlocks);
    float[][] scratch = SCRATCH.get();
    if (n <= NR && ars != 0) {
      // one panel of columns: every value of A is used once, so packing it would only copy it;
      // a full panel of row-major B (e.g. D = 64 columns of a head) is read in place too
      boolean directB = n == NR && bcs == 1;
      float[] packed = directB ? B : PACKED.get();
      for (int kb = 0; kb < kBlocks; kb++) {
        int k0 = kb * kcMax, kc = Math.min(kcMax, k - k0);
        int bBase = bo + k0 * brs;
        if (!directB) {
          packStrided(B, bo, brs, bcs, k0, kc, 0, n, packed, 0);
          bBase = 0;
        }
        multiply(
            A,
            ao + k0 * acs,
            ars,
            acs,
            C,
            co,
            ldc,
            0,
            m,
            kc,
            n,
            accumulate || kb > 0,
            packed,
            bBase,
            0,
            directB ? brs : NR,
            scratch[1]);
      }
      return;
    }
    // several panels: pack all of op(B) once, then the packed product
    float[] packed = grown(LOCAL_B, packedSize(k, n));
    packWhole(B, bo, brs, bcs, k, n, packed, 0);
    localPacked(m, n, k, A, ao, ars, acs, packed, 0, k, C, co, ldc, accumulate);
  }

  /** Floats taken by {@link #packWhole} for an op(B) of {@code [K, N]}. */
  static int packedSize(int k, int n) {
    return ceilDiv(n, NR) * NR * k;
  }

  /**
   * Packs all of {@code op(B)[K, N]} (strided F32, addressed as in {@link #local}) into panels at
   * {@code dst[off..]}: depth p of panel q at {@code (q·K + p)·NR}. For operands that several
   * products share (the keys and values of a kv head serve every query head and query block of
   * attention); {@link #localPacked} may then use any leading depths and columns of it.
   */
  static void packWhole(float[] B, int bo, int brs, int bcs, int k, int n, float[] dst, int off) {
    for (int n0 = 0; n0 < n; n0 += NR) {
      packStrided(B, bo, brs, bcs, 0, k, n0, Math.min(NR, n - n0), dst, off + n0 / NR * k * NR);
    }
  }

  /**
   * {@link #local} with op(B) already packed by {@link #packWhole} (with {@code depth} ≥ k rows and
   * at least {@code n} columns): uses its first {@code k} depths and {@code n} columns.
   */
  static void localPacked(
      int m,
      int n,
      int k,
      float[] A,
      int ao,
      int ars,
      int acs,
      float[] packedB,
      int pbo,
      int depth,
      float[] C,
      int co,
      int ldc,
      boolean accumulate) {
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      local(m, n, 0, A, ao, ars, acs, packedB, 0, 0, 0, C, co, ldc, accumulate);
      return;
    }
    int kBlocks = ceilDiv(k, KC), kcMax = ceilDiv(k, kBlocks), panels = ceilDiv(n, NR);
    float[][] scratch = SCRATCH.get();
    for (int i0 = 0; i0 < m; i0 += MC) {
      int i1 = Math.min(m, i0 + MC);
      for (int kb = 0; kb < kBlocks; kb++) {
        int k0 = kb * kcMax, kc = Math.min(kcMax, k - k0);
        float[] aSrc = A;
        int aBase = ao + k0 * acs, aRow = ars;
        if (acs != 1 || ars == 0) {
          GemmPacking.packA(A, ao, ars, acs, i0, i1, k0, kc, scratch[2]);
          aSrc = scratch[2];
          aBase = aRow = 0;
        }
        for (int qb = 0; qb < panels; qb += PANELS_PER_BLOCK) {
          int qe = Math.min(panels, qb + PANELS_PER_BLOCK), n0 = qb * NR;
          multiply(
              aSrc,
              aBase,
              aRow,
              C,
              co + n0,
              ldc,
              i0,
              i1,
              kc,
              Math.min(n, qe * NR) - n0,
              accumulate || kb > 0,
              packedB,
              pbo + (qb * depth + k0) * NR,
              depth * NR,
              scratch[1]);
        }
      }
    }
  }

  /**
   * Packs {@code op(B)[k0:k0+kc, n0:n0+nc]} (strided, F32) into panels of NR columns like {@link
   * GemmPacking#packB}, walking whichever axis of B is contiguous.
   */
  private static void packStrided(
      float[] B, int bo, int brs, int bcs, int k0, int kc, int n0, int nc, float[] dst, int off) {
    for (int j = 0; j < nc; j += NR) {
      int w = Math.min(NR, nc - j), panel = off + j * kc;
      if (bcs == 1) {
        for (int p = 0; p < kc; p++) {
          System.arraycopy(B, bo + (k0 + p) * brs + n0 + j, dst, panel + p * NR, w);
        }
      } else {
        for (int jj = 0; jj < w; jj++) {
          int src = bo + (n0 + j + jj) * bcs + k0 * brs;
          for (int p = 0, at = panel + jj; p < kc; p++, at += NR) {
            dst[at] = B[src + p * brs];
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
