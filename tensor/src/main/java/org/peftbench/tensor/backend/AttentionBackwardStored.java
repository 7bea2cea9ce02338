package org.peftbench.tensor.backend;

import static org.peftbench.tensor.backend.Simd.F;
import static org.peftbench.tensor.backend.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;

/**
 * Attention backward for short sequences (training batches), without the horizontal dot products of
 * {@link CpuAttention#backward}: keys and values are first transposed per kv head to {@code [D,
 * S]}, so each query's scores {@code q·Kᵀ} and {@code dO·Vᵀ} are sums of D vector updates along the
 * key axis. Pass 1 (one task per query block of one head) computes the probabilities P and {@code
 * dS = P ⊙ (dP − Δ)·scale}, writes dq and stores P and dS; pass 2 (one task per key block of one kv
 * head) reads them back for {@code dv = Σ Pᵀ·dO} and {@code dk = Σ dSᵀ·q} instead of recomputing
 * every score a second time. Each output is written by one task in a fixed order: the result does
 * not depend on the thread count.
 *
 * <p>P and dS take {@code 2·B·Hq·T·S} floats, so this runs only while that stays below {@link
 * #MAX_STORED} (otherwise {@link CpuAttention#backward} recomputes them).
 */
final class AttentionBackwardStored {
  private AttentionBackwardStored() {}

  /** Largest {@code B·Hq·T·S} whose P and dS are stored (2 × 64 MiB). */
  static final long MAX_STORED = 16L << 20;

  static final int QUERY_BLOCK = 16;
  static final int KEY_BLOCK = 32;

  /** Whether {@link #backward} handles a call of this size. */
  static boolean fits(Tensor q, Tensor k, AttentionMask mask) {
    long keys = mask.keys(k.dim(1));
    return (long) q.dim(0) * q.dim(2) * q.dim(1) * keys <= MAX_STORED;
  }

  // q, out, dOut, dq [B,T,Hq,D]; k, v, dk, dv [B,S,Hkv,D]; lse [B,Hq,T]
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
    int b = q.dim(0), t = q.dim(1), hq = q.dim(2), d = q.dim(3);
    int sBuf = k.dim(1), hkv = k.dim(2), keys = mask.keys(sBuf), group = hq / hkv;
    Checks.attention(q, k, v, out, keys);
    float[] Q = q.array(), K = k.array(), V = v.array(), O = out.array(), G = dOut.array();
    float[] DQ = dq.array(), DK = dk.array(), DV = dv.array(), LSE = lse.array();
    int qo = q.offset(), ko = k.offset(), vo = v.offset(), oo = out.offset(), go = dOut.offset();
    int dqo = dq.offset(), dko = dk.offset(), dvo = dv.offset(), lo = lse.offset();
    boolean[] pad = mask.keyPadding();

    // Kᵀ, Vᵀ per (b, kv head): [D, keys]
    float[] kt = new float[b * hkv * d * keys], vt = new float[b * hkv * d * keys];
    Parallel.forEach(
        b * hkv,
        bk -> {
          int bi = bk / hkv, kh = bk % hkv, base = bk * d * keys;
          for (int s = 0; s < keys; s++) {
            int row = ((bi * sBuf + s) * hkv + kh) * d;
            for (int j = 0; j < d; j++) {
              kt[base + j * keys + s] = K[ko + row + j];
              vt[base + j * keys + s] = V[vo + row + j];
            }
          }
        });

