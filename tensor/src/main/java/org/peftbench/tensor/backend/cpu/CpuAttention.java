package org.peftbench.tensor.backend.cpu;

import java.util.Arrays;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;

/**
 * Causal scaled-dot-product attention with grouped-query heads for {@link CpuBackend}. Layout: q
 * and out {@code [B,T,Hq,D]}, k and v {@code [B,S,Hkv,D]}, lse {@code [B,Hq,T]}; query head h reads
 * key/value head {@code h / (Hq/Hkv)}. Dot products and value sums are vectorised over D; the
 * exponentials over a whole row of scores at once.
 *
 * <p>Calls with many queries (training, prefill) go to {@link BlockedAttention}, which runs every
 * product through the GEMM micro-kernel; the kernels here serve token-by-token decoding (few
 * queries), very long key axes, and sliding windows that hide keys (the keys before {@link
 * AttentionMask#windowStart} get score −∞, like padding).
 *
 * <ul>
 *   <li>{@link #direct}: one full row of scores per query, then softmax, then the weighted sum of
 *       values. Simple; its score row grows with the key count.
 *   <li>{@link #flash}: a block of queries walks the keys in tiles of {@link #KEY_TILE}, keeping a
 *       running max, running sum and unnormalised output per query (online softmax); each key/value
 *       tile is reused by the whole query block while it is in cache. Used from {@link
 *       #FLASH_MIN_KEYS} keys on.
 *   <li>{@link #backward}: recomputes the probabilities from the saved log-sum-exp, in two passes
 *       that each own their outputs (dq per query; dk, dv per key), so no two tasks ever write the
 *       same element and the result does not depend on the thread count.
 * </ul>
 */
final class CpuAttention {
  private CpuAttention() {}

  static final int FLASH_MIN_KEYS = 256;
  static final int QUERY_BLOCK = 16;
  static final int KEY_TILE = 64;
  static final int KEY_BLOCK = 32;

  /** Picks the kernel by the numbers of queries and keys (never by thread count). */
  static void forward(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    if (BlockedAttention.fitsForward(q, k, mask) && !mask.windowCuts(q.dim(1))) {
      BlockedAttention.forward(q, k, v, mask, scale, out, lse);
    } else if (mask.keys(k.dim(1)) >= FLASH_MIN_KEYS) {
      flash(q, k, v, mask, scale, out, lse);
    } else {
      direct(q, k, v, mask, scale, out, lse);
    }
  }

  /** Keys {@code [0, limit)} may be visible to query t (padding still to be checked). */
  static int keyLimit(AttentionMask mask, int t, int keys) {
    if (!mask.causal()) {
      return keys;
    }
    long limit = (long) mask.prefix() + mask.queryOffset() + t + 1;
    return (int) Math.max(0, Math.min(keys, Math.max(limit, mask.prefix())));
  }

  private static boolean padded(boolean[] pad, int b, int s, int sBuf) {
    return pad != null && pad[b * sBuf + s];
  }

  // ---------------------------------------------------------------- forward, direct

