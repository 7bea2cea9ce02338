package org.peftbench.tensor.backend;

import org.peftbench.tensor.Tensor;

/**
 * The reference attention of {@link ScalarBackend}: every score, softmax and gradient written out
 * loop by loop in double precision where it sums, with the masks of {@link AttentionMask}.
 */
final class ScalarAttention {
  private ScalarAttention() {}

  static void attention(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    int b = q.dim(0), t = q.dim(1), hq = q.dim(2), d = q.dim(3);
    int sBuf = k.dim(1), hkv = k.dim(2), keys = mask.keys(sBuf), group = hq / hkv;
    Checks.attention(q, k, v, out, keys);
    float[] Q = q.array(), K = k.array(), V = v.array(), O = out.array();
    float[] p = new float[keys];
    for (int bi = 0; bi < b; bi++) {
      for (int h = 0; h < hq; h++) {
        int kh = h / group;
        for (int ti = 0; ti < t; ti++) {
          int qi = q.offset() + ((bi * t + ti) * hq + h) * d;
          float m = Float.NEGATIVE_INFINITY;
          for (int s = 0; s < keys; s++) {
            if (!mask.visible(bi, ti, s, sBuf)) {
              p[s] = Float.NEGATIVE_INFINITY;
              continue;
            }
            int ki = k.offset() + ((bi * sBuf + s) * hkv + kh) * d;
            float dot = 0f;
            for (int j = 0; j < d; j++) {
              dot += Q[qi + j] * K[ki + j];
            }
            p[s] = dot * scale;
            m = Math.max(m, p[s]);
          }
          int oi = out.offset() + ((bi * t + ti) * hq + h) * d;
          for (int j = 0; j < d; j++) {
            O[oi + j] = 0f;
          }
          if (m == Float.NEGATIVE_INFINITY) {
            if (lse != null) {
              lse.array()[lse.offset() + (bi * hq + h) * t + ti] = Float.NEGATIVE_INFINITY;
            }
            continue;
          }
          float sum = 0f;
          for (int s = 0; s < keys; s++) {
            p[s] = p[s] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(p[s] - m);
            sum += p[s];
          }
          for (int s = 0; s < keys; s++) {
            if (p[s] == 0f) {
              continue;
            }
            float w = p[s] / sum;
            int vi = v.offset() + ((bi * sBuf + s) * hkv + kh) * d;
            for (int j = 0; j < d; j++) {
              O[oi + j] += w * V[vi + j];
            }
          }
          if (lse != null) {
            lse.array()[lse.offset() + (bi * hq + h) * t + ti] = m + (float) Math.log(sum);
          }
        }
      }
    }
  }

  static void attentionBackward(
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
    dq.fill(0f);
    dk.fill(0f);
    dv.fill(0f);
    for (int bi = 0; bi < b; bi++) {
      for (int h = 0; h < hq; h++) {
        int kh = h / group;
        for (int ti = 0; ti < t; ti++) {
          float l = LSE[lse.offset() + (bi * hq + h) * t + ti];
          if (l == Float.NEGATIVE_INFINITY) {
            continue;
          }
          int qi = q.offset() + ((bi * t + ti) * hq + h) * d;
          int oi = out.offset() + ((bi * t + ti) * hq + h) * d;
          int gi = dOut.offset() + ((bi * t + ti) * hq + h) * d;
          // Δ = Σ_j dO_j·O_j (= Σ_s p_s·dp_s)
          float delta = 0f;
          for (int j = 0; j < d; j++) {
            delta += G[gi + j] * O[oi + j];
          }
          for (int s = 0; s < keys; s++) {
            if (!mask.visible(bi, ti, s, sBuf)) {
              continue;
            }
            int ki = k.offset() + ((bi * sBuf + s) * hkv + kh) * d;
            int vi = v.offset() + ((bi * sBuf + s) * hkv + kh) * d;
            float dot = 0f;
            for (int j = 0; j < d; j++) {
              dot += Q[qi + j] * K[ki + j];
            }
            float p = (float) Math.exp(dot * scale - l);
            float dp = 0f;
            for (int j = 0; j < d; j++) {
              dp += G[gi + j] * V[vi + j];
              DV[dv.offset() + ((bi * sBuf + s) * hkv + kh) * d + j] += p * G[gi + j];
            }
            float ds = p * (dp - delta) * scale;
            for (int j = 0; j < d; j++) {
              DQ[dq.offset() + ((bi * t + ti) * hq + h) * d + j] += ds * K[ki + j];
              DK[dk.offset() + ((bi * sBuf + s) * hkv + kh) * d + j] += ds * Q[qi + j];
            }
          }
        }
      }
    }
  }
}
