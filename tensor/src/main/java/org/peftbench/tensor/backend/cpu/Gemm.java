package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.GemmKernels.multiply;
import static org.peftbench.tensor.backend.cpu.GemmNarrow.NARROW_MAX_N;
import static org.peftbench.tensor.backend.cpu.GemmNarrow.NARROW_ROWS;
import static org.peftbench.tensor.backend.cpu.GemmNarrow.narrow;
import static org.peftbench.tensor.backend.cpu.GemmTiles.KC;
import static org.peftbench.tensor.backend.cpu.GemmTiles.MC;
import static org.peftbench.tensor.backend.cpu.GemmTiles.MR;
import static org.peftbench.tensor.backend.cpu.GemmTiles.NC;
import static org.peftbench.tensor.backend.cpu.GemmTiles.NR;
import static org.peftbench.tensor.backend.cpu.GemmTiles.PACKED;
import static org.peftbench.tensor.backend.cpu.GemmTiles.PANELS_PER_BLOCK;
import static org.peftbench.tensor.backend.cpu.GemmTiles.SCRATCH;
import static org.peftbench.tensor.backend.cpu.GemmTiles.ceilDiv;
import static org.peftbench.tensor.backend.cpu.GemmTiles.grown;

import java.util.Arrays;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;

/**
 * Single-precision GEMM {@code C[M,N] (+)= op(A)[M,K] · op(B)[K,N]} with the Vector API, in the
 * GotoBLAS/BLIS shape:
 *
 * <ul>
 *   <li>B is cut into blocks of {@link GemmTiles#KC} × {@link GemmTiles#NC} (256 × 512 floats = 512
 *       KiB, so one packed block sits in the 1 MiB L2). Each block is packed once into panels of
 *       {@link GemmTiles#NR} columns, k-major, so the micro-kernel reads it with contiguous vector
 *       loads. BF16/F16 weights are decoded while packing: the micro-kernel only ever sees F32.
 *   <li>A is packed per K block, {@link GemmTiles#MC} rows at a time, into slivers of {@link
 *       GemmTiles#MR} rows, depth-major: the micro-kernel broadcasts one A value per row and k step
 *       from one running index, and Aᵀ is read along its rows.
 *   <li>The micro-kernel computes a {@link GemmTiles#MR} × {@link GemmTiles#NR} tile (4 rows × 4
 *       vectors = 16 accumulators, 64 columns with AVX-512) with fused multiply-adds.
 *   <li>With many N blocks (a vocabulary projection), each task is one N block and packs its own B
 *       blocks into a per-thread buffer. With few (N = 1536 gives 3), all of B is packed once, in
 *       parallel, into one buffer the threads share, and the tasks are equal rectangles of C (rows
 *       × panels), so the threads stay balanced without packing B twice.
 *   <li>A narrow C (N = 16, the rank of a LoRA product) would leave most of a 64-column tile empty:
 *       it gets its own tile of {@link GemmNarrow#NARROW_ROWS} rows × one vector, reading A in
 *       place.
 *   <li>Every element of C is summed over K in the same order whatever the task split, so results
 *       are identical for any thread count.
 * </ul>
 *
 * <p>For fewer than {@link #SMALL_M} rows (token-by-token generation) packing would cost more than
 * it saves, so those products run as plain dot products / row updates over the decoded weight.
 */
final class Gemm {
  private Gemm() {}

  /** Below this many rows of C, skip packing. */
  static final int SMALL_M = 8;

  /** Aim for at least this many tasks so two or more threads balance well. */
  private static final int MIN_TASKS = 16;

  /** Largest B packed whole and shared by the threads (64 MiB). */
  private static final long SHARED_MAX_FLOATS = 16L << 20;

  private static final ThreadLocal<float[]> SHARED = ThreadLocal.withInitial(() -> new float[0]);

