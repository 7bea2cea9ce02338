package org.peftbench.autograd;

import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.UnaryOp;

/**
 * The differentiable ops, each a forward/backward pair recorded on the graph when grad mode is on
 * and an input requires a gradient. Computation goes through {@code Backends.current()}.
 *
 * <p>Shape letters: B batch, T time (queries), S keys, C channels, V vocab, H heads, D head dim, N
 * rows (any leading dimensions flattened). Results are new heap F32 tensors unless stated.
 * Broadcasting is over leading dimensions only: an operand {@code b} of shape equal to a suffix of
 * {@code a}'s shape repeats over a's leading dimensions (a bias {@code [C]} over {@code [B,T,C]}).
 */
public final class Ops {
  private Ops() {}

  // ---------------------------------------------------------------- linear algebra

  /**
   * A linear layer: {@code y = x·Wᵀ + b}.
   *
   * @param x {@code [..., in]}
   * @param w {@code [out, in]} (HF layout); may be a frozen mapped BF16/F16/F32 weight
   * @param bias {@code [out]} or null
   * @return {@code [..., out]}
   */
  public static Var linear(Var x, Var w, Var bias) {
    return LinearOps.linear(x, w, bias);
  }

  /**
   * A LoRA layer in one op: {@code y = x·Wᵀ + bias + s·(x·Aᵀ)·Bᵀ} (bias may be null). Same value
   * and gradients as {@code add(linear(x, W, bias), scale(linear(linear(x, A), B), s))} (up to
   * rounding), keeping only {@code y} and the rank-r {@code s·x·Aᵀ} for backward.
   *
   * @param x {@code [..., in]}
   * @param w {@code [out, in]}
   * @param a {@code [r, in]}
   * @param b {@code [out, r]}
   * @return {@code [..., out]}
   */
  public static Var loraLinear(Var x, Var w, Var bias, Var a, Var b, float scaling) {
    return LoraOps.loraLinear(x, w, bias, a, b, scaling);
  }

  /** {@code C[M,N] = A[M,K] · B[K,N]}. */
  public static Var matmul(Var a, Var b) {
    return LinearOps.matmul(a, b, false);
  }

  /** {@code C[M,N] = A[M,K] · B[N,K]ᵀ}. */
  public static Var matmulTransB(Var a, Var b) {
    return LinearOps.matmul(a, b, true);
  }

  /** Batched: {@code C[G,M,N] = A[G,M,K] · B[G,K,N]} for each of the G entries. */
  public static Var batchedMatmul(Var a, Var b) {
    return LinearOps.batchedMatmul(a, b, false);
  }

  /** Batched: {@code C[G,M,N] = A[G,M,K] · B[G,N,K]ᵀ}. */
  public static Var batchedMatmulTransB(Var a, Var b) {
    return LinearOps.batchedMatmul(a, b, true);
  }

  // ---------------------------------------------------------------- elementwise

  /** {@code a + b}; one operand's shape must be a suffix of the other's. Shape of the larger. */
  public static Var add(Var a, Var b) {
    return ElementwiseOps.add(a, b);
  }

  /** {@code a − b}; b's shape is a's or a suffix of it. Shape of a. */
  public static Var sub(Var a, Var b) {
    return ElementwiseOps.sub(a, b);
  }

  /** {@code a ⊙ b}; one operand's shape must be a suffix of the other's. Shape of the larger. */
  public static Var mul(Var a, Var b) {
    return ElementwiseOps.mul(a, b);
  }

  /** {@code s · a}, same shape. */
  public static Var scale(Var a, float s) {
    return ElementwiseOps.scale(a, s);
  }

  /** {@code a + c} for a constant c, same shape. */
  public static Var addScalar(Var a, float c) {
    return ElementwiseOps.addScalar(a, c);
  }

  /** SiLU {@code x·σ(x)}, same shape. */
  public static Var silu(Var x) {
    return ElementwiseOps.unary(UnaryOp.SILU, x);
  }

