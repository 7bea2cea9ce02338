package org.peftbench.tensor.backend;

import java.util.Arrays;
import org.peftbench.tensor.Tensor;

/**
 * The weights and shape of one Llama-style decoder layer (Llama, Mistral, Qwen2 with its q/k/v
 * biases, Qwen3 with its per-head q/k norms; SiLU-gated MLP), for {@link FusedDecoderLayer}. {@link
 * #forwardPerOp} defines what the layer computes, as a composition of {@link Backend} ops:
 *
 * <pre>
 *   h   = rmsNorm(x, inputNorm)                       [N,C]      N = B·T
 *   q   = h·Wqᵀ (+ bq), k = h·Wkᵀ (+ bk), v = h·Wvᵀ (+ bv)   [N,Hq·D], [N,Hkv·D]
 *   q,k = rmsNorm over D per head (Qwen3 only)        qNorm, kNorm [D]
 *   q,k = rope(q), rope(k)                            at positions[N]
 *   a   = attention(q, k, v), causal, GQA             [B,T,Hq,D]
 *   x1  = x + a·Woᵀ                                   [N,C]
 *   h2  = rmsNorm(x1, postNorm)
 *   out = x1 + (silu(h2·Wgateᵀ) ⊙ h2·Wupᵀ)·Wdownᵀ     [N,C]
 * </pre>
 *
 * Weights are in HF's {@code [out, in]} layout and may be F32, BF16 or F16, heap or memory-mapped.
 * The biases and q/k norms are optional (null when the model has none).
 *
 * @param inputNorm {@code [C]}
 * @param q {@code [Hq·D, C]}
 * @param k {@code [Hkv·D, C]}
 * @param v {@code [Hkv·D, C]}
 * @param o {@code [C, Hq·D]}
 * @param postNorm {@code [C]}
 * @param gate {@code [F, C]} (F = intermediate size)
 * @param up {@code [F, C]}
 * @param down {@code [C, F]}
 * @param qBias {@code [Hq·D]} or null
 * @param kBias {@code [Hkv·D]} or null
 * @param vBias {@code [Hkv·D]} or null
 * @param qNorm {@code [D]} or null: RMSNorm weight over each query head (Qwen3)
 * @param kNorm {@code [D]} or null: RMSNorm weight over each key head (same eps)
 * @param heads Hq
 * @param kvHeads Hkv (divides Hq)
 * @param headDim D (even, for RoPE)
 * @param eps RMSNorm epsilon
 */
