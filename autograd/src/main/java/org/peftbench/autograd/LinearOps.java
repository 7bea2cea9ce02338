package org.peftbench.autograd;

import static org.peftbench.autograd.Graph.be;
import static org.peftbench.autograd.Graph.closeCopy;
import static org.peftbench.autograd.Graph.heap;

import java.util.Arrays;
import org.peftbench.tensor.Tensor;

/** Matrix products: linear layers and (batched) GEMMs. See {@link Ops} for the contracts. */
final class LinearOps {
  private LinearOps() {}

  // y[N,out] = x[N,in] · W[out,in]ᵀ (+ b[out])
  // dX[N,in] += dY · W (NN) ; dW[out,in] += dYᵀ · X (TN) ; db[out] += Σ_N dY
  static Var linear(Var x, Var w, Var bias) {
    int in = x.dim(-1);
    if (w.rank() != 2 || w.dim(1) != in) {
      throw new IllegalArgumentException(
          "linear: input " + Arrays.toString(x.shape()) + " does not match weight " + w.value);
    }
    int out = w.dim(0);
    if (bias != null && (bias.value.numel() != out)) {
      throw new IllegalArgumentException("linear: bias " + bias.value + " for " + out + " outputs");
    }
    int[] outShape = x.shape();
    outShape[outShape.length - 1] = out;
    Tensor xv = heap(x.value);
    Tensor x2 = xv.reshape(-1, in);
    Tensor y = Tensor.empty(outShape);
    Tensor y2 = y.reshape(-1, out);
    be().matmul(x2, false, w.value, true, y2, false);
    if (bias != null) {
      be().add(y2, bias.value.reshape(out), y2);
    }
    closeCopy(xv, x.value);
    return Graph.result(
        "linear",
        y,
        o -> {
          Tensor dy = o.grad.reshape(-1, out);
          if (x.requiresGrad()) {
            be().matmul(dy, false, w.value, false, x.gradBuffer().reshape(-1, in), true);
          }
          if (w.requiresGrad()) {
            Tensor xh = heap(x.value);
            be().matmul(dy, true, xh.reshape(-1, in), false, w.gradBuffer(), true);
            closeCopy(xh, x.value);
          }
          if (bias != null && bias.requiresGrad()) {
            be().sumLeading(dy, bias.gradBuffer().reshape(out), true);
          }
        },
        x,
        w,
        bias);
  }

  // C[M,N] = A[M,K] · op(B) where op(B) = B[K,N] or B[N,K]ᵀ
  static Var matmul(Var a, Var b, boolean transB) {
    if (a.rank() != 2 || b.rank() != 2) {
      throw new IllegalArgumentException(
          "matmul needs rank-2 operands: " + a.value + " and " + b.value);
    }
    int m = a.dim(0), n = transB ? b.dim(0) : b.dim(1);
    Tensor av = heap(a.value);
    Tensor c = Tensor.zeros(m, n);
    be().matmul(av, false, b.value, transB, c, false);
    closeCopy(av, a.value);
    return Graph.result(
        transB ? "matmulTransB" : "matmul",
        c,
        o -> {
          Tensor dc = o.grad;
          if (a.requiresGrad()) {
            // dA = dC · op(B)ᵀ
            be().matmul(dc, false, b.value, !transB, a.gradBuffer(), true);
          }
          if (b.requiresGrad()) {
            Tensor ah = heap(a.value);
            if (transB) {
              be().matmul(dc, true, ah, false, b.gradBuffer(), true); // dB[N,K] = dCᵀ·A
            } else {
              be().matmul(ah, true, dc, false, b.gradBuffer(), true); // dB[K,N] = Aᵀ·dC
            }
            closeCopy(ah, a.value);
          }
        },
        a,
        b);
  }

  // C[G,M,N] = A[G,M,K] · op(B[G]) per batch entry
  static Var batchedMatmul(Var a, Var b, boolean transB) {
    if (a.rank() != 3 || b.rank() != 3 || a.dim(0) != b.dim(0)) {
      throw new IllegalArgumentException(
          "batched matmul needs rank-3 operands with one batch size: " + a.value + ", " + b.value);
    }
    int g = a.dim(0), m = a.dim(1), n = transB ? b.dim(1) : b.dim(2);
    Tensor av = heap(a.value), bv = heap(b.value);
    Tensor c = Tensor.zeros(g, m, n);
    be().batchedMatmul(av, false, bv, transB, c, false);
    closeCopy(av, a.value);
    closeCopy(bv, b.value);
    return Graph.result(
        transB ? "batchedMatmulTransB" : "batchedMatmul",
        c,
        o -> {
          Tensor dc = o.grad;
          if (a.requiresGrad()) {
            Tensor bh = heap(b.value);
            be().batchedMatmul(dc, false, bh, !transB, a.gradBuffer(), true);
            closeCopy(bh, b.value);
          }
          if (b.requiresGrad()) {
            Tensor ah = heap(a.value);
            if (transB) {
              be().batchedMatmul(dc, true, ah, false, b.gradBuffer(), true);
            } else {
              be().batchedMatmul(ah, true, dc, false, b.gradBuffer(), true);
            }
            closeCopy(ah, a.value);
          }
        },
        a,
        b);
  }
}
