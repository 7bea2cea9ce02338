package org.peftbench.autograd;

import static org.peftbench.autograd.Graph.be;
import static org.peftbench.autograd.Graph.closeCopy;
import static org.peftbench.autograd.Graph.heap;

import java.util.Arrays;
import org.peftbench.tensor.Tensor;

/**
 * A LoRA linear layer as one op: {@code y = x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ}. Built from separate ops it
 * keeps five {@code [N, out]} tensors alive until backward (the base output, the two LoRA products,
 * the scaled one and the sum); fused, only the output and the rank-r {@code s·x·Aᵀ} exist, and the
 * LoRA product is added straight into the base output by the GEMM.
 */
final class LoraOps {
  private LoraOps() {}

  // y[N,out] = x[N,in]·W[out,in]ᵀ + xs[N,r]·B[out,r]ᵀ (+ bias),   xs = s·x·A[r,in]ᵀ
  // dX  += dY·W + (s·dY·B)·A          (NN)
  // dB  += dYᵀ·xs                     (TN, with s·dY·B in one pass over dY)
  // dA  += (s·dY·B)ᵀ·x                (TN)
  // dW  += dYᵀ·x, dbias += Σ_N dY     (only if they train)
  static Var loraLinear(Var x, Var w, Var bias, Var a, Var b, float scaling) {
    int in = x.dim(-1);
    if (w.rank() != 2 || w.dim(1) != in || a.rank() != 2 || a.dim(1) != in || b.rank() != 2) {
      throw new IllegalArgumentException(
          "loraLinear: input "
              + Arrays.toString(x.shape())
              + " does not match W "
              + w.value
              + ", A "
              + a.value);
    }
    int out = w.dim(0), r = a.dim(0);
    if (b.dim(0) != out || b.dim(1) != r) {
      throw new IllegalArgumentException(
          "loraLinear: B " + b.value + " for W " + w.value + " and A " + a.value);
    }
    if (bias != null && bias.value.numel() != out) {
      throw new IllegalArgumentException("loraLinear: bias " + bias.value + " for " + out);
    }
    int[] outShape = x.shape();
    outShape[outShape.length - 1] = out;
    Tensor xh = heap(x.value);
    Tensor x2 = xh.reshape(-1, in);
    int n = x2.dim(0);
    Tensor xs = Tensor.empty(n, r);
    be().matmul(x2, false, a.value, true, xs, false);
    be().scale(xs, scaling, xs);
    // --profile: the rank-r x·Aᵀ (charged to loraLinear itself), then the base product
    OpProfile.part("loraLinear", OpProfile.Phase.FORWARD);
    Tensor y = Tensor.empty(outShape);
    Tensor y2 = y.reshape(-1, out);
    // y = x·Wᵀ + xs·Bᵀ in one pass over y: the LoRA term is one more depth block of the base GEMM
    be().matmulLowRank(x2, w.value, true, xs, b.value, y2, false);
    if (bias != null) {
      be().add(y2, bias.value.reshape(out), y2);
    }
    OpProfile.lap("loraLinear: base x·Wᵀ", OpProfile.Phase.FORWARD);
    closeCopy(xh, x.value);
    return Graph.result(
        "loraLinear",
        y,
        true,
        o -> {
          Tensor dy = o.grad.reshape(-1, out);
          Tensor xb = heap(x.value);
          Tensor xr = xb.reshape(-1, in);
          boolean needDxs = a.requiresGrad() || x.requiresGrad();
          if (b.requiresGrad() && !needDxs) {
            be().matmul(dy, true, xs, false, b.gradBuffer(), true);
          }
          if (needDxs) {
            Tensor dxs = Tensor.empty(n, r); // s·dY·B = d(x·Aᵀ)
            if (b.requiresGrad()) {
              // dB += dYᵀ·xs and dxs in one pass over dY
              be().lowRankBackward(dy, b.value, xs, scaling, dxs, b.gradBuffer());
            } else {
              be().matmul(dy, false, b.value, false, dxs, false);
              be().scale(dxs, scaling, dxs);
            }
            if (a.requiresGrad()) {
              be().matmul(dxs, true, xr, false, a.gradBuffer(), true);
            }
            if (x.requiresGrad()) {
              Tensor dx = x.gradBuffer().reshape(-1, in);
              OpProfile.part("loraLinear", OpProfile.Phase.BACKWARD);
              // dX += dY·W + dxs·A, the rank-r term as one more depth block of the base GEMM
              be().matmulLowRank(dy, w.value, false, dxs, a.value, dx, true);
              OpProfile.lap("loraLinear: base dY·W", OpProfile.Phase.BACKWARD);
            }
            dxs.close();
          }
          if (w.requiresGrad()) {
            be().matmul(dy, true, xr, false, w.gradBuffer(), true);
          }
          if (bias != null && bias.requiresGrad()) {
            be().sumLeading(dy, bias.gradBuffer().reshape(out), true);
          }
          closeCopy(xb, x.value);
        },
        new Tensor[] {xs},
        x,
        w,
        bias,
        a,
        b);
  }
}
