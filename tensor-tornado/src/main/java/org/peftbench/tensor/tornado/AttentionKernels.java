package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Fused scaled dot-product attention with grouped-query heads (query head h reads key/value head
 * {@code h / (Hq/Hkv)}), forward and backward, for TornadoVM.
 *
 * <p>Layouts: {@code q, out, dOut [B,T,Hq,D]}, {@code k, v [B,S,Hkv,D]} (S = key buffer length),
 * {@code lse [B,Hq,T]}. {@code dims = {B, T, Hq, D, S, Hkv, keys, prefix, queryOffset, causal}},
 * {@code params = {scale}}, {@code padding [B,S]} (1 = padding key, all 0 without padding; read
 * unconditionally: a {@code hasPadding != 0 && padding.get(..) != 0} guard was observed to ignore
 * the padding on PoCL). The visibility rule is {@code AttentionMask.visible}: padding keys are
 * hidden, the first {@code prefix} keys are always visible, and with {@code causal} real key {@code
 * s − prefix} is visible to query t when it is {@code <= queryOffset + t}.
 *
 * <p>A fully masked row has no finite log-sum-exp; kernels write and read {@link #MASKED} in its
 * place (the host maps it to and from {@code −∞}), because the generated OpenCL is kept free of
 * infinities.
 */
final class AttentionKernels {
  /** Stand-in for a −∞ log-sum-exp (fully masked row) on the device. */
  static final float MASKED = -3.0e38f;

  private AttentionKernels() {}

  /**
   * Forward, one work-item per query row {@code r = (b·Hq + h)·T + t} (the lse index): pass 1
   * computes the running max and the sum of exponentials of the visible scores (online softmax);
   * pass 2 recomputes each score and adds {@code softmax · V} into the output row.
   */
  static void forward(
      KernelContext ctx,
      FloatArray q,
      FloatArray k,
      FloatArray v,
      IntArray padding,
      IntArray dims,
      FloatArray params,
      FloatArray out,
      FloatArray lse) {
    int nb = dims.get(0);
    int nt = dims.get(1);
    int hq = dims.get(2);
    int d = dims.get(3);
    int sBuf = dims.get(4);
    int hkv = dims.get(5);
    int keys = dims.get(6);
    int prefix = dims.get(7);
    int queryOffset = dims.get(8);
    int causal = dims.get(9);
    float scale = params.get(0);
    int r = ctx.globalIdx;
    if (r < nb * hq * nt) {
      int t = r % nt;
      int h = (r / nt) % hq;
      int b = r / (nt * hq);
      int kh = h / (hq / hkv);
      int qi = ((b * nt + t) * hq + h) * d;
      float mx = MASKED;
      float sum = 0f;
      for (int s = 0; s < keys; s++) {
        int visible = 1;
        int padded = padding.get(b * sBuf + s);
        if (padded != 0) {
          visible = 0;
        }
        if (visible == 1 && s >= prefix && causal != 0 && s - prefix > queryOffset + t) {
          visible = 0;
        }
        if (visible == 1) {
          int ki = ((b * sBuf + s) * hkv + kh) * d;
          float dot = 0f;
          for (int j = 0; j < d; j++) {
            dot += q.get(qi + j) * k.get(ki + j);
          }
          float score = dot * scale;
          if (score > mx) {
            sum = sum * TornadoMath.exp(mx - score);
            mx = score;
          }
          sum += TornadoMath.exp(score - mx);
        }
      }
      for (int j = 0; j < d; j++) {
        out.set(qi + j, 0f);
      }
      if (sum > 0f) {
        for (int s = 0; s < keys; s++) {
          int visible = 1;
          int padded = padding.get(b * sBuf + s);
          if (padded != 0) {
            visible = 0;
          }
          if (visible == 1 && s >= prefix && causal != 0 && s - prefix > queryOffset + t) {
            visible = 0;
          }
          if (visible == 1) {
            int ki = ((b * sBuf + s) * hkv + kh) * d;
            float dot = 0f;
            for (int j = 0; j < d; j++) {
              dot += q.get(qi + j) * k.get(ki + j);
            }
            float w = TornadoMath.exp(dot * scale - mx) / sum;
            for (int j = 0; j < d; j++) {
              out.set(qi + j, out.get(qi + j) + w * v.get(ki + j));
            }
          }
        }
        lse.set(r, mx + TornadoMath.log(sum));
      } else {
        lse.set(r, MASKED);
      }
    }
  }

  /**
   * Backward, query side: one work-item per query row r. {@code Δ = Σ_j dO_j·O_j} (kept on the
   * device for {@link #backwardKeys}); {@code dq = Σ_s ds_s·K_s} with {@code p = exp(score − lse)},
   * {@code dp = dO·V_s}, {@code ds = p·(dp − Δ)·scale}.
   */
  static void backwardQueries(
      KernelContext ctx,
      FloatArray q,
      FloatArray k,
      FloatArray v,
      IntArray padding,
      IntArray dims,
      FloatArray params,
      FloatArray out,
      FloatArray lse,
      FloatArray dOut,
      FloatArray delta,
      FloatArray dq) {
    int nb = dims.get(0);
    int nt = dims.get(1);
    int hq = dims.get(2);
    int d = dims.get(3);
    int sBuf = dims.get(4);
    int hkv = dims.get(5);
    int keys = dims.get(6);
    int prefix = dims.get(7);
    int queryOffset = dims.get(8);
    int causal = dims.get(9);
    float scale = params.get(0);
    int r = ctx.globalIdx;
    if (r < nb * hq * nt) {
      int t = r % nt;
      int h = (r / nt) % hq;
      int b = r / (nt * hq);
      int kh = h / (hq / hkv);
      int qi = ((b * nt + t) * hq + h) * d;
      for (int j = 0; j < d; j++) {
        dq.set(qi + j, 0f);
      }
      float l = lse.get(r);
      float dlt = 0f;
      if (l > MASKED) {
        for (int j = 0; j < d; j++) {
          dlt += dOut.get(qi + j) * out.get(qi + j);
        }
        for (int s = 0; s < keys; s++) {
          int visible = 1;
          int padded = padding.get(b * sBuf + s);
          if (padded != 0) {
            visible = 0;
          }
          if (visible == 1 && s >= prefix && causal != 0 && s - prefix > queryOffset + t) {
            visible = 0;
          }
          if (visible == 1) {
            int ki = ((b * sBuf + s) * hkv + kh) * d;
            float dot = 0f;
            float dp = 0f;
            for (int j = 0; j < d; j++) {
              dot += q.get(qi + j) * k.get(ki + j);
              dp += dOut.get(qi + j) * v.get(ki + j);
            }
            float p = TornadoMath.exp(dot * scale - l);
            float ds = p * (dp - dlt) * scale;
            for (int j = 0; j < d; j++) {
              dq.set(qi + j, dq.get(qi + j) + ds * k.get(ki + j));
            }
          }
        }
      }
      delta.set(r, dlt);
    }
  }

  /**
   * Backward, key side: one work-item per key row {@code r = (b·S + s)·Hkv + kh}, summing over the
   * query heads of its group and the queries that see it: {@code dv = Σ p·dO}, {@code dk = Σ ds·Q}.
   * No atomics: each key row is owned by one work-item, so the result is deterministic.
   */
  static void backwardKeys(
      KernelContext ctx,
      FloatArray q,
      FloatArray k,
      FloatArray v,
      IntArray padding,
      IntArray dims,
      FloatArray params,
      FloatArray lse,
      FloatArray dOut,
      FloatArray delta,
      FloatArray dk,
      FloatArray dv) {
    int nb = dims.get(0);
    int nt = dims.get(1);
    int hq = dims.get(2);
    int d = dims.get(3);
    int sBuf = dims.get(4);
    int hkv = dims.get(5);
    int keys = dims.get(6);
    int prefix = dims.get(7);
    int queryOffset = dims.get(8);
    int causal = dims.get(9);
    float scale = params.get(0);
    int r = ctx.globalIdx;
    if (r < nb * sBuf * hkv) {
      int kh = r % hkv;
      int s = (r / hkv) % sBuf;
      int b = r / (hkv * sBuf);
      int group = hq / hkv;
      int ki = r * d;
      for (int j = 0; j < d; j++) {
        dk.set(ki + j, 0f);
        dv.set(ki + j, 0f);
      }
      int usable = 1;
      if (s >= keys) {
        usable = 0;
      }
      int padded = padding.get(b * sBuf + s);
      if (padded != 0) {
        usable = 0;
      }
      if (usable == 1) {
        for (int h = kh * group; h < kh * group + group; h++) {
          for (int t = 0; t < nt; t++) {
            int lr = (b * hq + h) * nt + t;
            float l = lse.get(lr);
            int visible = 1;
            if (l <= MASKED) {
              visible = 0;
            }
            if (visible == 1 && s >= prefix && causal != 0 && s - prefix > queryOffset + t) {
              visible = 0;
            }
            if (visible == 1) {
              int qi = ((b * nt + t) * hq + h) * d;
              float dot = 0f;
              float dp = 0f;
              for (int j = 0; j < d; j++) {
                dot += q.get(qi + j) * k.get(ki + j);
                dp += dOut.get(qi + j) * v.get(ki + j);
              }
              float p = TornadoMath.exp(dot * scale - l);
              float ds = p * (dp - delta.get(lr)) * scale;
              for (int j = 0; j < d; j++) {
                dv.set(ki + j, dv.get(ki + j) + p * dOut.get(qi + j));
                dk.set(ki + j, dk.get(ki + j) + ds * q.get(qi + j));
              }
            }
          }
        }
      }
    }
  }
}
