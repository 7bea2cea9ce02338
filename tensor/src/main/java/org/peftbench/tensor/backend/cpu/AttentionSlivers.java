package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.peftbench.tensor.backend.AttentionMask;

/**
 * The pieces {@link BlockedAttention} assembles a block from: the row math on a block of scores
 * (masked maximum, the fused scaled exponential, the gradient row {@code dS = P ⊙ (dP − Δ)·scale})
 * and the products that follow the causal triangle a sliver of {@link #SLIVER} query rows at a
 * time, each sliver over only the key depths its rows can see.
 */
final class AttentionSlivers {
  private AttentionSlivers() {}

  /** Rows per sliver of the triangle-following products (a multiple of {@link GemmTiles#MR}). */
  static final int SLIVER = 8;

  /**
   * Padding keys among the row's first {@code visible} scores get −∞ (probability 0). Returns the
   * scaled maximum {@code scale · max s} of the row (exact: rounding is monotonic, so it equals the
   * largest scaled score), −∞ when the query sees no key.
   */
  static float maskedMax(float[] p, int row, int visible, boolean[] pad, int padAt, float scale) {
    if (pad != null) {
      for (int s = 0; s < visible; s++) {
        if (pad[padAt + s]) {
          p[row + s] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int s = 0;
    for (; s + L <= visible; s += L) {
      // compare + blend: FloatVector.max on AVX2 is a longer dependency chain (NaN and −0 rules
      // this maximum does not need: a NaN score still poisons the softmax through exp)
      FloatVector v = FloatVector.fromArray(F, p, row + s);
      vmax = vmax.blend(v, vmax.compare(VectorOperators.LT, v));
    }
    float max = vmax.reduceLanes(VectorOperators.MAX);
    for (; s < visible; s++) {
      max = Math.max(max, p[row + s]);
    }
    return max == Float.NEGATIVE_INFINITY ? max : max * scale;
  }

  /** Below this, e^x counts as 0 (e^−87 ≈ 1.6·10⁻³⁸, near the smallest normal float). */
  private static final float EXP_MIN = -87f;

  /**
   * e^x for softmax arguments (x ≤ about 0): {@link Simd#expNormal} (exp's polynomial without the
   * handling of subnormal results: a fifth fewer vector operations on the attention's hottest
   * elementwise loop), and exactly 0 below {@link #EXP_MIN}, so that −∞ (masked) gives 0.
   */
  static FloatVector softmaxExp(FloatVector x) {
    return Simd.expNormal(x).blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
  }

  /**
   * Row {@code p[row ..]} of raw scores becomes {@code exp(s·scale − shift)} on its first {@code
   * visible} keys (−∞ scores, i.e. padding, give 0) and 0 on {@code [visible, end)}; returns the
   * sum. One pass: the scaling is fused into the exponential's argument.
   */
  static float expRow(float[] p, int row, int visible, int end, float scale, float shift) {
    FloatVector acc = FloatVector.zero(F);
    int s = 0;
    for (; s + L <= visible; s += L) {
      FloatVector e = softmaxExp(FloatVector.fromArray(F, p, row + s).fma(scale, -shift));
      e.intoArray(p, row + s);
      acc = acc.add(e);
    }
    if (s < visible && s + L <= end) {
      // the last partial vector: lanes past the query's limit get −∞ first (exp gives 0)
      Arrays.fill(p, row + visible, row + s + L, Float.NEGATIVE_INFINITY);
      FloatVector e = softmaxExp(FloatVector.fromArray(F, p, row + s).fma(scale, -shift));
      e.intoArray(p, row + s);
      acc = acc.add(e);
      s += L;
    }
    float sum = Simd.sum(acc); // a fixed order: reduceLanes(ADD) may differ between JIT tiers
    for (; s < visible; s++) {
      float e = (float) Math.exp(Math.fma(p[row + s], scale, -shift));
      p[row + s] = e;
      sum += e;
    }
    if (s < end) {
      Arrays.fill(p, row + s, row + end, 0f);
    }
    return sum;
  }

  /**
   * One backward row in one pass: {@code p = exp(s·scale − lse)} from the raw scores in {@code
   * p[row ..]} on the first {@code visible} keys (−∞ scores, i.e. padding, give 0) and {@code ds =
   * p·(dp − Δ)·scale} from the dP in {@code ds[row ..]}; both 0 on {@code [visible, end)}. Scores
   * and dP are read up to {@code computed} at most.
   */
  static void gradRow(
      float[] p,
      float[] ds,
      int row,
      int visible,
      int computed,
      int end,
      float scale,
      float lse,
      float delta) {
    int s = 0;
    if (lse != Float.NEGATIVE_INFINITY) {
      for (; s + L <= visible; s += L) {
        FloatVector e = softmaxExp(FloatVector.fromArray(F, p, row + s).fma(scale, -lse));
        e.intoArray(p, row + s);
        FloatVector dp = FloatVector.fromArray(F, ds, row + s).sub(delta);
        e.mul(dp).mul(scale).intoArray(ds, row + s);
      }
      if (s < visible && s + L <= computed) {
        // the last partial vector: lanes past the query's limit get −∞ first (exp gives 0)
        Arrays.fill(p, row + visible, row + s + L, Float.NEGATIVE_INFINITY);
        FloatVector e = softmaxExp(FloatVector.fromArray(F, p, row + s).fma(scale, -lse));
        e.intoArray(p, row + s);
        FloatVector dp = FloatVector.fromArray(F, ds, row + s).sub(delta);
        e.mul(dp).mul(scale).intoArray(ds, row + s);
        s += L;
      }
      for (; s < visible; s++) {
        float e = (float) Math.exp(Math.fma(p[row + s], scale, -lse));
        p[row + s] = e;
        ds[row + s] = e * (ds[row + s] - delta) * scale;
      }
    }
    if (s < end) {
      Arrays.fill(p, row + s, row + end, 0f);
      Arrays.fill(ds, row + s, row + end, 0f);
    }
  }

  /**
   * Keys {@code [0, depth)} that the sliver of rows {@code r .. r+SLIVER-1} of a query block (first
   * query {@code t0}, {@code nq} rows) may see: the limit of its last query. The products whose
   * depth runs over keys (P·V, dS·K) stop there, a sliver of {@link #SLIVER} rows at a time,
   * instead of at the block's last query: that skips the masked half of the diagonal block.
   */
  static int sliverDepth(AttentionMask mask, int t0, int nq, int r, int keys) {
    return CpuAttention.keyLimit(mask, t0 + Math.min(nq, r + SLIVER) - 1, keys);
  }

  /**
   * The first query that may see key {@code s} ({@code t} when none does): the products over
   * queries (Pᵀ·dO, dSᵀ·Q) start a sliver of keys there, skipping the masked part.
   */
  static int firstQuery(AttentionMask mask, int s, int t) {
    if (!mask.causal() || s < mask.prefix()) {
      return 0;
    }
    return (int) Math.min(t, Math.max(0L, (long) s - mask.prefix() - mask.queryOffset()));
  }

  /**
   * Depths per step of {@link #bySlivers}: a {@code DEPTH_STEP × D} block of B (16 KiB for D = 64)
   * stays in L1 while every sliver of A passes over it, rather than each sliver streaming its whole
   * depth of B (up to the key count) through the cache. (On the 2-core AVX-512 machine of the
   * docs/performance.md, no faster than whole depths at T = 256; it bounds the working set for
   * longer ones.)
   */
  static final int DEPTH_STEP = 64;

  /**
   * Runs {@code product} over the rows {@code [0, m)} a sliver of {@link #SLIVER} rows at a time,
   * each sliver over its depths {@code [from(r), to(r))} only (the causal triangle at sliver
   * granularity), in steps of {@link #DEPTH_STEP} depths: step by step, every sliver with depths in
   * the step; runs of slivers with the same depths go in one call. A sliver's first call overwrites
   * its rows of C (adds to them with {@code add}), the later ones add to them.
   */
  static void bySlivers(int m, DepthRange range, boolean add, SliverProduct product) {
    int lo = Integer.MAX_VALUE, hi = 0;
    for (int r = 0; r < m; r += SLIVER) {
      int from = range.from(r), to = range.to(r);
      if (from >= to) {
        product.run(r, Math.min(SLIVER, m - r), from, 0, add); // sees nothing: C = 0 (or as is)
      }
      lo = Math.min(lo, from);
      hi = Math.max(hi, to);
    }
    for (int k0 = lo / DEPTH_STEP * DEPTH_STEP; k0 < hi; k0 += DEPTH_STEP) {
      int k1 = k0 + DEPTH_STEP;
      for (int r = 0; r < m; ) {
        int from = range.from(r), start = Math.max(from, k0), end = Math.min(range.to(r), k1);
        int r1 = r + SLIVER;
        if (start >= end) {
          r = r1;
          continue;
        }
        while (r1 < m) {
          int from1 = range.from(r1);
          if (Math.max(from1, k0) != start
              || Math.min(range.to(r1), k1) != end
              || (from1 < k0) != (from < k0)) {
            break;
          }
          r1 += SLIVER;
        }
        r1 = Math.min(r1, m);
        product.run(r, r1 - r, start, end - start, add || from < k0);
        r = r1;
      }
    }
  }

  /** The depths {@code [from(r), to(r))} that the sliver starting at row r needs. */
  interface DepthRange {
    int from(int r);

    int to(int r);
  }

  /**
   * One product of {@code rows} rows from row {@code r}, over {@code depth} depths from {@code
   * from}, added to C or overwriting it.
   */
  interface SliverProduct {
    void run(int r, int rows, int from, int depth, boolean accumulate);
  }

  /** The key depths of the query slivers of a block: {@code [0, sliverDepth)}. */
  static DepthRange sliversOf(AttentionMask mask, int t0, int nq, int keys) {
    return new DepthRange() {
      @Override
      public int from(int r) {
        return 0;
      }

      @Override
      public int to(int r) {
        return sliverDepth(mask, t0, nq, r, keys);
      }
    };
  }

  /** Δ = Σ_D dO ⊙ O of one query. */
  static float delta(float[] G, int go, float[] O, int oo, int d) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i + L <= d; i += L) {
      acc = FloatVector.fromArray(F, G, go + i).fma(FloatVector.fromArray(F, O, oo + i), acc);
    }
    float sum = Simd.sum(acc); // a fixed order: reduceLanes(ADD) may differ between JIT tiers
    for (; i < d; i++) {
      sum += G[go + i] * O[oo + i];
    }
    return sum;
  }

  /**
   * The right-hand operand {@code B [depth, D]} of P·V, dS·K, Pᵀ·dO and dSᵀ·Q: read in place (row i
   * at {@code b[off + i·stride]}) when D is one panel wide (GemmLocal.local's one-panel path, no
   * packing at all), otherwise packed by {@link GemmLocal#packWhole} with {@code depth} rows.
   */
  record Rhs(float[] b, int off, int stride, boolean packed, int depth) {
    /** {@code C[m, D] (+)= op(A)[m, k] · B[from .. from+k, D]}. */
    void times(
        int m,
        int d,
        int k,
        float[] A,
        int ao,
        int ars,
        int acs,
        int from,
        float[] C,
        int co,
        int ldc,
        boolean accumulate) {
      if (packed) {
        GemmLocal.localPacked(
            m, d, k, A, ao, ars, acs, b, off + from * GemmTiles.NR, depth, C, co, ldc, accumulate);
      } else {
        GemmLocal.local(
            m, d, k, A, ao, ars, acs, b, off + from * stride, stride, 1, C, co, ldc, accumulate);
      }
    }
  }

  /** Rows per group of {@link #scores}: each group stops at the keys its last query sees. */
  static final int SCORE_GROUP = 16;

  /**
   * The score block {@code S[nq, ·] = X[nq, D] · Yᵀ} of a query block (first query t0): each group
   * of {@link #SCORE_GROUP} rows over the keys its last query can see, rounded up to a vector (at
   * most {@code span}), rather than the whole block over {@code span}. The whole panels go through
   * the GEMM, the last partial panel through {@link AttentionGemm#narrow}: that skips most of the
   * masked half of the diagonal panel. X's rows are {@code xs} floats apart from {@code xo}; Yᵀ [D,
   * keys] is packed at {@code yt[yo..]}; S's rows are {@code lds} floats apart from {@code so}.
   */
  static void scores(
      AttentionMask mask,
      int t0,
      int nq,
      int span,
      int d,
      int keys,
      float[] X,
      int xo,
      int xs,
      float[] yt,
      int yo,
      float[] S,
      int so,
      int lds) {
    for (int r = 0; r < nq; r += SCORE_GROUP) {
      int rows = Math.min(SCORE_GROUP, nq - r);
      int need = CpuAttention.keyLimit(mask, t0 + r + rows - 1, keys);
      int cols = Math.min(span, (need + L - 1) / L * L), full = cols / GemmTiles.NR * GemmTiles.NR;
      int vecs = (cols - full + L - 1) / L, xr = xo + r * xs, sr = so + r * lds;
      if (vecs == 0 || vecs == GemmTiles.NR / L) {
        GemmLocal.localPacked(rows, cols, d, X, xr, xs, 1, yt, yo, d, S, sr, lds, false);
        continue;
      }
      GemmLocal.localPacked(rows, full, d, X, xr, xs, 1, yt, yo, d, S, sr, lds, false);
      int panel = yo + full / GemmTiles.NR * d * GemmTiles.NR;
      for (int i = 0; i < rows; i += GemmTiles.MR) {
        AttentionGemm.narrow(
            vecs,
            Math.min(GemmTiles.MR, rows - i),
            cols - full,
            d,
            X,
            xr + i * xs,
            xs,
            yt,
            panel,
            S,
            sr + i * lds + full,
            lds);
      }
    }
  }
}
