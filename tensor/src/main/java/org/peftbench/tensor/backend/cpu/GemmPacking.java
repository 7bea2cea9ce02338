package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.GemmTiles.MR;
import static org.peftbench.tensor.backend.cpu.GemmTiles.NR;
import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.peftbench.tensor.Tensor;

/**
 * How {@link Gemm} lays out its operands for the register tile: A into slivers of {@link
 * GemmTiles#MR} rows (depth-major), op(B) into panels of {@link GemmTiles#NR} columns. Both are
 * transpositions of small blocks, done with two-vector shuffles in registers: in the training
 * step's cold-cache products, packing with scalar stores and gathers cost 10-35% of the GEMM.
 */
final class GemmPacking {
  private GemmPacking() {}

  /** Four floats: one depth of an MR-row sliver of A. */
  private static final VectorSpecies<Float> A4 = FloatVector.SPECIES_128;

  /**
   * Packs {@code op(A)[i0:i1, k0:k0+kc]} into slivers of MR rows, depth-major: sliver s holds, for
   * each depth p, its MR values at {@code dst[s·kc·MR + p·MR]} (rows past i1 repeat the last row).
   * The micro-kernel then reads A at one running index, and Aᵀ is read along its rows rather than
   * at depths M floats apart (a 4 KiB stride for M = 1024 maps them all to one L1 set).
   */
  static void packA(
      float[] A,
      int ao,
      int rowStride,
      int depthStride,
      int i0,
      int i1,
      int k0,
      int kc,
      float[] dst) {
    if (rowStride == 1) {
      // Aᵀ: one depth of all the rows is contiguous in A; walk it depth by depth, a sliver's MR
      // values being MR adjacent floats
      int full = i0 + (i1 - i0) / MR * MR;
      for (int p = 0; p < kc; p++) {
        int src = ao + (k0 + p) * depthStride;
        for (int i = i0; i < full; i += MR) {
          FloatVector.fromArray(A4, A, src + i).intoArray(dst, ((i - i0) / MR) * kc * MR + p * MR);
        }
        if (full < i1) {
          int last = i1 - full - 1, at = ((full - i0) / MR) * kc * MR + p * MR;
          for (int r = 0; r < MR; r++) {
            dst[at + r] = A[src + full + Math.min(r, last)];
          }
        }
      }
      return;
    }
    // row-major A (depthStride 1): each sliver is a 4 × kc transpose. L depths of the 4 rows at a
    // time: 4 row vectors in, two rounds of two-vector shuffles, 4 vectors of depth-major
    // quadruples out (a scalar loop spent 5-20% of a training GEMM's time here, one store per
    // float)
    int vectorDepths = depthStride == 1 ? kc / L * L : 0;
    for (int i = i0; i < i1; i += MR) {
      int rows = Math.min(MR, i1 - i), base = ((i - i0) / MR) * kc * MR;
      int s0 = ao + i * rowStride + k0 * depthStride;
      int s1 = s0 + Math.min(1, rows - 1) * rowStride, s2 = s0 + Math.min(2, rows - 1) * rowStride;
      int s3 = s0 + Math.min(3, rows - 1) * rowStride;
      for (int p = 0; p < vectorDepths; p += L) {
        FloatVector r0 = FloatVector.fromArray(F, A, s0 + p);
        FloatVector r1 = FloatVector.fromArray(F, A, s1 + p);
        FloatVector r2 = FloatVector.fromArray(F, A, s2 + p);
        FloatVector r3 = FloatVector.fromArray(F, A, s3 + p);
        // round 1: pairs (r0[d], r1[d]) and (r2[d], r3[d]), lower and upper halves of the depths
        FloatVector t0 = r0.rearrange(ZIP_LO, r1), t1 = r0.rearrange(ZIP_HI, r1);
        FloatVector t2 = r2.rearrange(ZIP_LO, r3), t3 = r2.rearrange(ZIP_HI, r3);
        // round 2: pairs of pairs, so that each depth's four rows are adjacent
        int at = base + p * MR;
        t0.rearrange(PAIRS_LO, t2).intoArray(dst, at);
        t0.rearrange(PAIRS_HI, t2).intoArray(dst, at + L);
        t1.rearrange(PAIRS_LO, t3).intoArray(dst, at + 2 * L);
        t1.rearrange(PAIRS_HI, t3).intoArray(dst, at + 3 * L);
      }
      for (int r = 0; r < MR; r++) {
        int src = s0 + Math.min(r, rows - 1) * rowStride; // s0..s3 above, without an array
        for (int p = vectorDepths, at = base + vectorDepths * MR + r; p < kc; p++, at += MR) {
          dst[at] = A[src + p * depthStride];
        }
      }
    }
  }

