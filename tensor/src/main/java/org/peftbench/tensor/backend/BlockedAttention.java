package org.peftbench.tensor.backend;

import static org.peftbench.tensor.backend.Simd.F;
import static org.peftbench.tensor.backend.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;

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
 * <p>The keys and values of each kv head are packed for the micro-kernel once per call and shared
 * by its query heads and query blocks. A query block multiplies only the keys its last query can
 * see (the causal triangle, rounded up to the block); scores past each query's own limit, and
 * padding keys, get probability 0.
 *
 * <p>Determinism: each task owns one (batch row, query head); its dK and dV contributions go to a
 * private buffer, and the heads sharing a kv head are summed in head order afterwards, so no result
 * depends on the thread count.
 *
 * <p>Layout as {@link CpuAttention}: q, out, dOut, dq {@code [B,T,Hq,D]}; k, v, dk, dv {@code
 * [B,S,Hkv,D]}; lse {@code [B,Hq,T]}.
 */
final class BlockedAttention {
  private BlockedAttention() {}

  /** Queries per task (rows of every product). */
  static final int QUERY_BLOCK = 64;

  /** Fewer queries than this (token-by-token decoding) go to {@link CpuAttention}'s kernels. */
  static final int MIN_QUERIES = 16;

  /** Largest backward whose per-head dK/dV partials ({@code 2·B·Hq·S·D} floats) are kept. */
  static final long MAX_PARTIAL_FLOATS = 32L << 20;

  /** Longest key axis handled here (a score block is {@code QUERY_BLOCK × S} floats). */
  static final int MAX_KEYS = 16384;

  /** Per-thread score and gradient blocks, grown as needed. */
  private static final ThreadLocal<float[][]> BLOCKS =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

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
    return fitsForward(q, k, mask)
        && partials <= MAX_PARTIAL_FLOATS
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
   * Turns row r of the scaled scores {@code p[r·span ..]} into probabilities: keys past the query's
   * limit and padding keys get 0. With {@code lse} given (backward) the row is {@code exp(s −
   * lse)}; otherwise it is normalised here and its log-sum-exp returned (−∞ when the query sees no
   * key, its row then all zero).
   */
  private static float probabilities(
      float[] p, int row, int span, int limit, boolean[] pad, int padAt, float scale, float lse) {
    int visible = Math.min(limit, span);
    float max = Float.NEGATIVE_INFINITY;
    int s = 0;
    if (pad == null) {
      // no padding: scale the visible scores a vector at a time (max is exact in any order)
      FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
      for (; s + L <= visible; s += L) {
        FloatVector v = FloatVector.fromArray(F, p, row + s).mul(scale);
        v.intoArray(p, row + s);
        vmax = vmax.max(v);
      }
      max = vmax.reduceLanes(VectorOperators.MAX);
    }
    for (; s < visible; s++) {
      if (pad != null && pad[padAt + s]) {
        p[row + s] = Float.NEGATIVE_INFINITY;
      } else {
        p[row + s] *= scale;
        max = Math.max(max, p[row + s]);
      }
    }
    // keys past the query's limit: probability 0. Up to the next whole vector they are set to −∞
    // and go through the vector exponential (giving 0): a scalar Math.exp tail of up to 15 keys
    // per query cost more than the vector part. Beyond that, plain zeros.
    int end = Math.min(span, (visible + L - 1) / L * L);
    Arrays.fill(p, row + visible, row + end, Float.NEGATIVE_INFINITY);
    Arrays.fill(p, row + end, row + span, 0f);
    if (max == Float.NEGATIVE_INFINITY || lse == Float.NEGATIVE_INFINITY) {
      Arrays.fill(p, row, row + end, 0f);
      return Float.NEGATIVE_INFINITY;
    }
    if (!Float.isNaN(lse)) {
      CpuBackend.expShifted(p, row, lse, p, row, end);
      return lse;
    }
    float sum = CpuBackend.expShifted(p, row, max, p, row, end);
    Simd.scale(p, row, 1f / sum, end);
    return max + (float) Math.log(sum);
  }

