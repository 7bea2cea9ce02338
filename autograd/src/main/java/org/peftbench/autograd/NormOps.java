package org.peftbench.autograd;

import static org.peftbench.autograd.Graph.be;
import static org.peftbench.autograd.Graph.closeCopy;
import static org.peftbench.autograd.Graph.heap;

import org.peftbench.tensor.Tensor;

/** RMSNorm and LayerNorm over the last dimension. See {@link Ops} for the contracts. */
final class NormOps {
  private NormOps() {}

  static void checkWeight(String op, Var x, Var w) {
    if (w != null && w.value.numel() != x.dim(-1)) {
      throw new IllegalArgumentException(
          op + ": weight " + w.value + " does not match the last dimension of " + x.value);
    }
  }

  // y[N,C] = x · rstd · w, rstd[N] saved for backward
  static Var rmsNorm(Var x, Var weight, float eps) {
    checkWeight("rmsNorm", x, weight);
    int c = x.dim(-1);
    Tensor xh = heap(x.value);
    Tensor y = Tensor.empty(x.shape());
    boolean rec = Graph.recording(x, weight);
    Tensor rstd = rec ? Tensor.zeros(xh.rows()) : null;
    be().rmsNorm(xh, weight.value.reshape(c), eps, y, rstd);
    closeCopy(xh, x.value);
    return Graph.result(
        "rmsNorm",
        y,
        true,
        o -> {
          Tensor xv = heap(x.value);
          Tensor dx = x.requiresGrad() ? x.gradBuffer() : Tensor.zeros(x.shape());
          Tensor dw = weight.requiresGrad() ? weight.gradBuffer().reshape(c) : null;
          be().rmsNormBackward(xv, weight.value.reshape(c), rstd, o.grad, dx, true, dw);
          if (!x.requiresGrad()) {
            dx.close();
          }
          closeCopy(xv, x.value);
        },
        new Tensor[] {rstd},
        x,
        weight);
  }

  // y[N,C] = (x − mean) · rstd · w + b, mean[N] and rstd[N] saved for backward
  static Var layerNorm(Var x, Var weight, Var bias, float eps) {
    checkWeight("layerNorm", x, weight);
    checkWeight("layerNorm", x, bias);
    int c = x.dim(-1);
    Tensor xh = heap(x.value);
    Tensor y = Tensor.empty(x.shape());
    boolean rec = Graph.recording(x, weight, bias);
    Tensor mean = rec ? Tensor.zeros(xh.rows()) : null;
    Tensor rstd = rec ? Tensor.zeros(xh.rows()) : null;
    be().layerNorm(
            xh,
            weight.value.reshape(c),
            bias == null ? null : bias.value.reshape(c),
            eps,
            y,
            mean,
            rstd);
    closeCopy(xh, x.value);
    return Graph.result(
        "layerNorm",
        y,
        true,
        o -> {
          Tensor xv = heap(x.value);
          Tensor dx = x.requiresGrad() ? x.gradBuffer() : Tensor.zeros(x.shape());
          Tensor dw = weight.requiresGrad() ? weight.gradBuffer().reshape(c) : null;
          Tensor db = bias != null && bias.requiresGrad() ? bias.gradBuffer().reshape(c) : null;
          be().layerNormBackward(xv, weight.value.reshape(c), mean, rstd, o.grad, dx, true, dw, db);
          if (!x.requiresGrad()) {
            dx.close();
          }
          closeCopy(xv, x.value);
        },
        new Tensor[] {mean, rstd},
        x,
        weight,
        bias);
  }
}
