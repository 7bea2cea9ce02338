package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Elementwise kernels of a decoder layer for TornadoVM, one work-item per element. The operation is
 * an integer code in {@code dims} so that one compiled kernel serves its whole family.
 */
final class ElementwiseKernels {
  static final int ADD = 0;
  static final int MUL = 1;

  static final int SILU = 0;
  static final int SIGMOID = 1;
  static final int RELU = 2;
  static final int EXP = 3;

  private ElementwiseKernels() {}

  /**
   * {@code out[i] = a[i] op b[i mod bn]}: b has a's shape or a suffix of it (a bias broadcast over
   * rows); {@code dims = {n, bn, op}}.
   */
  static void binary(KernelContext ctx, FloatArray a, FloatArray b, IntArray dims, FloatArray out) {
    int n = dims.get(0);
    int bn = dims.get(1);
    int op = dims.get(2);
    int i = ctx.globalIdx;
    if (i < n) {
      float bv = b.get(i % bn);
      if (op == 0) {
        out.set(i, a.get(i) + bv);
      } else {
        out.set(i, a.get(i) * bv);
      }
    }
  }

  /**
   * {@code y[i] = alpha·x[i] + beta·y[i]}: scale ({@code beta = 0}) and axpy ({@code beta = 1}).
   */
  static void axpby(
      KernelContext ctx, FloatArray x, IntArray dims, FloatArray params, FloatArray y) {
    int n = dims.get(0);
    float alpha = params.get(0);
    float beta = params.get(1);
    int i = ctx.globalIdx;
    if (i < n) {
      if (beta == 0f) {
        y.set(i, alpha * x.get(i));
      } else {
        y.set(i, alpha * x.get(i) + beta * y.get(i));
      }
    }
  }

  /** {@code out = f(x)} for f in SiLU, sigmoid, ReLU, exp; {@code dims = {n, op}}. */
  static void unary(KernelContext ctx, FloatArray x, IntArray dims, FloatArray out) {
    int n = dims.get(0);
    int op = dims.get(1);
    int i = ctx.globalIdx;
    if (i < n) {
      float v = x.get(i);
      float y;
      if (op == 0) {
        y = v / (1f + TornadoMath.exp(-v));
      } else if (op == 1) {
        y = 1f / (1f + TornadoMath.exp(-v));
      } else if (op == 2) {
        y = TornadoMath.max(v, 0f);
      } else {
        y = TornadoMath.exp(v);
      }
      out.set(i, y);
    }
  }

  /** {@code dx (+)= f'(x)·dy}; {@code dims = {n, op, accumulate}}. */
  static void unaryBackward(
      KernelContext ctx, FloatArray x, FloatArray dy, IntArray dims, FloatArray dx) {
    int n = dims.get(0);
    int op = dims.get(1);
    int accumulate = dims.get(2);
    int i = ctx.globalIdx;
    if (i < n) {
      float v = x.get(i);
      float g;
      if (op == 0) {
        float s = 1f / (1f + TornadoMath.exp(-v));
        g = s * (1f + v * (1f - s));
      } else if (op == 1) {
        float s = 1f / (1f + TornadoMath.exp(-v));
        g = s * (1f - s);
      } else if (op == 2) {
        g = 0f;
        if (v > 0f) {
          g = 1f;
        }
      } else {
        g = TornadoMath.exp(v);
      }
      float d = g * dy.get(i);
      if (accumulate != 0) {
        dx.set(i, dx.get(i) + d);
      } else {
        dx.set(i, d);
      }
    }
  }

  /** SwiGLU, the gated MLP activation: {@code out = silu(gate)·up}; {@code dims = {n}}. */
  static void swiglu(
      KernelContext ctx, FloatArray gate, FloatArray up, IntArray dims, FloatArray out) {
    int n = dims.get(0);
    int i = ctx.globalIdx;
    if (i < n) {
      float g = gate.get(i);
      out.set(i, g / (1f + TornadoMath.exp(-g)) * up.get(i));
    }
  }

  /**
   * Writes each work-item's global id: on the device {@code out[i] = i}, while a sequential Java
   * run of this kernel (every id is 0 there) writes zeros. Tests use it to prove kernels really ran
   * on the device.
   */
  static void threadIds(KernelContext ctx, IntArray dims, IntArray out) {
    int i = ctx.globalIdx;
    if (i < dims.get(0)) {
      out.set(i, i);
    }
  }
}
