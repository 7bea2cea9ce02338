package org.peftbench.tensor.backend;

import org.peftbench.tensor.Tensor;

/**
 * The numeric kernels everything else is built from. Implementations: {@link ScalarBackend} (the
 * plain reference every other backend is tested against) and the Vector API {@code CpuBackend}
 * (default); optional backends (the TornadoVM one in module {@code tensor-tornado}) plug in through
 * {@link BackendProvider}. Pick one with {@link Backends}.
 *
 * <p>Conventions. Shapes use fixed letters: B batch, T time (queries), S keys, C channels, V vocab,
 * H heads, D head dim, N rows (= B·T for row-wise ops), M/N/K for GEMM. Unless a parameter says
 * otherwise, tensors are contiguous F32 on the heap; "weights" may also be BF16/F16/F32 segments
 * (memory-mapped) and are decoded on the fly. Outputs are overwritten unless an {@code accumulate}
 * flag says to add into them; an output may alias an input only where stated. Row-wise ops work on
 * the last dimension and treat all leading dimensions as rows. All kernels are deterministic: the
 * result does not depend on the thread count.
 */
public interface Backend {
  /** Short name: "scalar", "cpu", ... */
  String name();

  // ---------------------------------------------------------------- GEMM

  /**
   * {@code C[M,N] (+)= op(A)[M,K] · op(B)[K,N]}.
   *
   * @param a rank 2, {@code [M,K]}, or {@code [K,M]} when {@code transA}
   * @param b rank 2, {@code [K,N]}, or {@code [N,K]} when {@code transB}; may be a weight (any
   *     float dtype, heap or segment)
   * @param c rank 2, {@code [M,N]}
   * @param accumulate add into C instead of overwriting it
   */
  void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate);

  /**
   * {@code C[M,N] (+)= A[M,K] · op(B) + A2[M,R] · op(B2)}: a product plus a low-rank one (a LoRA
   * layer's {@code x·Wᵀ + xs·Bᵀ} forward and {@code dY·W + dxs·A} backward), op being the same
   * transposition for both. Equal to the two {@link #matmul} calls, in this order; a backend may
   * run the rank-R product as one more depth block of the first, so C is read and written once.
   *
   * @param b2 {@code [N,R]} if {@code transB}, else {@code [R,N]}
   */
  default void matmulLowRank(
      Tensor a, Tensor b, boolean transB, Tensor a2, Tensor b2, Tensor c, boolean accumulate) {
    matmul(a, false, b, transB, c, accumulate);
    matmul(a2, false, b2, transB, c, true);
  }

  /**
   * The two products of a LoRA layer's backward that read its output gradient: {@code dxs[M,R] = s
   * · dY[M,N] · B[N,R]} (overwritten) and {@code dB[N,R] += dY[M,N]ᵀ · xs[M,R]}. Equal to the two
   * {@link #matmul} calls and a {@link #scale}; a backend may compute both in one pass over dY.
   *
   * @param dy {@code [M,N]}, the output gradient
   * @param b {@code [N,R]}, LoRA's up-projection
   * @param xs {@code [M,R]}, the forward's {@code s·x·Aᵀ}
   * @param dxs {@code [M,R]}, receives {@code s·dY·B}
   * @param db {@code [N,R]}, B's gradient, accumulated into
   */
  default void lowRankBackward(Tensor dy, Tensor b, Tensor xs, float s, Tensor dxs, Tensor db) {
    matmul(dy, true, xs, false, db, true);
    matmul(dy, false, b, false, dxs, false);
    scale(dxs, s, dxs);
  }

  /**
   * Batched {@link #matmul}: {@code a}, {@code b}, {@code c} have rank 3 with the same leading
   * batch size; batch {@code i} computes {@code c[i] (+)= op(a[i]) · op(b[i])}.
   */
  void batchedMatmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate);

  // ---------------------------------------------------------------- elementwise

  /**
   * {@code out = a + b}. {@code b} has a's shape or a suffix of it (then it repeats over a's
   * leading dimensions, e.g. a bias {@code [C]} added to {@code [N,C]}); b may be a weight. out may
   * alias a.
   */
  void add(Tensor a, Tensor b, Tensor out);

  /** {@code out = a * b}, broadcasting like {@link #add}. out may alias a. */
  void mul(Tensor a, Tensor b, Tensor out);

  /** {@code out = s * a}. out may alias a. */
  void scale(Tensor a, float s, Tensor out);

  /** {@code y += alpha * x} (same number of elements). */
  void axpy(float alpha, Tensor x, Tensor y);

  /** {@code out = f(x)}. out may alias x. */
  void unary(UnaryOp op, Tensor x, Tensor out);

  /** {@code dx (+)= f'(x) * dy}. */
  void unaryBackward(UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate);

  // ---------------------------------------------------------------- gated activation

  /**
   * SwiGLU, the gated activation of Llama-family MLPs: {@code out[N,F] = silu(gate) ⊙ up} (all
   * three the same size). out may alias gate or up. This default composes {@link #unary} and {@link
   * #mul}; backends fuse it into one pass.
   */
  default void swiglu(Tensor gate, Tensor up, Tensor out) {
    Tensor act = Tensor.zeros(gate.shape());
    unary(UnaryOp.SILU, gate, act);
    mul(act, up, out);
    act.close();
  }

  /**
   * Backward of {@link #swiglu}: {@code dGate = silu'(gate) ⊙ (dy ⊙ up)}, {@code dUp = dy ⊙
   * silu(gate)}, both overwritten. dUp may alias dy (each element is read before it is written).
   */
  default void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
    Tensor act = Tensor.zeros(gate.shape());
    unary(UnaryOp.SILU, gate, act);
    mul(dy, up, dGate);
    unaryBackward(UnaryOp.SILU, gate, dGate, dGate, false);
    mul(dy, act, dUp);
    act.close();
  }

  // ---------------------------------------------------------------- reductions

  /** Sum of all elements (accumulated in double, in a fixed order). */
  double sum(Tensor x);

  /** Largest element (NaN if any element is NaN). */
  float max(Tensor x);

  /** Sum of squares of all elements (double, fixed order); the L2 norm is its square root. */
  double sumOfSquares(Tensor x);

  /**
   * {@code out[...] (+)= Σ over the leading dimensions of x}: out's shape is a suffix of x's (e.g.
   * the gradient of a broadcast bias: {@code [N,C] → [C]}).
   */
  void sumLeading(Tensor x, Tensor out, boolean accumulate);

  // ---------------------------------------------------------------- softmax

  /** Numerically stable softmax over the last dimension. out may alias x. */
  void softmax(Tensor x, Tensor out);

  /** Log-softmax over the last dimension. out may alias x. */
  void logSoftmax(Tensor x, Tensor out);

  /** Given {@code y = softmax(x)}: {@code dx (+)= y ⊙ (dy − Σ dy⊙y)} row-wise. */
  void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate);

  // ---------------------------------------------------------------- normalisation

  /**
   * RMSNorm over the last dimension: {@code out = x · rstd · weight}, {@code rstd = 1/sqrt(mean(x²)
   * + eps)}.
   *
   * @param x {@code [N,C]}
   * @param weight {@code [C]} (a weight: any float dtype)
   * @param out {@code [N,C]}
   * @param rstd {@code [N]}, receives each row's rstd (for backward); may be null
   */
  void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd);

  /**
   * Backward of {@link #rmsNorm}: {@code dx (+)=} (see accumulate), {@code dWeight +=} if not null.
   */
  void rmsNormBackward(
      Tensor x,
      Tensor weight,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight);

  /**
   * LayerNorm over the last dimension: {@code out = (x − mean) · rstd · weight + bias}.
   *
   * @param mean {@code [N]} receives row means (may be null)
   * @param rstd {@code [N]} receives row rstd (may be null)
   * @param bias {@code [C]} or null
   */
  void layerNorm(
      Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd);

  /** Backward of {@link #layerNorm}; {@code dWeight}/{@code dBias} accumulate if not null. */
  void layerNormBackward(
      Tensor x,
      Tensor weight,
      Tensor mean,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight,
      Tensor dBias);

  // ---------------------------------------------------------------- positions

  /**
   * Rotary embedding in place, HF rotate-half convention.
   *
   * @param x {@code [N, H, D]} (N = B·T rows, any number of heads)
   * @param positions {@code [N]} position of each row
   * @param inverse rotate by the negative angle (the backward pass of RoPE)
   */
  void rope(Tensor x, int[] positions, RopeTable table, boolean inverse);

  /**
   * Rotary embedding of x written to out (same shape, may be x itself), x otherwise unchanged: one
   * sweep instead of a copy and then {@link #rope(Tensor, int[], RopeTable, boolean)} in place.
   * This default does the copy.
   */
  default void rope(Tensor x, Tensor out, int[] positions, RopeTable table, boolean inverse) {
    Checks.sameSize(x, out);
    if (out != x) {
      out.copyFrom(x);
    }
    rope(out, positions, table, inverse);
  }

  /**
   * {@code out[n] = table[ids[n]]}.
   *
   * @param table {@code [V,C]}, a weight (any float dtype)
   * @param out {@code [N,C]}
   */
  void embedding(Tensor table, int[] ids, Tensor out);

  /** {@code dTable[ids[n]] += dy[n]} ({@code dTable [V,C]} F32 heap, {@code dy [N,C]}). */
  void embeddingBackward(int[] ids, Tensor dy, Tensor dTable);

  // ---------------------------------------------------------------- loss

  /**
   * Cross-entropy of {@code logits [N,V]} against {@code targets [N]}; rows whose target is {@code
   * ignoreIndex} are skipped.
   *
   * @param dLogits if not null ({@code [N,V]}, may be {@code logits} itself), receives {@code
   *     gradScale · (softmax − onehot)} for counted rows and 0 for ignored rows
   * @return the sum of {@code −log p(target)} over counted rows (divide by the count for the mean)
   */
  double crossEntropy(
      Tensor logits, int[] targets, int ignoreIndex, Tensor dLogits, float gradScale);

  // ---------------------------------------------------------------- attention

  /**
   * Scaled dot-product attention with grouped-query heads: query head h reads key/value head {@code
   * h / (Hq/Hkv)}. Rows whose keys are all masked produce zeros.
   *
   * @param q {@code [B,T,Hq,D]}
   * @param k {@code [B,S,Hkv,D]} (S = key buffer length; {@code mask.keys(S)} of them used)
   * @param v {@code [B,S,Hkv,D]}
   * @param out {@code [B,T,Hq,D]}
   * @param lse {@code [B,Hq,T]} receives each row's log-sum-exp of scaled scores (for backward; −∞
   *     for fully masked rows); may be null
   */
  void attention(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse);

  /**
   * Backward of {@link #attention}, recomputing the probabilities from {@code lse}. {@code dq},
   * {@code dk}, {@code dv} (shapes of q, k, v) are overwritten.
   */
  void attentionBackward(
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
      Tensor dv);
}