  /**
   * SwiGLU {@code silu(gate) ⊙ up} (the gated MLP of Llama-family models) as one op; gate and up
   * have the same shape. Equal to {@code mul(silu(gate), up)} but keeps no {@code silu(gate)}
   * tensor and runs one fused kernel each way.
   */
  public static Var swiglu(Var gate, Var up) {
    return ElementwiseOps.swiglu(gate, up);
  }

  /** GELU, tanh approximation (PyTorch {@code approximate="tanh"}), same shape. */
  public static Var geluTanh(Var x) {
    return ElementwiseOps.unary(UnaryOp.GELU_TANH, x);
  }

  /** Exact GELU {@code x·Φ(x)}, same shape. */
  public static Var geluErf(Var x) {
    return ElementwiseOps.unary(UnaryOp.GELU_ERF, x);
  }

  public static Var tanh(Var x) {
    return ElementwiseOps.unary(UnaryOp.TANH, x);
  }

  public static Var sigmoid(Var x) {
    return ElementwiseOps.unary(UnaryOp.SIGMOID, x);
  }

  public static Var relu(Var x) {
    return ElementwiseOps.unary(UnaryOp.RELU, x);
  }

  public static Var exp(Var x) {
    return ElementwiseOps.unary(UnaryOp.EXP, x);
  }

  /** Any {@link UnaryOp} elementwise, same shape. */
  public static Var unary(UnaryOp op, Var x) {
    return ElementwiseOps.unary(op, x);
  }

  /**
   * Inverted dropout: zeroes each element with probability p and scales the rest by {@code
   * 1/(1−p)}. The mask is drawn from {@code seed} alone (same seed ⇒ same mask), so callers pass a
   * distinct seed per layer and step. Identity (returns x itself) when {@code p == 0} or in no-grad
   * mode, except in the first run of a {@link Checkpoint}ed block (which replays the same masks).
   */
  public static Var dropout(Var x, float p, long seed) {
    return ElementwiseOps.dropout(x, p, seed);
  }

  /** Softmax over the last dimension, same shape. */
  public static Var softmax(Var x) {
    return ElementwiseOps.softmax(x);
  }

  // ---------------------------------------------------------------- shapes

  /** The same elements with another shape (one dimension may be −1); a view, no copy. */
  public static Var reshape(Var a, int... shape) {
    return ShapeOps.reshape(a, shape);
  }

  /**
   * Joins parts along {@code axis} (negative counts from the end); all other dimensions must match.
   */
  public static Var concat(int axis, Var... parts) {
    return ShapeOps.concat(axis, parts);
  }

  /** {@code a[..., from:to, ...]} along {@code axis}: the axis shrinks to {@code to − from}. */
  public static Var slice(Var a, int axis, int from, int to) {
    return ShapeOps.slice(a, axis, from, to);
  }

  /** Consecutive slices of the given sizes along {@code axis} (sizes add up to its length). */
  public static Var[] split(Var a, int axis, int... sizes) {
    return ShapeOps.split(a, axis, sizes);
  }

  /** Swaps two axes (a copy; avoid in hot paths: activations are laid out as {@code [B,T,H,D]}). */
  public static Var transpose(Var a, int axis0, int axis1) {
    return ShapeOps.transpose(a, axis0, axis1);
  }

  // ---------------------------------------------------------------- model layers

  /**
   * Embedding lookup.
   *
   * @param table {@code [V,C]}, frozen (any float dtype) or trainable
   * @param ids {@code N} token ids
   * @return {@code [N,C]}
   */
  public static Var embedding(Var table, int[] ids) {
    return SequenceOps.embedding(table, ids);
  }

  /**
   * RMSNorm over the last dimension: {@code x / sqrt(mean(x²) + eps) · weight}.
   *
   * @param x {@code [..., C]}
   * @param weight {@code [C]}
   */
  public static Var rmsNorm(Var x, Var weight, float eps) {
    return NormOps.rmsNorm(x, weight, eps);
  }

