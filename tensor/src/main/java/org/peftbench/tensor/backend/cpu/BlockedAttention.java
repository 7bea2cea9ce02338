package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;

/**
 * Attention as small matrix products, for calls with many queries at once (a training batch, a
 * prefill). Per batch row, query head and block of {@link #QUERY_BLOCK} queries, every product runs
 * through the register-tiled GEMM micro-kernel ({@link Gemm#localPacked}) instead of one dot
 * product per score:
 *
 * <pre>
 *   forward:   S = Q·Kᵀ·scale,  P = softmax(S) (masked),  O = P·V
 *   backward:  P from S and the saved log-sum-exp,  dP = dO·Vᵀ,  dS = P ⊙ (dP − Δ)·scale
 *              with Δ = Σ_D dO ⊙ O,  dQ = dS·K,  dK = Σ_h dSᵀ·Q,  dV = Σ_h Pᵀ·dO
 * </pre>
 *
 * <p>Kᵀ and Vᵀ of each kv head are packed for the micro-kernel once per call and shared by its
 * query heads and query blocks (K and V too when D is not one panel wide; otherwise they are read
 * in place). The score products (Q·Kᵀ, dO·Vᵀ) of a query block cover the keys its last query can
 * see (the causal triangle, rounded up to the block); the products whose depth runs over keys or
 * queries (P·V, dS·K, Pᵀ·dO, dSᵀ·Q) follow the triangle a sliver of {@link #SLIVER} rows at a time,
 * in steps of {@link #DEPTH_STEP} depths that stay in L1. Scores past each query's own limit, and
 * padding keys, get probability 0. The forward's softmax is one pass over the scores (the scaling
 * fused into the exponential) and leaves P unnormalised; O's rows are divided by the sums instead.
 *
 * <p>Determinism: a forward task owns one (batch row, query head, query block). A backward task
 * owns one (batch row, kv head) and adds its query heads' dK, dV in head order; with fewer than
 * {@link #GROUPED_MIN_TASKS} such pairs, one (batch row, query head) with a private dK, dV part,
 * the parts summed in head order afterwards. Lane sums go in {@link Simd#sum}'s fixed order. So no
 * result depends on the thread count.
 *
 * <p>Layout as {@link CpuAttention}: q, out, dOut, dq {@code [B,T,Hq,D]}; k, v, dk, dv {@code
 * [B,S,Hkv,D]}; lse {@code [B,Hq,T]}.
 */
final class BlockedAttention {
  private BlockedAttention() {}

  /** Queries per block (rows of the score products). */
  static final int QUERY_BLOCK = 64;

  /** Rows per sliver of the triangle-following products (a multiple of {@link Gemm#MR}). */
  static final int SLIVER = 8;

  /**
   * From this many (batch row, kv head) pairs on, the backward runs one task per pair (its query
   * heads one after the other, adding to dK and dV in place) instead of one per query head with
   * private dK, dV parts summed afterwards.
   */
  static final int GROUPED_MIN_TASKS = 8;

  /** Fewer queries than this (token-by-token decoding) go to {@link CpuAttention}'s kernels. */
  static final int MIN_QUERIES = 16;

  /**
   * Largest backward with per-head dK/dV parts ({@code 2·B·Hq·S·D} floats; when not grouped, see
   * {@link #GROUPED_MIN_TASKS}) that runs here.
   */
  static final long MAX_PARTIAL_FLOATS = 32L << 20;

  /** Longest key axis handled here (a score block is {@code QUERY_BLOCK × S} floats). */
  static final int MAX_KEYS = 16384;

  /** Per-thread blocks (scores or P, dS, and row sums or packed rows), grown as needed. */
  private static final ThreadLocal<float[][]> BLOCKS =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

  /** Whether the forward of a call this size runs here. */
  static boolean fitsForward(Tensor q, Tensor k, AttentionMask mask) {
    return q.dim(1) >= MIN_QUERIES && mask.keys(k.dim(1)) <= MAX_KEYS;
  }

  /** Largest {@code T·S} of one head's P (and dS) in the backward, per thread (16 MiB). */
  static final long MAX_HEAD_SCORES = 4L << 20;

