package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.AttentionSlivers.SLIVER;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.bySlivers;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.delta;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.expRow;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.firstQuery;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.gradRow;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.maskedMax;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.scores;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.sliverDepth;
import static org.peftbench.tensor.backend.cpu.AttentionSlivers.sliversOf;

import java.util.Arrays;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.cpu.AttentionSlivers.DepthRange;
import org.peftbench.tensor.backend.cpu.AttentionSlivers.Rhs;

/**
 * Attention as small matrix products, for calls with many queries at once (a training batch, a
 * prefill). Per batch row, query head and block of {@link #QUERY_BLOCK} queries, every product runs
 * through the register-tiled GEMM micro-kernel ({@link GemmLocal#localPacked}) instead of one dot
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
 * queries (P·V, dS·K, Pᵀ·dO, dSᵀ·Q) follow the triangle a sliver of {@link AttentionSlivers#SLIVER}
 * rows at a time, in steps of {@link AttentionSlivers#DEPTH_STEP} depths that stay in L1. Scores
 * past each query's own limit, and padding keys, get probability 0. The forward's softmax is one
 * pass over the scores (the scaling fused into the exponential) and leaves P unnormalised; O's rows
 * are divided by the sums instead.
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
            GemmLocal.packWhole(X, at, 1, g.kStride(), g.d(), g.keys(), packed, bk * size);
          } else {
            GemmLocal.packWhole(X, at, g.kStride(), 1, g.keys(), g.d(), packed, bk * size);
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
    int ktSize = GemmLocal.packedSize(d, keys), vSize = GemmLocal.packedSize(keys, d);
    boolean inPlace = d == GemmTiles.NR;
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
    int tSize = GemmLocal.packedSize(d, keys), size = GemmLocal.packedSize(keys, d);
    int headSize = GemmLocal.packedSize(t, d);
    float[] kt = packHeads(g, K, ko, true, tSize), vt = packHeads(g, V, vo, true, tSize);
    boolean inPlace = d == GemmTiles.NR;
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
              GemmLocal.packWhole(G, go + qHead, qs, 1, t, d, packed, 0);
              GemmLocal.packWhole(Q, qo + qHead, qs, 1, t, d, packed, headSize);
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
