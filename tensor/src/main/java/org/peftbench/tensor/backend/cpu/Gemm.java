package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;

/**
 * Single-precision GEMM {@code C[M,N] (+)= op(A)[M,K] · op(B)[K,N]} with the Vector API, in the
 * GotoBLAS/BLIS shape:
 *
 * <ul>
 *   <li>B is cut into blocks of {@link #KC} × {@link #NC} (256 × 512 floats = 512 KiB, so one
 *       packed block sits in the 1 MiB L2). Each block is packed once into panels of {@link #NR}
 *       columns, k-major, so the micro-kernel reads it with contiguous vector loads. BF16/F16
 *       weights are decoded while packing: the micro-kernel only ever sees F32.
 *   <li>A is packed per K block, {@link #MC} rows at a time, into slivers of {@link #MR} rows,
 *       depth-major: the micro-kernel broadcasts one A value per row and k step from one running
 *       index, and Aᵀ is read along its rows.
 *   <li>The micro-kernel computes a {@link #MR} × {@link #NR} tile (4 rows × 4 vectors = 16
 *       accumulators, 64 columns with AVX-512) with fused multiply-adds.
 *   <li>With many N blocks (a vocabulary projection), each task is one N block and packs its own B
 *       blocks into a per-thread buffer. With few (N = 1536 gives 3), all of B is packed once, in
 *       parallel, into one buffer the threads share, and the tasks are equal rectangles of C (rows
 *       × panels), so the threads stay balanced without packing B twice.
 *   <li>A narrow C (N = 16, the rank of a LoRA product) would leave most of a 64-column tile empty:
 *       it gets its own tile of {@link #NARROW_ROWS} rows × one vector, reading A in place.
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

  /** Rows of A packed at a time (an MC × KC block of A: 256 KiB). */
  static final int MC = 256;

  /** Below this many rows of C, skip packing. */
  static final int SMALL_M = 8;

  /** Aim for at least this many tasks so two or more threads balance well. */
  private static final int MIN_TASKS = 16;

  /** Largest B packed whole and shared by the threads (64 MiB). */
  private static final long SHARED_MAX_FLOATS = 16L << 20;

  private static final ThreadLocal<float[]> PACKED =
      ThreadLocal.withInitial(() -> new float[KC * NC]);
  private static final ThreadLocal<float[]> SHARED = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> SHARED_A = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> LOCAL_B = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(
          () -> new float[][] {new float[L * KC], new float[MR * NR], new float[MC * KC]});

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

  // ---------------------------------------------------------------- blocked path

  /** Panels of NR columns per cache block of packed B (NC columns). */
  private static final int PANELS_PER_BLOCK = NC / NR;

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

  /**
   * The calling thread's buffer in {@code slot}, grown to {@code floats} if needed, kept for reuse.
   */
  private static float[] grown(ThreadLocal<float[]> slot, long floats) {
    float[] buf = slot.get();
    if (buf.length < floats) {
      buf = new float[(int) floats];
      slot.set(buf);
    }
    return buf;
  }

  /**
   * {@code C[i0:i1, 0:nc] (+)= op(A)[i0:i1, K block] · packedB} for one K block: every MR-row
   * sliver of A against every NR-column panel; panel j of B starts at {@code packed[bo +
   * j·panelStride]}, C is addressed from {@code co} with row stride {@code ldc}. A is either packed
   * ({@code aRow} = 0: slivers from {@link GemmPacking#packA} at {@code A[aBase..]}) or read in
   * place, row i at {@code A[aBase + i·aRow]} with contiguous depths (no copy needed for a
   * row-major A).
   */
  private static void multiply(
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
  private static void multiply(
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

  // ---------------------------------------------------------------- strided, one thread

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

  // ---------------------------------------------------------------- narrow C

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
  private static void narrow(
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