  /** Whether the backward of a call this size runs here. */
  static boolean fitsBackward(Tensor q, Tensor k, AttentionMask mask) {
    long keys = mask.keys(k.dim(1));
    long partials = 2L * q.dim(0) * q.dim(2) * keys * q.dim(3);
    boolean grouped = q.dim(0) * k.dim(2) >= GROUPED_MIN_TASKS; // no partials then
    return fitsForward(q, k, mask)
        && (grouped || partials <= MAX_PARTIAL_FLOATS)
        && (long) q.dim(1) * keys <= MAX_HEAD_SCORES;
  }

  /**
   * The keys or values of every (batch row, kv head) packed once for the GEMM, as {@code op(B) = Xᵀ
   * [D, S]} ({@code transposed}, for Q·Kᵀ and dO·Vᵀ) or {@code X [S, D]} (for P·V and dS·K): every
   * query head of the group and every query block reuses them. Head {@code bk}'s pack starts at
   * {@code bk · size}.
   */
  private static float[] packHeads(
      AttentionDims g, float[] X, int xo, boolean transposed, int size) {
    float[] packed = new float[g.b() * g.hkv() * size];
    Parallel.forEach(
        g.b() * g.hkv(),
        bk -> {
          int at = xo + g.kRow(bk / g.hkv(), 0, bk % g.hkv());
          if (transposed) {
            Gemm.packWhole(X, at, 1, g.kStride(), g.d(), g.keys(), packed, bk * size);
          } else {
            Gemm.packWhole(X, at, g.kStride(), 1, g.keys(), g.d(), packed, bk * size);
          }
        });
    return packed;
  }

  private static float[] block(int which, int floats) {
    float[][] blocks = BLOCKS.get();
    if (blocks[which].length < floats) {
      blocks[which] = new float[floats];
    }
    return blocks[which];
  }

