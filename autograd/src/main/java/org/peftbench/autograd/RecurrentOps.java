package org.peftbench.autograd;

import org.peftbench.tensor.Tensor;

/**
 * One LSTM direction built from the primitive ops, so its backward is the primitives' backward.
 * Matches {@code torch.nn.LSTM} (batch_first): gate order i, f, g, o, both biases, zero initial
 * state.
 */
final class RecurrentOps {
  private RecurrentOps() {}

  // x [B,T,I] → h [B,T,H]
  //   pre[B,T,4H] = x·W_ihᵀ + b_ih                         (all steps at once)
  //   gates_t     = pre_t + h_{t−1}·W_hhᵀ + b_hh
  //   i,f,g,o     = σ(gates[0:H]), σ(gates[H:2H]), tanh(gates[2H:3H]), σ(gates[3H:4H])
  //   c_t = f⊙c_{t−1} + i⊙g ; h_t = o⊙tanh(c_t)
  static Var lstm(Var x, Var wIh, Var wHh, Var bIh, Var bHh, boolean reverse) {
    if (x.rank() != 3) {
      throw new IllegalArgumentException("lstm input must be [B,T,I], got " + x.value);
    }
    int b = x.dim(0), t = x.dim(1), h = wHh.dim(1);
    if (wIh.dim(0) != 4 * h || wHh.dim(0) != 4 * h) {
      throw new IllegalArgumentException(
          "lstm weights must be [4H,I] and [4H,H]: " + wIh.value + ", " + wHh.value);
    }
    Var pre = LinearOps.linear(x, wIh, bIh); // [B,T,4H]
    Var hPrev = Var.constant(Tensor.zeros(b, h));
    Var cPrev = Var.constant(Tensor.zeros(b, h));
    Var[] outputs = new Var[t];
    for (int step = 0; step < t; step++) {
      int ti = reverse ? t - 1 - step : step;
      Var preT = ShapeOps.reshape(ShapeOps.slice(pre, 1, ti, ti + 1), b, 4 * h);
      Var gates = ElementwiseOps.add(preT, LinearOps.linear(hPrev, wHh, bHh));
      Var[] parts = ShapeOps.split(gates, 1, h, h, h, h);
      Var in = Ops.sigmoid(parts[0]);
      Var forget = Ops.sigmoid(parts[1]);
      Var cell = Ops.tanh(parts[2]);
      Var out = Ops.sigmoid(parts[3]);
      Var c = ElementwiseOps.add(ElementwiseOps.mul(forget, cPrev), ElementwiseOps.mul(in, cell));
      Var hNew = ElementwiseOps.mul(out, Ops.tanh(c));
      outputs[ti] = ShapeOps.reshape(hNew, b, 1, h);
      hPrev = hNew;
      cPrev = c;
    }
    return ShapeOps.concat(1, outputs);
  }
}