  /**
   * LayerNorm over the last dimension: {@code (x − mean) / sqrt(var + eps) · weight + bias}.
   *
   * @param x {@code [..., C]}
   * @param weight {@code [C]}
   * @param bias {@code [C]} or null
   */
  public static Var layerNorm(Var x, Var weight, Var bias, float eps) {
    return NormOps.layerNorm(x, weight, bias, eps);
  }

  /**
   * Rotary position embedding (HF rotate-half).
   *
   * @param x {@code [N,H,D]} or {@code [B,T,H,D]} (N = B·T rows)
   * @param positions {@code [N]} position of each row
   */
  public static Var rope(Var x, int[] positions, RopeTable table) {
    return SequenceOps.rope(x, positions, table);
  }

  /**
   * Scaled dot-product attention with grouped-query heads (query head h reads key/value head {@code
   * h / (Hq/Hkv)}). Prefix-tuning keys/values are extra leading keys, made visible to every query
   * by {@code mask.prefix()}.
   *
   * @param q {@code [B,T,Hq,D]}
   * @param k {@code [B,S,Hkv,D]}
   * @param v {@code [B,S,Hkv,D]}
   * @param scale usually {@code 1/sqrt(D)}
   * @return {@code [B,T,Hq,D]}
   */
  public static Var attention(Var q, Var k, Var v, AttentionMask mask, float scale) {
    return SequenceOps.attention(q, k, v, mask, scale);
  }

  /**
   * One direction of an LSTM layer, like {@code torch.nn.LSTM(batch_first=True)}: gate order i, f,
   * g, o; both biases; zero initial state. A bidirectional layer is {@code concat(-1, lstm(...,
   * false), lstm(..., true))} with each direction's own weights.
   *
   * @param x {@code [B,T,I]}
   * @param wIh {@code [4H,I]}
   * @param wHh {@code [4H,H]}
   * @param bIh {@code [4H]} or null
   * @param bHh {@code [4H]} or null
   * @param reverse run from the last step to the first (outputs stay at their time index)
   * @return {@code [B,T,H]}, the hidden state at every step
   */
  public static Var lstm(Var x, Var wIh, Var wHh, Var bIh, Var bHh, boolean reverse) {
    return RecurrentOps.lstm(x, wIh, wHh, bIh, bHh, reverse);
  }

  // ---------------------------------------------------------------- losses and reductions

  /**
   * Mean cross-entropy over the rows whose target is not {@code ignoreIndex} (HF uses −100). When
   * every row is ignored the loss is 0 with a zero gradient.
   *
   * @param logits {@code [N,V]} (or {@code [..., V]} with N rows)
   * @param targets {@code [N]}
   * @return a scalar
   */
  public static Var crossEntropy(Var logits, int[] targets, int ignoreIndex) {
    return LossOps.crossEntropy(logits, targets, ignoreIndex);
  }

  /**
   * {@code crossEntropy(linear(x, W), targets, ignoreIndex)} without materialising the {@code
   * [N,V]} logits: the projection and the loss run in chunks of {@code chunkRows} rows, each
   * chunk's gradient turned into {@code dX} (and {@code dW}) at once. Same value and gradients as
   * the two ops (up to summation order); use it for a large vocabulary.
   *
   * @param x {@code [N,C]}
   * @param w {@code [V,C]} (any float dtype; a gradient only if it requires one)
   * @param targets {@code [N]}
   * @return a scalar
   */
  public static Var linearCrossEntropy(
      Var x, Var w, int[] targets, int ignoreIndex, int chunkRows) {
    return ChunkedLossOps.linearCrossEntropy(x, w, targets, ignoreIndex, chunkRows);
  }

  /** Sum of all elements, a scalar. */
  public static Var sum(Var x) {
    return LossOps.sum(x, 1f, "sum");
  }

  /** Mean of all elements, a scalar. */
  public static Var mean(Var x) {
    return LossOps.sum(x, 1f / x.value().numel(), "mean");
  }
}