  // Shuffles of two vectors (an index below 0 picks lane index + L of the second): ZIP_LO/HI
  // interleave the lower/upper halves lane by lane (a0 b0 a1 b1 ...), PAIRS_LO/HI the lower/upper
  // halves two lanes at a time (a0 a1 b0 b1 a2 a3 b2 b3 ...), QUADS four and OCTS eight at a time
  // (the last two only used where L = 16).
  private static final VectorShuffle<Float> ZIP_LO = twoVectorShuffle(0, 1);
  private static final VectorShuffle<Float> ZIP_HI = twoVectorShuffle(L / 2, 1);
  private static final VectorShuffle<Float> PAIRS_LO = twoVectorShuffle(0, 2);
  private static final VectorShuffle<Float> PAIRS_HI = twoVectorShuffle(L / 2, 2);
  private static final VectorShuffle<Float> QUADS_LO = twoVectorShuffle(0, 4);
  private static final VectorShuffle<Float> QUADS_HI = twoVectorShuffle(L / 2, 4);
  private static final VectorShuffle<Float> OCTS_LO = twoVectorShuffle(0, 8);
  private static final VectorShuffle<Float> OCTS_HI = twoVectorShuffle(L / 2, 8);

  /** Runs of {@code run} lanes taken alternately from the two vectors, from lane {@code from}. */
  private static VectorShuffle<Float> twoVectorShuffle(int from, int run) {
    int[] index = new int[L];
    for (int lane = 0; lane < L; lane++) {
      int pair = lane / (2 * run), within = lane % run;
      boolean second = lane % (2 * run) >= run;
      int source = from + pair * run + within;
      index[lane] = second ? source - L : source;
    }
    return VectorShuffle.fromValues(F, index);
  }

