package org.peftbench.tensor.backend.cpu;

import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Checks;

/**
 * Shapes and offsets of one attention call, shared by {@link CpuAttention} and {@link
 * BlockedAttention}: q and out {@code [B,T,Hq,D]}, k and v {@code [B,S,Hkv,D]} (S = {@code sBuf},
 * of which {@code keys} are in use), lse {@code [B,Hq,T]}; query head h reads kv head {@code h /
 * group}.
 */
record AttentionDims(int b, int t, int hq, int d, int sBuf, int hkv, int keys, int group) {
  /** The dimensions of a call, after checking its tensors agree. */
  static AttentionDims of(Tensor q, Tensor k, Tensor v, Tensor out, AttentionMask mask) {
    int sBuf = k.dim(1), keys = mask.keys(sBuf);
    Checks.attention(q, k, v, out, keys);
    return new AttentionDims(
        q.dim(0), q.dim(1), q.dim(2), q.dim(3), sBuf, k.dim(2), keys, q.dim(2) / k.dim(2));
  }

  /** Row stride of q/out (one token: all query heads). */
  int qStride() {
    return hq * d;
  }

  /** Row stride of k/v (one key: all kv heads). */
  int kStride() {
    return hkv * d;
  }

  /** Offset of query ti of head h, batch row bi, in a {@code [B,T,Hq,D]} array. */
  int qRow(int bi, int ti, int h) {
    return ((bi * t + ti) * hq + h) * d;
  }

  /** Offset of key s of kv head kh, batch row bi, in a {@code [B,S,Hkv,D]} array. */
  int kRow(int bi, int s, int kh) {
    return ((bi * sBuf + s) * hkv + kh) * d;
  }

  /** Offset of query ti of head h, batch row bi, in a {@code [B,Hq,T]} array. */
  int lseAt(int bi, int h, int ti) {
    return (bi * hq + h) * t + ti;
  }
}