  static void direct(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    AttentionDims g = AttentionDims.of(q, k, v, out, mask);
    float[] Q = q.array(), K = k.array(), V = v.array(), O = out.array();
    float[] LSE = lse == null ? null : lse.array();
    int qo = q.offset(), ko = k.offset(), vo = v.offset(), oo = out.offset();
    int lo = lse == null ? 0 : lse.offset();
    boolean[] pad = mask.keyPadding();
    int tBlocks = (g.t() + QUERY_BLOCK - 1) / QUERY_BLOCK;
    Parallel.forEach(
        g.b() * g.hq() * tBlocks,
        task -> {
          int tb = task % tBlocks, bh = task / tBlocks, h = bh % g.hq(), bi = bh / g.hq();
          int kh = h / g.group();
          float[] p = new float[g.keys()];
          for (int ti = tb * QUERY_BLOCK; ti < Math.min(g.t(), (tb + 1) * QUERY_BLOCK); ti++) {
            int qi = qo + g.qRow(bi, ti, h), oi = oo + g.qRow(bi, ti, h);
            int limit = keyLimit(mask, ti, g.keys()), from = mask.windowStart(ti);
            float m = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < limit; s++) {
              if (s < from || padded(pad, bi, s, g.sBuf())) {
                p[s] = Float.NEGATIVE_INFINITY;
              } else {
                p[s] = Simd.dot(Q, qi, K, ko + g.kRow(bi, s, kh), g.d()) * scale;
                m = Math.max(m, p[s]);
              }
            }
            Arrays.fill(O, oi, oi + g.d(), 0f);
            if (m == Float.NEGATIVE_INFINITY) {
              if (LSE != null) {
                LSE[lo + g.lseAt(bi, h, ti)] = Float.NEGATIVE_INFINITY;
              }
              continue;
            }
            float sum = SoftmaxLoss.expShifted(p, 0, m, p, 0, limit);
            for (int s = 0; s < limit; s++) {
              if (p[s] != 0f) {
                Simd.axpy(p[s] / sum, V, vo + g.kRow(bi, s, kh), O, oi, g.d());
              }
            }
            if (LSE != null) {
              LSE[lo + g.lseAt(bi, h, ti)] = m + (float) Math.log(sum);
            }
          }
        });
  }

  // ---------------------------------------------------------------- forward, flash

  static void flash(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    AttentionDims g = AttentionDims.of(q, k, v, out, mask);
    float[] Q = q.array(), K = k.array(), V = v.array(), O = out.array();
    float[] LSE = lse == null ? null : lse.array();
    int qo = q.offset(), ko = k.offset(), vo = v.offset(), oo = out.offset();
    int lo = lse == null ? 0 : lse.offset();
    boolean[] pad = mask.keyPadding();
    int tBlocks = (g.t() + QUERY_BLOCK - 1) / QUERY_BLOCK;
    int d = g.d();
    Parallel.forEach(
        g.b() * g.hq() * tBlocks,
        task -> {
          int tb = task % tBlocks, bh = task / tBlocks, h = bh % g.hq(), bi = bh / g.hq();
          int kh = h / g.group();
          int t0 = tb * QUERY_BLOCK, nq = Math.min(g.t(), t0 + QUERY_BLOCK) - t0;
          float[] acc = new float[nq * d], runMax = new float[nq], runSum = new float[nq];
          float[] score = new float[KEY_TILE];
          Arrays.fill(runMax, Float.NEGATIVE_INFINITY);
          int blockLimit = keyLimit(mask, t0 + nq - 1, g.keys());
          for (int s0 = 0; s0 < blockLimit; s0 += KEY_TILE) {
            int s1 = Math.min(blockLimit, s0 + KEY_TILE);
            for (int r = 0; r < nq; r++) {
              int ti = t0 + r, limit = Math.min(s1, keyLimit(mask, ti, g.keys()));
              if (limit <= s0) {
                continue;
              }
              int qi = qo + g.qRow(bi, ti, h), from = mask.windowStart(ti);
              float tileMax = Float.NEGATIVE_INFINITY;
              for (int s = s0; s < limit; s++) {
                float sc = Float.NEGATIVE_INFINITY;
                if (s >= from && !padded(pad, bi, s, g.sBuf())) {
                  sc = Simd.dot(Q, qi, K, ko + g.kRow(bi, s, kh), d) * scale;
                  tileMax = Math.max(tileMax, sc);
                }
                score[s - s0] = sc;
              }
              if (tileMax == Float.NEGATIVE_INFINITY) {
                continue;
              }
              float newMax = Math.max(runMax[r], tileMax);
              if (newMax != runMax[r] && runMax[r] != Float.NEGATIVE_INFINITY) {
                // rescale what was summed under the old max
                float correction = (float) Math.exp(runMax[r] - newMax);
                runSum[r] *= correction;
                Simd.scale(acc, r * d, correction, d);
              }
              runMax[r] = newMax;
              runSum[r] += SoftmaxLoss.expShifted(score, 0, newMax, score, 0, limit - s0);
              for (int s = s0; s < limit; s++) {
                float p = score[s - s0];
                if (p != 0f) {
                  Simd.axpy(p, V, vo + g.kRow(bi, s, kh), acc, r * d, d);
                }
              }
            }
          }
          for (int r = 0; r < nq; r++) {
            int ti = t0 + r, oi = oo + g.qRow(bi, ti, h);
            if (runSum[r] == 0f) {
              Arrays.fill(O, oi, oi + d, 0f);
              if (LSE != null) {
                LSE[lo + g.lseAt(bi, h, ti)] = Float.NEGATIVE_INFINITY;
              }
              continue;
            }
            float inv = 1f / runSum[r];
            for (int j = 0; j < d; j++) {
              O[oi + j] = acc[r * d + j] * inv;
            }
            if (LSE != null) {
              LSE[lo + g.lseAt(bi, h, ti)] = runMax[r] + (float) Math.log(runSum[r]);
            }
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
    if (BlockedAttention.fitsBackward(q, k, mask) && !mask.windowCuts(q.dim(1))) {
      BlockedAttention.backward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
      return;
    }
    recomputing(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
  }

  /** Backward recomputing the scores in both passes (no {@code [B,Hq,T,S]} buffers). */
  static void recomputing(
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
    int d = g.d();

    // Δ[b,h,t] = Σ_j dO·O  (= Σ_s p_s·dp_s)
    float[] delta = new float[g.b() * g.hq() * g.t()];
    Parallel.forEach(
        g.b() * g.hq(),
        bh -> {
          int bi = bh / g.hq(), h = bh % g.hq();
          for (int ti = 0; ti < g.t(); ti++) {
            int at = g.qRow(bi, ti, h);
            delta[g.lseAt(bi, h, ti)] = Simd.dot(G, go + at, O, oo + at, d);
          }
        });

    // pass 1: dq[t] = Σ_s ds[t,s]·k[s], ds = p·(dp − Δ)·scale, dp = dO[t]·v[s]
    int tBlocks = (g.t() + QUERY_BLOCK - 1) / QUERY_BLOCK;
    Parallel.forEach(
        g.b() * g.hq() * tBlocks,
        task -> {
          int tb = task % tBlocks, bh = task / tBlocks, h = bh % g.hq(), bi = bh / g.hq();
          int kh = h / g.group();
          float[] p = new float[g.keys()];
          for (int ti = tb * QUERY_BLOCK; ti < Math.min(g.t(), (tb + 1) * QUERY_BLOCK); ti++) {
            int row = g.qRow(bi, ti, h), dqi = dqo + row;
            Arrays.fill(DQ, dqi, dqi + d, 0f);
            float l = LSE[lo + g.lseAt(bi, h, ti)];
            if (l == Float.NEGATIVE_INFINITY) {
              continue;
            }
            int limit = keyLimit(mask, ti, g.keys()), from = mask.windowStart(ti);
            for (int s = 0; s < limit; s++) {
              p[s] =
                  s < from || padded(pad, bi, s, g.sBuf())
                      ? Float.NEGATIVE_INFINITY
                      : Simd.dot(Q, qo + row, K, ko + g.kRow(bi, s, kh), d) * scale - l;
            }
            SoftmaxLoss.expShifted(p, 0, 0f, p, 0, limit);
            float dl = delta[g.lseAt(bi, h, ti)];
            for (int s = 0; s < limit; s++) {
              if (p[s] != 0f) {
                float dp = Simd.dot(G, go + row, V, vo + g.kRow(bi, s, kh), d);
                Simd.axpy(p[s] * (dp - dl) * scale, K, ko + g.kRow(bi, s, kh), DQ, dqi, d);
              }
            }
          }
        });

    // pass 2: per key s of kv head kh, over every query head h of its group and every query t:
    // dv[s] = Σ p·dO[t], dk[s] = Σ ds·q[t]
    int sBlocks = (g.sBuf() + KEY_BLOCK - 1) / KEY_BLOCK;
    Parallel.forEach(
        g.b() * g.hkv() * sBlocks,
        task -> {
          int sb = task % sBlocks, bk = task / sBlocks, kh = bk % g.hkv(), bi = bk / g.hkv();
          float[] p = new float[g.t()];
          for (int s = sb * KEY_BLOCK; s < Math.min(g.sBuf(), (sb + 1) * KEY_BLOCK); s++) {
            int krow = g.kRow(bi, s, kh), dki = dko + krow, dvi = dvo + krow;
            Arrays.fill(DK, dki, dki + d, 0f);
            Arrays.fill(DV, dvi, dvi + d, 0f);
            if (s >= g.keys() || padded(pad, bi, s, g.sBuf())) {
              continue;
            }
            // the first query that sees key s
            int tFrom =
                mask.causal() && s >= mask.prefix()
                    ? Math.max(0, s - mask.prefix() - mask.queryOffset())
                    : 0;
            for (int h = kh * g.group(); h < (kh + 1) * g.group(); h++) {
              for (int ti = tFrom; ti < g.t(); ti++) {
                float l = LSE[lo + g.lseAt(bi, h, ti)];
                p[ti] =
                    l == Float.NEGATIVE_INFINITY || s < mask.windowStart(ti)
                        ? Float.NEGATIVE_INFINITY
                        : Simd.dot(Q, qo + g.qRow(bi, ti, h), K, ko + krow, d) * scale - l;
              }
              if (tFrom < g.t()) {
                SoftmaxLoss.expShifted(p, tFrom, 0f, p, tFrom, g.t() - tFrom);
              }
              for (int ti = tFrom; ti < g.t(); ti++) {
                if (p[ti] == 0f) {
                  continue;
                }
                int row = g.qRow(bi, ti, h);
                float dp = Simd.dot(G, go + row, V, vo + krow, d);
                float ds = p[ti] * (dp - delta[g.lseAt(bi, h, ti)]) * scale;
                Simd.axpy(p[ti], G, go + row, DV, dvi, d);
                Simd.axpy(ds, Q, qo + row, DK, dki, d);
              }
            }
          }
        });
  }
}
