package org.peftbench.tensor.backend.cpu;

import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.UnaryOp;

/**
 * The default backend: every kernel vectorised with the Vector API ({@code jdk.incubator.vector})
 * and spread over the {@link Parallel} pool. Work is cut into tasks whose boundaries depend only on
 * the problem size, and partial results (sums, parameter gradients) are combined in task order, so
 * the output is bit-identical for any thread count. GEMM lives in {@link Gemm}, attention in {@link
 * CpuAttention}; {@link ScalarBackend} is the reference these are tested against.
 */
public final class CpuBackend implements Backend {
  @Override
  public String name() {
    return "cpu";
  }

  // C[M,N] (+)= op(A)[M,K] · op(B)[K,N]
  @Override
  public void matmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    if (!transA && transB && Gemv.supports(a, b, c.dim(0))) {
      Checks.matmul(a, false, b, true, c); // a few rows times a weight: matrix-vector products
      if (a.dim(1) > 0) {
        Gemv.nt(a, b, c, accumulate);
        return;
      }
    }
    Gemm.matmul(a, transA, b, transB, c, accumulate);
  }

  // C[M,N] (+)= A[M,K]·op(B) + A2[M,R]·op(B2): the rank-R term as one more depth block
  @Override
  public void matmulLowRank(
      Tensor a, Tensor b, boolean transB, Tensor a2, Tensor b2, Tensor c, boolean accumulate) {
    if (transB && Gemv.supports(a, b, c.dim(0))) {
      Backend.super.matmulLowRank(a, b, transB, a2, b2, c, accumulate);
      return;
    }
    Gemm.matmulLowRank(a, b, transB, a2, b2, c, accumulate);
  }

  // dxs[M,R] = s·dY[M,N]·B[N,R],  dB[N,R] += dY[M,N]ᵀ·xs[M,R]
  @Override
  public void lowRankBackward(Tensor dy, Tensor b, Tensor xs, float s, Tensor dxs, Tensor db) {
    Checks.matmul(dy, true, xs, false, db);
    Checks.matmul(dy, false, b, false, dxs);
    if (dy.dim(0) == 0 || !LowRankBackward.supports(dy, b, xs, dxs, db)) {
      Backend.super.lowRankBackward(dy, b, xs, s, dxs, db);
      return;
    }
    LowRankBackward.run(dy, b, xs, s, dxs, db);
  }

  // C[i] (+)= op(A[i]) · op(B[i]) for each batch entry i
  @Override
  public void batchedMatmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    Checks.batched(a, b, c);
    for (int i = 0; i < a.dim(0); i++) {
      Gemm.matmul(
          a.slice0(i, i + 1).reshape(a.dim(1), a.dim(2)),
          transA,
          b.slice0(i, i + 1).reshape(b.dim(1), b.dim(2)),
          transB,
          c.slice0(i, i + 1).reshape(c.dim(1), c.dim(2)),
          accumulate);
    }
  }

  @Override
  public void add(Tensor a, Tensor b, Tensor out) {
    Elementwise.add(a, b, out);
  }

  @Override
  public void mul(Tensor a, Tensor b, Tensor out) {
    Elementwise.mul(a, b, out);
  }

  @Override
  public void scale(Tensor a, float s, Tensor out) {
    Elementwise.scale(a, s, out);
  }

  @Override
  public void axpy(float alpha, Tensor x, Tensor y) {
    Elementwise.axpy(alpha, x, y);
  }

  @Override
  public void unary(UnaryOp op, Tensor x, Tensor out) {
    Elementwise.unary(op, x, out);
  }

  @Override
  public void unaryBackward(UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
    Elementwise.unaryBackward(op, x, dy, dx, accumulate);
  }

  @Override
  public void swiglu(Tensor gate, Tensor up, Tensor out) {
    Elementwise.swiglu(gate, up, out);
  }

  @Override
  public void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
    Elementwise.swigluBackward(gate, up, dy, dGate, dUp);
  }

  @Override
  public double sum(Tensor x) {
    return Reductions.sum(x);
  }

  @Override
  public double sumOfSquares(Tensor x) {
    return Reductions.sumOfSquares(x);
  }

  @Override
  public float max(Tensor x) {
    return Reductions.max(x);
  }

  @Override
  public void sumLeading(Tensor x, Tensor out, boolean accumulate) {
    Reductions.sumLeading(x, out, accumulate);
  }

  @Override
  public void softmax(Tensor x, Tensor out) {
    SoftmaxLoss.softmax(x, out);
  }

  @Override
  public void logSoftmax(Tensor x, Tensor out) {
    SoftmaxLoss.logSoftmax(x, out);
  }

  @Override
  public void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
    SoftmaxLoss.softmaxBackward(y, dy, dx, accumulate);
  }

  @Override
  public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    Norms.rmsNorm(x, weight, eps, out, rstd);
  }

  @Override
  public void rmsNormBackward(
      Tensor x,
      Tensor weight,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight) {
    Norms.rmsNormBackward(x, weight, rstd, dy, dx, accumulate, dWeight);
  }

  @Override
  public void layerNorm(
      Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
    Norms.layerNorm(x, weight, bias, eps, out, mean, rstd);
  }

  @Override
  public void layerNormBackward(
      Tensor x,
      Tensor weight,
      Tensor mean,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight,
      Tensor dBias) {
    Norms.layerNormBackward(x, weight, mean, rstd, dy, dx, accumulate, dWeight, dBias);
  }

  @Override
  public void rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
    RopeEmbedding.rope(x, positions, table, inverse);
  }

  @Override
  public void rope(Tensor x, Tensor out, int[] positions, RopeTable table, boolean inverse) {
    RopeEmbedding.rope(x, out, positions, table, inverse);
  }

  @Override
  public void embedding(Tensor table, int[] ids, Tensor out) {
    RopeEmbedding.embedding(table, ids, out);
  }

  @Override
  public void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
    RopeEmbedding.embeddingBackward(ids, dy, dTable);
  }

  @Override
  public double crossEntropy(
      Tensor logits, int[] targets, int ignoreIndex, Tensor dLogits, float gradScale) {
    return SoftmaxLoss.crossEntropy(logits, targets, ignoreIndex, dLogits, gradScale);
  }

  @Override
  public void attention(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    CpuAttention.forward(q, k, v, mask, scale, out, lse);
  }

  /** The straightforward attention (one full score row per query), whatever the length. */
  public void attentionDirect(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    CpuAttention.direct(q, k, v, mask, scale, out, lse);
  }

  /** The fused flash-style attention (online softmax over key tiles), whatever the length. */
  public void attentionFlash(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    CpuAttention.flash(q, k, v, mask, scale, out, lse);
  }

  @Override
  public void attentionBackward(
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
    CpuAttention.backward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
  }
}