  /**
   * Packs {@code op(B)[k0:k0+kc, n0:n0+nc]} into panels of NR columns: panel {@code q} holds, for
   * each depth p, NR consecutive values at {@code dst[base + q·panelStride + p·NR]}; missing
   * columns are zero.
   */
  static void packB(
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
      int panelStride,
      float[] rows) {
    if (!transB) {
      // B [K,N]: row p of every panel is a contiguous run of B's row k0+p. Decode the block's
      // whole run of that row at once (one call per row, not per panel: decoding 64 BF16 values
      // costs less than the call), then spread it over the panels.
      for (int p = 0; p < kc; p++) {
        Simd.decode(b, (long) (k0 + p) * n + n0, rows, 0, nc);
        for (int j = 0; j < nc; j += NR) {
          int w = Math.min(NR, nc - j), at = base + j / NR * panelStride + p * NR;
          System.arraycopy(rows, j, dst, at, w);
          if (w < NR) {
            Arrays.fill(dst, at + w, at + NR, 0f);
          }
        }
      }
      return;
    }
    for (int j = 0; j < nc; j += NR) {
      int w = Math.min(NR, nc - j), panel = base + j / NR * panelStride;
      {
        // B [N,K]: column jj of the panel is a contiguous run of B's row n0+j+jj. Decode L such
        // rows at a time, then write the panel depth by depth, L consecutive floats per run (a
        // column-at-a-time scatter with its 256-byte stride would thrash a few L1 sets).
        for (int g = 0; g < w; g += L) {
          int gw = Math.min(L, w - g);
          for (int jj = 0; jj < gw; jj++) {
            Simd.decode(b, (long) (n0 + j + g + jj) * k + k0, rows, jj * kc, kc);
          }
          if (gw == L) {
            // 16 depths at a time transposed in registers where vectors hold 16 floats; the rest
            // one gather per depth: lane jj reads rows[jj·kc + p]
            int blocked = L == 16 ? kc / 16 * 16 : 0;
            for (int p = 0; p < blocked; p += 16) {
              transpose16(rows, kc, p, dst, panel + p * NR + g);
            }
            if (blocked < kc) {
              int[] stride = new int[L];
              for (int jj = 0; jj < L; jj++) {
                stride[jj] = jj * kc;
              }
              for (int p = blocked; p < kc; p++) {
                FloatVector.fromArray(F, rows, p, stride, 0).intoArray(dst, panel + p * NR + g);
              }
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
   * A 16 × 16 block transposed in registers (AVX-512: L = 16): row jj of the block is {@code
   * rows[jj·kc + p0 ..]}, and depth p of it, one float per row, goes to {@code dst[at + p·NR ..]}.
   * Four rounds of two-vector shuffles (runs of 1, 2, 4, 8 lanes) instead of one gather per depth,
   * which cost 10-15% of a product with a transposed B.
   */
  private static void transpose16(float[] rows, int kc, int p0, float[] dst, int at) {
    FloatVector v0 = FloatVector.fromArray(F, rows, p0);
    FloatVector v1 = FloatVector.fromArray(F, rows, 1 * kc + p0);
    FloatVector v2 = FloatVector.fromArray(F, rows, 2 * kc + p0);
    FloatVector v3 = FloatVector.fromArray(F, rows, 3 * kc + p0);
    FloatVector v4 = FloatVector.fromArray(F, rows, 4 * kc + p0);
    FloatVector v5 = FloatVector.fromArray(F, rows, 5 * kc + p0);
    FloatVector v6 = FloatVector.fromArray(F, rows, 6 * kc + p0);
    FloatVector v7 = FloatVector.fromArray(F, rows, 7 * kc + p0);
    FloatVector v8 = FloatVector.fromArray(F, rows, 8 * kc + p0);
    FloatVector v9 = FloatVector.fromArray(F, rows, 9 * kc + p0);
    FloatVector v10 = FloatVector.fromArray(F, rows, 10 * kc + p0);
    FloatVector v11 = FloatVector.fromArray(F, rows, 11 * kc + p0);
    FloatVector v12 = FloatVector.fromArray(F, rows, 12 * kc + p0);
    FloatVector v13 = FloatVector.fromArray(F, rows, 13 * kc + p0);
    FloatVector v14 = FloatVector.fromArray(F, rows, 14 * kc + p0);
    FloatVector v15 = FloatVector.fromArray(F, rows, 15 * kc + p0);
    // round 1: rows 2i and 2i+1 interleaved (depths 0-7, then 8-15)
    FloatVector x0 = v0.rearrange(ZIP_LO, v1), x1 = v0.rearrange(ZIP_HI, v1);
    FloatVector x2 = v2.rearrange(ZIP_LO, v3), x3 = v2.rearrange(ZIP_HI, v3);
    FloatVector x4 = v4.rearrange(ZIP_LO, v5), x5 = v4.rearrange(ZIP_HI, v5);
    FloatVector x6 = v6.rearrange(ZIP_LO, v7), x7 = v6.rearrange(ZIP_HI, v7);
    FloatVector x8 = v8.rearrange(ZIP_LO, v9), x9 = v8.rearrange(ZIP_HI, v9);
    FloatVector x10 = v10.rearrange(ZIP_LO, v11), x11 = v10.rearrange(ZIP_HI, v11);
    FloatVector x12 = v12.rearrange(ZIP_LO, v13), x13 = v12.rearrange(ZIP_HI, v13);
    FloatVector x14 = v14.rearrange(ZIP_LO, v15), x15 = v14.rearrange(ZIP_HI, v15);
    // round 2: four rows per depth (y[4q + d]: rows 4q..4q+3, depths 4d..4d+3)
    FloatVector y0 = x0.rearrange(PAIRS_LO, x2), y1 = x0.rearrange(PAIRS_HI, x2);
    FloatVector y2 = x1.rearrange(PAIRS_LO, x3), y3 = x1.rearrange(PAIRS_HI, x3);
    FloatVector y4 = x4.rearrange(PAIRS_LO, x6), y5 = x4.rearrange(PAIRS_HI, x6);
    FloatVector y6 = x5.rearrange(PAIRS_LO, x7), y7 = x5.rearrange(PAIRS_HI, x7);
    FloatVector y8 = x8.rearrange(PAIRS_LO, x10), y9 = x8.rearrange(PAIRS_HI, x10);
    FloatVector y10 = x9.rearrange(PAIRS_LO, x11), y11 = x9.rearrange(PAIRS_HI, x11);
    FloatVector y12 = x12.rearrange(PAIRS_LO, x14), y13 = x12.rearrange(PAIRS_HI, x14);
    FloatVector y14 = x13.rearrange(PAIRS_LO, x15), y15 = x13.rearrange(PAIRS_HI, x15);
    // round 3: eight rows per depth (z[8h + 2d + e]: rows 8h..8h+7, depths 4d+2e, 4d+2e+1)
    FloatVector z0 = y0.rearrange(QUADS_LO, y4), z1 = y0.rearrange(QUADS_HI, y4);
    FloatVector z2 = y1.rearrange(QUADS_LO, y5), z3 = y1.rearrange(QUADS_HI, y5);
    FloatVector z4 = y2.rearrange(QUADS_LO, y6), z5 = y2.rearrange(QUADS_HI, y6);
    FloatVector z6 = y3.rearrange(QUADS_LO, y7), z7 = y3.rearrange(QUADS_HI, y7);
    FloatVector z8 = y8.rearrange(QUADS_LO, y12), z9 = y8.rearrange(QUADS_HI, y12);
    FloatVector z10 = y9.rearrange(QUADS_LO, y13), z11 = y9.rearrange(QUADS_HI, y13);
    FloatVector z12 = y10.rearrange(QUADS_LO, y14), z13 = y10.rearrange(QUADS_HI, y14);
    FloatVector z14 = y11.rearrange(QUADS_LO, y15), z15 = y11.rearrange(QUADS_HI, y15);
    // round 4: all sixteen rows of one depth per vector
    z0.rearrange(OCTS_LO, z8).intoArray(dst, at);
    z0.rearrange(OCTS_HI, z8).intoArray(dst, at + 1 * NR);
    z1.rearrange(OCTS_LO, z9).intoArray(dst, at + 2 * NR);
    z1.rearrange(OCTS_HI, z9).intoArray(dst, at + 3 * NR);
    z2.rearrange(OCTS_LO, z10).intoArray(dst, at + 4 * NR);
    z2.rearrange(OCTS_HI, z10).intoArray(dst, at + 5 * NR);
    z3.rearrange(OCTS_LO, z11).intoArray(dst, at + 6 * NR);
    z3.rearrange(OCTS_HI, z11).intoArray(dst, at + 7 * NR);
    z4.rearrange(OCTS_LO, z12).intoArray(dst, at + 8 * NR);
    z4.rearrange(OCTS_HI, z12).intoArray(dst, at + 9 * NR);
    z5.rearrange(OCTS_LO, z13).intoArray(dst, at + 10 * NR);
    z5.rearrange(OCTS_HI, z13).intoArray(dst, at + 11 * NR);
    z6.rearrange(OCTS_LO, z14).intoArray(dst, at + 12 * NR);
    z6.rearrange(OCTS_HI, z14).intoArray(dst, at + 13 * NR);
    z7.rearrange(OCTS_LO, z15).intoArray(dst, at + 14 * NR);
    z7.rearrange(OCTS_HI, z15).intoArray(dst, at + 15 * NR);
  }
}