  /**
   * Padding keys among the row's first {@code visible} scores get −∞ (probability 0). Returns the
   * scaled maximum {@code scale · max s} of the row (exact: rounding is monotonic, so it equals the
   * largest scaled score), −∞ when the query sees no key.
   */
  private static float maskedMax(
      float[] p, int row, int visible, boolean[] pad, int padAt, float scale) {
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
      vmax = vmax.max(FloatVector.fromArray(F, p, row + s));
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
  private static float expRow(float[] p, int row, int visible, int end, float scale, float shift) {
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
  private static void gradRow(
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
  private static int sliverDepth(AttentionMask mask, int t0, int nq, int r, int keys) {
    return CpuAttention.keyLimit(mask, t0 + Math.min(nq, r + SLIVER) - 1, keys);
  }

  /**
   * The first query that may see key {@code s} ({@code t} when none does): the products over
   * queries (Pᵀ·dO, dSᵀ·Q) start a sliver of keys there, skipping the masked part.
   */
  private static int firstQuery(AttentionMask mask, int s, int t) {
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
  private static void bySlivers(int m, DepthRange range, boolean add, SliverProduct product) {
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
  private interface DepthRange {
    int from(int r);

    int to(int r);
  }

  /**
   * One product of {@code rows} rows from row {@code r}, over {@code depth} depths from {@code
   * from}, added to C or overwriting it.
   */
  private interface SliverProduct {
    void run(int r, int rows, int from, int depth, boolean accumulate);
  }

  /** The key depths of the query slivers of a block: {@code [0, sliverDepth)}. */
  private static DepthRange sliversOf(AttentionMask mask, int t0, int nq, int keys) {
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
  private static float delta(float[] G, int go, float[] O, int oo, int d) {
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
   * at {@code b[off + i·stride]}) when D is one panel wide (Gemm.local's one-panel path, no packing
   * at all), otherwise packed by {@link Gemm#packWhole} with {@code depth} rows.
   */
  private record Rhs(float[] b, int off, int stride, boolean packed, int depth) {
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
        Gemm.localPacked(
            m, d, k, A, ao, ars, acs, b, off + from * Gemm.NR, depth, C, co, ldc, accumulate);
      } else {
        Gemm.local(
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
  private static void scores(
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
      int cols = Math.min(span, (need + L - 1) / L * L), full = cols / Gemm.NR * Gemm.NR;
      int vecs = (cols - full + L - 1) / L, xr = xo + r * xs, sr = so + r * lds;
      if (vecs == 0 || vecs == Gemm.NR / L) {
        Gemm.localPacked(rows, cols, d, X, xr, xs, 1, yt, yo, d, S, sr, lds, false);
        continue;
      }
      Gemm.localPacked(rows, full, d, X, xr, xs, 1, yt, yo, d, S, sr, lds, false);
      int panel = yo + full / Gemm.NR * d * Gemm.NR;
      for (int i = 0; i < rows; i += Gemm.MR) {
        AttentionGemm.narrow(
            vecs,
            Math.min(Gemm.MR, rows - i),
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

  // ---------------------------------------------------------------- forward

  static void forward(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    AttentionDims g = AttentionDims.of(q, k, v, out, mask);
    float[] Q = q.array(), K = k.array(), V = v.array(), O = out.array();
    float[] LSE = lse == null ? null : lse.array();
    int qo = q.offset(), ko = k.offset(), vo = v.offset(), oo = out.offset();
    int lo = lse == null ? 0 : lse.offset();
    boolean[] pad = mask.keyPadding();
    int d = g.d(), keys = g.keys(), qs = g.qStride();
    int tBlocks = (g.t() + QUERY_BLOCK - 1) / QUERY_BLOCK;
    int ktSize = Gemm.packedSize(d, keys), vSize = Gemm.packedSize(keys, d);
    boolean inPlace = d == Gemm.NR;
    float[] kt = packHeads(g, K, ko, true, ktSize);
    float[] vp = inPlace ? null : packHeads(g, V, vo, false, vSize);
    Parallel.forEach(
        g.b() * g.hq() * tBlocks,
        task -> {
          int tb = task % tBlocks, bh = task / tBlocks, h = bh % g.hq(), bi = bh / g.hq();
          int bk = bi * g.hkv() + h / g.group();
          int t0 = tb * QUERY_BLOCK, nq = Math.min(g.t(), t0 + QUERY_BLOCK) - t0;
          int span = CpuAttention.keyLimit(mask, t0 + nq - 1, keys);
          int qAt = g.qRow(bi, t0, h);
          float[] p = block(0, nq * Math.max(1, span)), inv = block(2, QUERY_BLOCK);
          // S[nq, span] = Q[nq, D] · Kᵀ[D, span]
          scores(mask, t0, nq, span, d, keys, Q, qo + qAt, qs, kt, bk * ktSize, p, 0, span);
          // unnormalised P = exp(S·scale − max) per row, zero up to its sliver's depth; O's rows
          // are divided by the sums afterwards (D values per row rather than span)
          for (int r = 0; r < nq; r++) {
            int ti = t0 + r, row = r * span;
            int visible = CpuAttention.keyLimit(mask, ti, keys);
            int end = sliverDepth(mask, t0, nq, r / SLIVER * SLIVER, keys);
            float max = maskedMax(p, row, visible, pad, bi * g.sBuf(), scale);
            float l = Float.NEGATIVE_INFINITY;
            if (max == Float.NEGATIVE_INFINITY) {
              Arrays.fill(p, row, row + end, 0f);
              inv[r] = 0f;
            } else {
              float sum = expRow(p, row, visible, end, scale, max);
              inv[r] = 1f / sum;
              l = max + (float) Math.log(sum);
            }
            if (LSE != null) {
              LSE[lo + g.lseAt(bi, h, ti)] = l;
            }
          }
          // O[nq, D] = P[nq, span] · V[span, D], each sliver of rows over the keys it sees
          Rhs vh =
              inPlace
                  ? new Rhs(V, vo + g.kRow(bi, 0, h / g.group()), g.kStride(), false, 0)
                  : new Rhs(vp, bk * vSize, 0, true, keys);
          bySlivers(
              nq,
              sliversOf(mask, t0, nq, keys),
              false,
              (r, rows, from, depth, acc) ->
                  vh.times(
                      rows,
                      d,
                      depth,
                      p,
                      r * span + from,
                      span,
                      1,
                      from,
                      O,
                      oo + qAt + r * qs,
                      qs,
                      acc));
          for (int r = 0; r < nq; r++) {
            Simd.scale(O, oo + qAt + r * qs, inv[r], d);
          }
        });
  }

  // ---------------------------------------------------------------- backward

  static void backward(
      Tensor q,
      Tensor k,
      Tensor v,
      AttentionMask mask,
      float scale,
      Tensor out,
      Tensor lse,
      Tensor dOut,
      Tensor dq,
      Tensor dk,
      Tensor dv) {
    AttentionDims g = AttentionDims.of(q, k, v, out, mask);
    float[] Q = q.array(), K = k.array(), V = v.array(), O = out.array(), G = dOut.array();
    float[] DQ = dq.array(), DK = dk.array(), DV = dv.array(), LSE = lse.array();
    int qo = q.offset(), ko = k.offset(), vo = v.offset(), oo = out.offset(), go = dOut.offset();
    int dqo = dq.offset(), dko = dk.offset(), dvo = dv.offset(), lo = lse.offset();
    boolean[] pad = mask.keyPadding();
    int d = g.d(), keys = g.keys(), qs = g.qStride(), t = g.t();
    // One task per (batch row, kv head) when there are enough of them: its query heads add their
    // dK, dV to the output one after the other. Otherwise one task per (batch row, query head),
    // each with a private [keys, D] part of dK and dV, summed in head order afterwards.
    boolean grouped = g.b() * g.hkv() >= GROUPED_MIN_TASKS;
    float[] partK = grouped ? null : new float[g.b() * g.hq() * keys * d];
    float[] partV = grouped ? null : new float[partK.length];
    int tBlocks = (t + QUERY_BLOCK - 1) / QUERY_BLOCK;
    int tSize = Gemm.packedSize(d, keys), size = Gemm.packedSize(keys, d);
    int headSize = Gemm.packedSize(t, d);
    float[] kt = packHeads(g, K, ko, true, tSize), vt = packHeads(g, V, vo, true, tSize);
    boolean inPlace = d == Gemm.NR;
    float[] kp = inPlace ? null : packHeads(g, K, ko, false, size);
    DepthRange queriesSeeing =
        new DepthRange() {
          @Override
          public int from(int s) {
            return firstQuery(mask, s, t);
          }

          @Override
          public int to(int s) {
            return t;
          }
        };
    Parallel.forEach(
        grouped ? g.b() * g.hkv() : g.b() * g.hq(),
        task -> {
          int bi = grouped ? task / g.hkv() : task / g.hq();
          int h0 = grouped ? task % g.hkv() * g.group() : task % g.hq();
          int h1 = grouped ? h0 + g.group() : h0 + 1, kvh = h0 / g.group();
          int bk = bi * g.hkv() + kvh;
          // where this task's dK, dV go: the output rows of kv head kvh, or the head's part
          int cK = grouped ? dko + g.kRow(bi, 0, kvh) : (bi * g.hq() + h0) * keys * d;
          int cV = grouped ? dvo + g.kRow(bi, 0, kvh) : cK, ldc = grouped ? g.kStride() : d;
          float[] CK = grouped ? DK : partK, CV = grouped ? DV : partV;
          for (int h = h0; h < h1; h++) {
            boolean add = h > h0;
            // the head's P and dS, [T, keys], so that dV and dK are long products over all queries
            // rather than one short update per query block. Row t is written up to where the
            // products below read it (zero past the query's limit).
            float[] p = block(0, t * keys), ds = block(1, t * keys);
            Rhs kh =
                inPlace
                    ? new Rhs(K, ko + g.kRow(bi, 0, h / g.group()), g.kStride(), false, 0)
                    : new Rhs(kp, bk * size, 0, true, keys);
            for (int tb = 0; tb < tBlocks; tb++) {
              int t0 = tb * QUERY_BLOCK, nq = Math.min(t, t0 + QUERY_BLOCK) - t0;
              int span = CpuAttention.keyLimit(mask, t0 + nq - 1, keys);
              int qAt = g.qRow(bi, t0, h), rows = t0 * keys;
              // P[nq, span] from S = Q·Kᵀ and the saved log-sum-exp
              scores(mask, t0, nq, span, d, keys, Q, qo + qAt, qs, kt, bk * tSize, p, rows, keys);
              // dP[nq, span] = dO[nq, D] · Vᵀ[D, span], then dS = P ⊙ (dP − Δ)·scale in place
              scores(mask, t0, nq, span, d, keys, G, go + qAt, qs, vt, bk * tSize, ds, rows, keys);
              for (int r = 0; r < nq; r++) {
                int ti = t0 + r, row = rows + r * keys, at = qAt + r * qs;
                int visible = CpuAttention.keyLimit(mask, ti, keys);
                // read up to the sliver's depth (dS·K below) and to the end of the sliver of keys
                // holding the query's last key (Pᵀ·dO, dSᵀ·Q)
                int sliverEnd = sliverDepth(mask, t0, nq, r / SLIVER * SLIVER, keys);
                int keyEnd = (visible + SLIVER - 1) / SLIVER * SLIVER;
                int end = Math.min(keys, Math.max(sliverEnd, keyEnd)),
                    computed = Math.min(end, span);
                if (pad != null) {
                  maskedMax(p, row, visible, pad, bi * g.sBuf(), scale);
                }
                float delta = delta(G, go + at, O, oo + at, d);
                gradRow(
                    p, ds, row, visible, computed, end, scale, LSE[lo + g.lseAt(bi, h, ti)], delta);
              }
              // dQ[nq, D] = dS[nq, span] · K[span, D], each sliver of rows over the keys it sees
              bySlivers(
                  nq,
                  sliversOf(mask, t0, nq, keys),
                  false,
                  (r, n, from, depth, acc) ->
                      kh.times(
                          n,
                          d,
                          depth,
                          ds,
                          rows + r * keys + from,
                          keys,
                          1,
                          from,
                          DQ,
                          dqo + qAt + r * qs,
                          qs,
                          acc));
            }
            // this head's dV = Pᵀ · dO and dK = dSᵀ · Q, each sliver of keys over the queries that
            // see it (dO and Q in place, or packed once per head here)
            int qHead = g.qRow(bi, 0, h);
            Rhs gh = new Rhs(G, go + qHead, qs, false, 0),
                qh = new Rhs(Q, qo + qHead, qs, false, 0);
            if (!inPlace) {
              float[] packed = block(2, 2 * headSize);
              Gemm.packWhole(G, go + qHead, qs, 1, t, d, packed, 0);
              Gemm.packWhole(Q, qo + qHead, qs, 1, t, d, packed, headSize);
              gh = new Rhs(packed, 0, 0, true, t);
              qh = new Rhs(packed, headSize, 0, true, t);
            }
            Rhs dO = gh, qRows = qh;
            bySlivers(
                keys,
                queriesSeeing,
                add,
                (s, n, from, nt, acc) -> {
                  int pAt = from * keys + s;
                  dO.times(n, d, nt, p, pAt, 1, keys, from, CV, cV + s * ldc, ldc, acc);
                  qRows.times(n, d, nt, ds, pAt, 1, keys, from, CK, cK + s * ldc, ldc, acc);
                });
          }
          if (grouped) {
            // rows past the keys in use
            for (int s = keys; s < g.sBuf(); s++) {
              Arrays.fill(DK, cK + s * ldc, cK + s * ldc + d, 0f);
              Arrays.fill(DV, cV + s * ldc, cV + s * ldc + d, 0f);
            }
          }
        });
    if (grouped) {
      return;
    }
    // dK, dV of kv head kh = the sum of its query heads' parts, in head order
    Parallel.forEach(
        g.b() * g.hkv(),
        bk -> {
          int bi = bk / g.hkv(), kh = bk % g.hkv();
          for (int s = 0; s < g.sBuf(); s++) {
            int at = g.kRow(bi, s, kh);
            Arrays.fill(DK, dko + at, dko + at + d, 0f);
            Arrays.fill(DV, dvo + at, dvo + at + d, 0f);
            if (s >= keys) {
              continue;
            }
            for (int h = kh * g.group(); h < (kh + 1) * g.group(); h++) {
              int from = ((bi * g.hq() + h) * keys + s) * d;
              Simd.axpy(1f, partK, from, DK, dko + at, d);
              Simd.axpy(1f, partV, from, DV, dvo + at, d);
            }
          }
        });
  }
}