public record LlamaLayer(
    Tensor inputNorm,
    Tensor q,
    Tensor k,
    Tensor v,
    Tensor o,
    Tensor postNorm,
    Tensor gate,
    Tensor up,
    Tensor down,
    Tensor qBias,
    Tensor kBias,
    Tensor vBias,
    Tensor qNorm,
    Tensor kNorm,
    int heads,
    int kvHeads,
    int headDim,
    float eps) {

  public LlamaLayer {
    if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "decoder layer: "
              + heads
              + " query heads cannot be grouped over "
              + kvHeads
              + " kv heads");
    }
    if (headDim <= 0 || headDim % 2 != 0) {
      throw new IllegalArgumentException("decoder layer: head dim must be even, got " + headDim);
    }
    int c = inputNorm.size(), f = gate.dim(0);
    expect("input norm", inputNorm, c);
    expect("q_proj", q, heads * headDim, c);
    expect("k_proj", k, kvHeads * headDim, c);
    expect("v_proj", v, kvHeads * headDim, c);
    expect("o_proj", o, c, heads * headDim);
    expect("post-attention norm", postNorm, c);
    expect("gate_proj", gate, f, c);
    expect("up_proj", up, f, c);
    expect("down_proj", down, c, f);
    expectOptional("q_proj bias", qBias, heads * headDim);
    expectOptional("k_proj bias", kBias, kvHeads * headDim);
    expectOptional("v_proj bias", vBias, kvHeads * headDim);
    expectOptional("q_norm", qNorm, headDim);
    expectOptional("k_norm", kNorm, headDim);
    if ((qNorm == null) != (kNorm == null)) {
      throw new IllegalArgumentException("decoder layer: q_norm and k_norm come together");
    }
  }

  /** A layer without biases or q/k norms (Llama, Mistral). */
  public LlamaLayer(
      Tensor inputNorm,
      Tensor q,
      Tensor k,
      Tensor v,
      Tensor o,
      Tensor postNorm,
      Tensor gate,
      Tensor up,
      Tensor down,
      int heads,
      int kvHeads,
      int headDim,
      float eps) {
    this(
        inputNorm, q, k, v, o, postNorm, gate, up, down, null, null, null, null, null, heads,
        kvHeads, headDim, eps);
  }

  private static void expectOptional(String what, Tensor t, int... shape) {
    if (t != null) {
      expect(what, t, shape);
    }
  }

  private static void expect(String what, Tensor t, int... shape) {
    if (!Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException(
          "decoder layer: "
              + what
              + " weight is "
              + Arrays.toString(t.shape())
              + ", expected "
              + Arrays.toString(shape));
    }
  }

  /** C, the hidden size. */
  public int hidden() {
    return inputNorm.size();
  }

  /** F, the MLP's intermediate size. */
  public int intermediate() {
    return gate.dim(0);
  }

  /**
   * The weight tensors in the order of the record's components: the nine weights, then qBias,
   * kBias, vBias, qNorm, kNorm (entries 9–13 null where the layer has none).
   */
  public Tensor[] weights() {
    return new Tensor[] {
      inputNorm, q, k, v, o, postNorm, gate, up, down, qBias, kBias, vBias, qNorm, kNorm
    };
  }

  /**
   * What one forward pass through the layer needs besides its weights.
   *
   * @param batch B
   * @param time T
   * @param positions {@code [B·T]} RoPE position of each token
   * @param rope the rotary table (head dim D, covering every position)
   * @param scale attention scale, usually {@code 1/sqrt(D)}
   * @param padding {@code [B·T]} true where a token is padding (never attended to), or null
   */
  public record Input(
      int batch, int time, int[] positions, RopeTable rope, float scale, boolean[] padding) {
    public Input {
      int n = batch * time;
      if (batch < 0 || time < 0 || positions.length != n) {
        throw new IllegalArgumentException(
            "decoder layer input: "
                + positions.length
                + " positions for B="
                + batch
                + ", T="
                + time);
      }
      if (padding != null && padding.length != n) {
        throw new IllegalArgumentException(
            "decoder layer input: " + padding.length + " padding flags for B·T=" + n);
      }
      for (int p : positions) {
        if (p < 0 || p >= rope.maxPositions()) {
          throw new IllegalArgumentException(
              "decoder layer input: position "
                  + p
                  + " outside the RoPE table's "
                  + rope.maxPositions()
                  + " positions");
        }
      }
    }

    /** Causal self-attention over this input, padding keys hidden. */
    public AttentionMask mask() {
      return new AttentionMask(0, 0, true, padding, -1);
    }
  }

  /**
   * Checks {@code x}, {@code out} (heap F32 {@code [B,T,C]}) and the optional {@code keysOut},
   * {@code valuesOut} (heap F32 {@code [B,T,Hkv,D]}) against the layer and the input.
   */
  public void checkActivations(Input in, Tensor x, Tensor out, Tensor keysOut, Tensor valuesOut) {
    checkActivations(in, x, out);
    int[] kv = {in.batch(), in.time(), kvHeads, headDim};
    for (Tensor t : new Tensor[] {keysOut, valuesOut}) {
      if (t != null && (!Arrays.equals(t.shape(), kv) || !t.isHeapF32())) {
        throw new IllegalArgumentException(
            "decoder layer: keys/values out "
                + Arrays.toString(t.shape())
                + " must be heap F32 "
                + Arrays.toString(kv));
      }
    }
  }

  /** Checks {@code x} and {@code out} against the layer and the input (heap F32 [B,T,C]). */
  public void checkActivations(Input in, Tensor x, Tensor out) {
    int[] want = {in.batch(), in.time(), hidden()};
    if (!Arrays.equals(x.shape(), want) || !Arrays.equals(out.shape(), want)) {
      throw new IllegalArgumentException(
          "decoder layer: x "
              + Arrays.toString(x.shape())
              + " and out "
              + Arrays.toString(out.shape())
              + " must both be "
              + Arrays.toString(want));
    }
    if (!x.isHeapF32() || !out.isHeapF32()) {
      throw new IllegalArgumentException("decoder layer: x and out must be heap F32 tensors");
    }
    if (x.storage() == out.storage()) {
      throw new IllegalArgumentException("decoder layer: out must not alias x");
    }
    if (in.rope().headDim() != headDim) {
      throw new IllegalArgumentException(
          "decoder layer: RoPE table for head dim "
              + in.rope().headDim()
              + ", the layer has "
              + headDim);
    }
  }

  /** {@code y[N,out] += bias[out]} (a no-op without bias; a mapped bias is decoded first). */
  private static void addBias(Backend backend, Tensor y, Tensor bias) {
    if (bias == null) {
      return;
    }
    if (bias.isHeapF32()) {
      backend.add(y, bias, y);
    } else {
      try (Tensor b = bias.toF32()) {
        backend.add(y, b, y);
      }
    }
  }

  /**
   * The layer computed op by op on {@code backend} (the contract of {@link FusedDecoderLayer} and
   * the fallback of backends without it). Every intermediate is a new heap tensor, closed here.
   *
   * @param x {@code [B,T,C]}
   * @param out {@code [B,T,C]}, overwritten
   */
  public void forwardPerOp(Backend backend, Input in, Tensor x, Tensor out) {
    forwardPerOp(backend, in, x, out, null, null);
  }

  /**
   * As {@link #forwardPerOp(Backend, Input, Tensor, Tensor)}, also copying the rotated keys and the
   * values into {@code keysOut}, {@code valuesOut} ({@code [B,T,Hkv,D]}, each may be null).
   */
  public void forwardPerOp(
      Backend backend, Input in, Tensor x, Tensor out, Tensor keysOut, Tensor valuesOut) {
    checkActivations(in, x, out, keysOut, valuesOut);
    int b = in.batch(), t = in.time(), n = b * t, c = hidden(), f = intermediate();
    int dq = heads * headDim, dkv = kvHeads * headDim;
    Tensor x2 = x.reshape(n, c), out2 = out.reshape(n, c);
    try (Tensor h = Tensor.zeros(n, c);
        Tensor qs = Tensor.zeros(n, dq);
        Tensor ks = Tensor.zeros(n, dkv);
        Tensor vs = Tensor.zeros(n, dkv);
        Tensor normedQ = Tensor.zeros(n * heads, headDim);
        Tensor normedK = Tensor.zeros(n * kvHeads, headDim);
        Tensor att = Tensor.zeros(b, t, heads, headDim);
        Tensor proj = Tensor.zeros(n, c);
        Tensor x1 = Tensor.zeros(n, c);
        Tensor g = Tensor.zeros(n, f);
        Tensor act = Tensor.zeros(n, f);
        Tensor u = Tensor.zeros(n, f)) {
      // attention half: x1 = x + o(attention(rope(q(h)), rope(k(h)), v(h))), h = norm(x)
      backend.rmsNorm(x2, inputNorm, eps, h, null);
      backend.matmul(h, false, q, true, qs, false);
      backend.matmul(h, false, k, true, ks, false);
      backend.matmul(h, false, v, true, vs, false);
      addBias(backend, qs, qBias);
      addBias(backend, ks, kBias);
      addBias(backend, vs, vBias);
      if (qNorm != null) {
        // RMSNorm over D within each head: rows of D
        backend.rmsNorm(qs.reshape(n * heads, headDim), qNorm, eps, normedQ, null);
        backend.rmsNorm(ks.reshape(n * kvHeads, headDim), kNorm, eps, normedK, null);
        qs.copyFrom(normedQ);
        ks.copyFrom(normedK);
      }
      backend.rope(qs.reshape(n, heads, headDim), in.positions(), in.rope(), false);
      backend.rope(ks.reshape(n, kvHeads, headDim), in.positions(), in.rope(), false);
      if (keysOut != null) {
        keysOut.copyFrom(ks);
      }
      if (valuesOut != null) {
        valuesOut.copyFrom(vs);
      }
      backend.attention(
          qs.reshape(b, t, heads, headDim),
          ks.reshape(b, t, kvHeads, headDim),
          vs.reshape(b, t, kvHeads, headDim),
          in.mask(),
          in.scale(),
          att,
          null);
      backend.matmul(att.reshape(n, dq), false, o, true, proj, false);
      backend.add(x2, proj, x1);
      // MLP half: out = x1 + down(silu(gate(h)) ⊙ up(h)), h = norm(x1)
      backend.rmsNorm(x1, postNorm, eps, h, null);
      backend.matmul(h, false, gate, true, g, false);
      backend.matmul(h, false, up, true, u, false);
      backend.swiglu(g, u, act);
      backend.matmul(act, false, down, true, proj, false);
      backend.add(x1, proj, out2);
    }
  }
}