    // pass 1: P[b,h,t,s], dS[b,h,t,s] and dq[t] = Σ_s dS[t,s]·k[s]
    float[] prob = new float[b * hq * t * keys], dScore = new float[b * hq * t * keys];
    int tBlocks = (t + QUERY_BLOCK - 1) / QUERY_BLOCK;
    Parallel.forEach(
        b * hq * tBlocks,
        task -> {
          int tb = task % tBlocks, bh = task / tBlocks, h = bh % hq, bi = bh / hq;
          int kh = h / group, tBase = (bi * hkv + kh) * d * keys;
          float[] dp = new float[keys];
          for (int ti = tb * QUERY_BLOCK; ti < Math.min(t, (tb + 1) * QUERY_BLOCK); ti++) {
            int row = ((bi * t + ti) * hq + h) * d, dqi = dqo + row;
            Arrays.fill(DQ, dqi, dqi + d, 0f);
            float l = LSE[lo + (bi * hq + h) * t + ti];
            if (l == Float.NEGATIVE_INFINITY) {
              continue;
            }
            int limit = CpuAttention.keyLimit(mask, ti, keys);
            int pAt = ((bh * t) + ti) * keys;
            // q·Kᵀ and dO·Vᵀ over the visible keys, summed over D along the key axis
            weightedRowSum(Q, qo + row, 1, kt, tBase, keys, d, prob, pAt, limit);
            weightedRowSum(G, go + row, 1, vt, tBase, keys, d, dp, 0, limit);
            for (int s = 0; s < limit; s++) {
              prob[pAt + s] =
                  pad != null && pad[bi * sBuf + s]
                      ? Float.NEGATIVE_INFINITY
                      : prob[pAt + s] * scale - l;
            }
            CpuBackend.expShifted(prob, pAt, 0f, prob, pAt, limit);
            float delta = Simd.dot(G, go + row, O, oo + row, d);
            for (int s = 0; s < limit; s++) {
              float p = prob[pAt + s];
              if (p != 0f) {
                dScore[pAt + s] = p * (dp[s] - delta) * scale;
              }
            }
            // dq[t] = Σ_s dS[t,s]·k[s]
            weightedRowSum(
                dScore, pAt, 1, K, ko + (bi * sBuf * hkv + kh) * d, hkv * d, limit, DQ, dqi, d);
          }
        });

    // pass 2: per key s of kv head kh: dv[s] = Σ_h Σ_t P·dO[t], dk[s] = Σ_h Σ_t dS·q[t]
    int sBlocks = (sBuf + KEY_BLOCK - 1) / KEY_BLOCK;
    Parallel.forEach(
        b * hkv * sBlocks,
        task -> {
          int sb = task % sBlocks, bk = task / sBlocks, kh = bk % hkv, bi = bk / hkv;
          float[][] part = {new float[d], new float[d]};
          for (int s = sb * KEY_BLOCK; s < Math.min(sBuf, (sb + 1) * KEY_BLOCK); s++) {
            int krow = ((bi * sBuf + s) * hkv + kh) * d, dki = dko + krow, dvi = dvo + krow;
            Arrays.fill(DK, dki, dki + d, 0f);
            Arrays.fill(DV, dvi, dvi + d, 0f);
            if (s >= keys) {
              continue;
            }
            for (int h = kh * group; h < (kh + 1) * group; h++) {
              int at = (bi * hq + h) * t * keys + s, row = (bi * t * hq + h) * d;
              float[] dvPart = part[0], dkPart = part[1];
              weightedRowSum(prob, at, keys, G, go + row, hq * d, t, dvPart, 0, d);
              weightedRowSum(dScore, at, keys, Q, qo + row, hq * d, t, dkPart, 0, d);
              for (int j = 0; j < d; j++) {
                DV[dvi + j] += dvPart[j];
                DK[dki + j] += dkPart[j];
              }
            }
          }
        });
  }

  /**
   * {@code dst[dOff + j] = Σ_{i < count} coef[cOff + i·cStride] · src[sOff + i·sStride + j]} for
   * {@code j < n}: a weighted sum of rows, accumulated in registers one vector of columns at a time
   * (i ascending for every element: the same order whatever the split into tasks).
   */
  static void weightedRowSum(
      float[] coef,
      int cOff,
      int cStride,
      float[] src,
      int sOff,
      int sStride,
      int count,
      float[] dst,
      int dOff,
      int n) {
    int j = 0;
    for (; j + L <= n; j += L) {
      FloatVector acc = FloatVector.zero(F);
      for (int i = 0; i < count; i++) {
        float c = coef[cOff + i * cStride];
        if (c != 0f) {
          acc =
              FloatVector.fromArray(F, src, sOff + i * sStride + j)
                  .fma(FloatVector.broadcast(F, c), acc);
        }
      }
      acc.intoArray(dst, dOff + j);
    }
    for (; j < n; j++) {
      float acc = 0f;
      for (int i = 0; i < count; i++) {
        acc = Math.fma(coef[cOff + i * cStride], src[sOff + i * sStride + j], acc);
      }
      dst[dOff + j] = acc;
    }
  }
}