  /** {@code ds[row + s] = p·(ds − Δ)·scale} for the row's first {@code span} scores. */
  private static void dScores(float[] p, float[] ds, int row, int span, float delta, float scale) {
    int s = 0;
    for (; s + L <= span; s += L) {
      FloatVector dp = FloatVector.fromArray(F, ds, row + s).sub(delta);
      FloatVector.fromArray(F, p, row + s).mul(dp).mul(scale).intoArray(ds, row + s);
    }
    for (; s < span; s++) {
      ds[row + s] = p[row + s] * (ds[row + s] - delta) * scale;
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
    int tBlocks = (g.t() + QUERY_BLOCK - 1) / QUERY_BLOCK;
    int ktSize = Gemm.packedSize(g.d(), g.keys()), vSize = Gemm.packedSize(g.keys(), g.d());
    float[] kt = packHeads(g, K, ko, true, ktSize), vp = packHeads(g, V, vo, false, vSize);
    Parallel.forEach(
        g.b() * g.hq() * tBlocks,
        task -> {
          int tb = task % tBlocks, bh = task / tBlocks, h = bh % g.hq(), bi = bh / g.hq();
          int bk = bi * g.hkv() + h / g.group();
          int t0 = tb * QUERY_BLOCK, nq = Math.min(g.t(), t0 + QUERY_BLOCK) - t0;
          int span = CpuAttention.keyLimit(mask, t0 + nq - 1, g.keys());
          int qAt = g.qRow(bi, t0, h);
          float[] p = block(0, nq * Math.max(1, span));
          // S[nq, span] = Q[nq, D] · Kᵀ[D, span]
          Gemm.localPacked(
              nq,
              span,
              g.d(),
              Q,
              qo + qAt,
              g.qStride(),
              1,
              kt,
              bk * ktSize,
              g.d(),
              p,
              0,
              span,
              false);
          for (int r = 0; r < nq; r++) {
            int ti = t0 + r;
            float l =
                probabilities(
                    p,
                    r * span,
                    span,
                    CpuAttention.keyLimit(mask, ti, g.keys()),
                    pad,
                    bi * g.sBuf(),
                    scale,
                    Float.NaN);
            if (LSE != null) {
              LSE[lo + g.lseAt(bi, h, ti)] = l;
            }
          }
          // O[nq, D] = P[nq, span] · V[span, D]
          Gemm.localPacked(
              nq,
              g.d(),
              span,
              p,
              0,
              span,
              1,
              vp,
              bk * vSize,
              g.keys(),
              O,
              oo + qAt,
              g.qStride(),
              false);
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
    int d = g.d(), keys = g.keys(), qs = g.qStride();
    // dK, dV contributions of each (batch row, query head): [keys, D] each
    float[] partK = new float[g.b() * g.hq() * keys * d], partV = new float[partK.length];
    int tBlocks = (g.t() + QUERY_BLOCK - 1) / QUERY_BLOCK;
    int tSize = Gemm.packedSize(d, keys), size = Gemm.packedSize(keys, d);
    float[] kt = packHeads(g, K, ko, true, tSize), vt = packHeads(g, V, vo, true, tSize);
    float[] kp = packHeads(g, K, ko, false, size);
    Parallel.forEach(
        g.b() * g.hq(),
        bh -> {
          int h = bh % g.hq(), bi = bh / g.hq(), bk = bi * g.hkv() + h / g.group();
          int part = bh * keys * d;
          // the head's P and dS, [T, keys] (zero where a query sees no key), so that dV and dK
          // are long products over all queries rather than one short update per query block
          float[] p = block(0, g.t() * keys), ds = block(1, g.t() * keys);
          for (int tb = 0; tb < tBlocks; tb++) {
            int t0 = tb * QUERY_BLOCK, nq = Math.min(g.t(), t0 + QUERY_BLOCK) - t0;
            int span = CpuAttention.keyLimit(mask, t0 + nq - 1, keys);
            int qAt = g.qRow(bi, t0, h), rows = t0 * keys;
            // P[nq, span] from S = Q·Kᵀ and the saved log-sum-exp
            Gemm.localPacked(
                nq, span, d, Q, qo + qAt, qs, 1, kt, bk * tSize, d, p, rows, keys, false);
            for (int r = 0; r < nq; r++) {
              int ti = t0 + r, row = rows + r * keys;
              probabilities(
                  p,
                  row,
                  span,
                  CpuAttention.keyLimit(mask, ti, keys),
                  pad,
                  bi * g.sBuf(),
                  scale,
                  LSE[lo + g.lseAt(bi, h, ti)]);
              Arrays.fill(p, row + span, row + keys, 0f);
            }
            // dP[nq, span] = dO[nq, D] · Vᵀ[D, span], then dS = P ⊙ (dP − Δ)·scale in place
            Gemm.localPacked(
                nq, span, d, G, go + qAt, qs, 1, vt, bk * tSize, d, ds, rows, keys, false);
            for (int r = 0; r < nq; r++) {
              int at = qAt + r * qs, row = rows + r * keys;
              dScores(p, ds, row, span, Simd.dot(G, go + at, O, oo + at, d), scale);
              Arrays.fill(ds, row + span, row + keys, 0f);
            }
            // dQ[nq, D] = dS[nq, span] · K[span, D]
            Gemm.localPacked(
                nq, d, span, ds, rows, keys, 1, kp, bk * size, keys, DQ, dqo + qAt, qs, false);
          }
          // this head's dV = Pᵀ · dO and dK = dSᵀ · Q, a block of keys at a time over the queries
          // that see any of them
          for (int s0 = 0, tFrom = 0; s0 < keys; s0 += QUERY_BLOCK) {
            int kw = Math.min(QUERY_BLOCK, keys - s0);
            while (tFrom < g.t() && CpuAttention.keyLimit(mask, tFrom, keys) <= s0) {
              tFrom++;
            }
            int nt = g.t() - tFrom, qAt = g.qRow(bi, tFrom, h), at = part + s0 * d;
            Gemm.local(
                kw, d, nt, p, tFrom * keys + s0, 1, keys, G, go + qAt, qs, 1, partV, at, d, false);
            Gemm.local(
                kw, d, nt, ds, tFrom * keys + s0, 1, keys, Q, qo + qAt, qs, 1, partK, at, d, false);
          }
        });
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