  private static final ThreadLocal<float[]> SHARED_A = ThreadLocal.withInitial(() -> new float[0]);

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
    if (n <= NARROW_MAX_N && m >= NARROW_ROWS) {
      narrow(a32, transA, b, transB, c, m, n, k, accumulate);
      return;
    }
    if (!transA && m < SMALL_M) {
      if (transB) {
        smallNT(a32, b, c, m, n, k, accumulate);
      } else {
        smallNN(a32, b, c, m, n, k, accumulate);
      }
      return;
    }
    blocked(a32, transA, b, transB, null, null, c, m, n, k, accumulate);
  }

  /**
   * {@code C (+)= A·op(B) + A2·op(B2)} with a rank-R second term (R ≤ {@link #KC}): on the shared-B
   * path the second product is one more depth block of the first, so C is read and written once;
   * elsewhere, two products. Either way the same sums in the same order as the two separate calls.
   */
  static void matmulLowRank(
      Tensor a, Tensor b, boolean transB, Tensor a2, Tensor b2, Tensor c, boolean accumulate) {
    Checks.matmul(a, false, b, transB, c);
    Checks.matmul(a2, false, b2, transB, c);
    int m = c.dim(0), n = c.dim(1), k = a.dim(1), r = a2.dim(1);
    // only where matmul would take the blocked path (which fuses on its shared-B branch and adds
    // the second product after the first on the others)
    if (m < SMALL_M || n <= NARROW_MAX_N || k == 0 || r == 0 || r > KC) {
      matmul(a, false, b, transB, c, accumulate);
      matmul(a2, false, b2, transB, c, true);
      return;
    }
    Tensor a32 = a.isHeapF32() ? a : a.toF32(), a232 = a2.isHeapF32() ? a2 : a2.toF32();
    blocked(a32, false, b, transB, a232, b2, c, m, n, k, accumulate);
  }

  /**
   * The blocked product, with an optional low-rank second term {@code a2·op(b2)} (see {@link
   * #matmulLowRank}; only on the shared path, which its caller has checked).
   */
  private static void blocked(
      Tensor a,
      boolean transA,
      Tensor b,
      boolean transB,
      Tensor a2,
      Tensor b2,
      Tensor c,
      int m,
      int n,
      int k,
      boolean accumulate) {
    // K blocks of equal depth (576 → 3 × 192 rather than 256 + 256 + 64)
    int kBlocks = ceilDiv(k, KC), kcMax = ceilDiv(k, kBlocks);
    int panels = ceilDiv(n, NR);
    long sharedFloats = (long) panels * NR * k;
    // op(A)[i,p] = A[ao + i·rowStride + p·depthStride]
    float[] A = a.array(), C = c.array();
    int ao = a.offset(), co = c.offset();
    int rowStride = transA ? 1 : k, depthStride = transA ? m : 1;
    int nBlocks = ceilDiv(panels, PANELS_PER_BLOCK);
    if (m <= DIRECT_B_MAX_M && !transB && b.isHeapF32() && n % NR == 0) {
      direct(A, ao, rowStride, depthStride, b, C, co, m, n, k, kBlocks, kcMax, accumulate);
      addLowRank(a2, b2, transB, c);
      return;
    }
    if (nBlocks >= MIN_TASKS || sharedFloats > SHARED_MAX_FLOATS) {
      // many N blocks (a vocabulary projection): one task per N block packs its own B block. All
      // of A is packed once first and shared (every N block multiplies all of it: packing it per
      // block cost ~10% of a 1024 × 49152 × 576 product); block (chunk c, K block kb) of the
      // packed A starts at (c·kBlocks + kb)·MC·kcMax.
      int chunks = ceilDiv(m, MC);
      float[] packedA = grown(SHARED_A, (long) chunks * kBlocks * MC * kcMax);
      Parallel.forEach(
          chunks * kBlocks,
          task -> {
            int i0 = task / kBlocks * MC, k0 = task % kBlocks * kcMax;
            float[] block = SCRATCH.get()[2];
            int kc = Math.min(kcMax, k - k0), i1 = Math.min(m, i0 + MC);
            GemmPacking.packA(A, ao, rowStride, depthStride, i0, i1, k0, kc, block);
            System.arraycopy(block, 0, packedA, task * MC * kcMax, ceilDiv(i1 - i0, MR) * MR * kc);
          });
      Parallel.forEach(
          nBlocks,
          nb -> {
            float[] packed = PACKED.get();
            float[][] scratch = SCRATCH.get();
            int n0 = nb * NC, nc = Math.min(NC, n - n0);
            for (int kb = 0; kb < kBlocks; kb++) {
              int k0 = kb * kcMax, kc = Math.min(kcMax, k - k0);
              GemmPacking.packB(b, transB, k, n, k0, kc, n0, nc, packed, 0, kc * NR, scratch[0]);
              for (int i0 = 0; i0 < m; i0 += MC) {
                int i1 = Math.min(m, i0 + MC);
                multiply(
                    packedA,
                    (i0 / MC * kBlocks + kb) * MC * kcMax,
                    0,
                    C,
                    co + n0,
                    n,
                    i0,
                    i1,
                    kc,
                    nc,
                    accumulate || kb > 0,
                    packed,
                    0,
                    kc * NR,
                    scratch[1]);
              }
            }
          });
      addLowRank(a2, b2, transB, c);
      return;
    }
    // few N blocks: pack all of B once (in parallel) into a buffer every task reads, panel by
    // panel (panel q holds all K depths at q·K·NR), then split the work over M and the panels so
    // that every task has the same size
    int r = a2 == null ? 0 : a2.dim(1), lowRankAt = panels * NR * k;
    float[] packed = grown(SHARED, sharedFloats + (long) panels * NR * r);
    // pack tasks: a transposed B one panel per task (few, slow panels: 3 × 3 tasks rather than 3
    // keep two threads busy); a row-major B whole block rows (one decode call per row and block)
    int packGroups = transB ? panels : ceilDiv(panels, PANELS_PER_BLOCK);
    int packPanels = ceilDiv(panels, packGroups);
    if (r > 0) {
      // op(B2) [R, N] after B, panel q's R depths at lowRankAt + q·R·NR
      for (int q = 0; q < panels; q += PANELS_PER_BLOCK) {
        int nc = Math.min(PANELS_PER_BLOCK * NR, n - q * NR);
        GemmPacking.packB(
            b2,
            transB,
            r,
            n,
            0,
            r,
            q * NR,
            nc,
            packed,
            lowRankAt + q * r * NR,
            r * NR,
            SCRATCH.get()[0]);
      }
    }
    Parallel.forEach(
        packGroups * kBlocks,
        task -> {
          int q = task / kBlocks * packPanels, kb = task % kBlocks;
          int k0 = kb * kcMax, n0 = q * NR;
          GemmPacking.packB(
              b,
              transB,
              k,
              n,
              k0,
              Math.min(kcMax, k - k0),
              n0,
              Math.min(packPanels * NR, n - n0),
              packed,
              (q * k + k0) * NR,
              k * NR,
              SCRATCH.get()[0]);
        });
    // Which task computes an element does not change how it is summed (always over the same K
    // blocks in the same order), so the split may follow the thread count.
    int target = 4 * Parallel.threads();
    int mChunks = Math.min(ceilDiv(m, MR), target);
    int panelGroups = Math.min(panels, ceilDiv(target, mChunks));
    int chunkRows = ceilDiv(ceilDiv(m, mChunks), MR) * MR,
        groupPanels = ceilDiv(panels, panelGroups);
    int chunks = ceilDiv(m, chunkRows), groups = ceilDiv(panels, groupPanels);
    Parallel.forEach(
        chunks * groups,
        task -> {
          int m0 = (task / groups) * chunkRows, m1 = Math.min(m, m0 + chunkRows);
          int q0 = (task % groups) * groupPanels, q1 = Math.min(panels, q0 + groupPanels);
          float[][] scratch = SCRATCH.get();
          for (int i0 = m0; i0 < m1; i0 += MC) {
            int i1 = Math.min(m1, i0 + MC);
            for (int kb = 0; kb < kBlocks; kb++) {
              int k0 = kb * kcMax, kc = Math.min(kcMax, k - k0);
              GemmPacking.packA(A, ao, rowStride, depthStride, i0, i1, k0, kc, scratch[2]);
              // a cache block of panels at a time, so the B block stays in L2 across the rows
              for (int qb = q0; qb < q1; qb += PANELS_PER_BLOCK) {
                int qe = Math.min(q1, qb + PANELS_PER_BLOCK), n0 = qb * NR;
                multiply(
                    scratch[2],
                    0,
                    0,
                    C,
                    co + n0,
                    n,
                    i0,
                    i1,
                    kc,
                    Math.min(n, qe * NR) - n0,
                    accumulate || kb > 0,
                    packed,
                    (qb * k + k0) * NR,
                    k * NR,
                    scratch[1]);
              }
            }
            if (r > 0) {
              // the low-rank term: one more depth block, added to what the blocks above summed
              GemmPacking.packA(a2.array(), a2.offset(), r, 1, i0, i1, 0, r, scratch[2]);
              for (int qb = q0; qb < q1; qb += PANELS_PER_BLOCK) {
                int qe = Math.min(q1, qb + PANELS_PER_BLOCK), n0 = qb * NR;
                multiply(
                    scratch[2],
                    0,
                    0,
                    C,
                    co + n0,
                    n,
                    i0,
                    i1,
                    r,
                    Math.min(n, qe * NR) - n0,
                    true,
                    packed,
                    lowRankAt + qb * r * NR,
                    r * NR,
                    scratch[1]);
              }
            }
          }
        });
  }

  /** Up to this many rows of C, a row-major F32 B is read in place rather than packed. */
  static final int DIRECT_B_MAX_M = 32;

  /**
   * Few rows of C (the {@code dA = dxsᵀ·x} of LoRA: M = r = 16) use each value of B only M times,
   * so packing B (K·N copies) would cost more than the product; a row-major F32 B whose width is a
   * whole number of panels is read in place, its rows {@code N} floats apart, and only the few rows
   * of A are packed. Tasks split the panels.
   */
  private static void direct(
      float[] A,
      int ao,
      int rowStride,
      int depthStride,
      Tensor b,
      float[] C,
      int co,
      int m,
      int n,
      int k,
      int kBlocks,
      int kcMax,
      boolean accumulate) {
    float[] B = b.array();
    int bo = b.offset(), panels = n / NR;
    int tasks = Math.min(panels, 4 * Parallel.threads()), perTask = ceilDiv(panels, tasks);
    Parallel.forEach(
        ceilDiv(panels, perTask),
        task -> {
          int q0 = task * perTask, q1 = Math.min(panels, q0 + perTask);
          float[][] scratch = SCRATCH.get();
          for (int kb = 0; kb < kBlocks; kb++) {
            int k0 = kb * kcMax, kc = Math.min(kcMax, k - k0);
            GemmPacking.packA(A, ao, rowStride, depthStride, 0, m, k0, kc, scratch[2]);
            multiply(
                scratch[2],
                0,
                0,
                1,
                C,
                co + q0 * NR,
                n,
                0,
                m,
                kc,
                (q1 - q0) * NR,
                accumulate || kb > 0,
                B,
                bo + k0 * n + q0 * NR,
                NR,
                n,
                scratch[1]);
          }
        });
  }

  /** {@code C += A2·op(B2)} when there is a low-rank term (on the paths that do not fuse it). */
  private static void addLowRank(Tensor a2, Tensor b2, boolean transB, Tensor c) {
    if (a2 != null) {
      matmul(a2, false, b2, transB, c, true);
    }
  }

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
}
