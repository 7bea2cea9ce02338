package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The kernels of prompt learning in the resident training step: the virtual-token encoder's
 * activations ({@link TokenEncoderGraph}) and prefix tuning's keys and values in front of every
 * layer's ({@link PrefixAttention}). One work-item per element; reductions over the batch run in
 * batch order in one work-item per output (deterministic, no atomics).
 */
final class PromptKernels {
  static final int NONE = 0;
  static final int RELU = 1;
  static final int TANH = 2;

  private PromptKernels() {}

  /**
   * An encoder layer's bias and activation, in place: {@code y[r,j] = act(y[r,j] + b[bOff + j])}.
   * {@code dims = {rows·cols, cols, bOff, act}}.
   */
  static void biasActivation(KernelContext ctx, FloatArray y, FloatArray b, IntArray dims) {
    int total = dims.get(0);
    int cols = dims.get(1);
    int bOff = dims.get(2);
    int act = dims.get(3);
    int i = ctx.globalIdx;
    if (i < total) {
      float z = y.get(i) + b.get(bOff + i % cols);
      if (act == 1) {
        z = TornadoMath.max(z, 0f);
      } else if (act == 2) {
        z = TornadoMath.tanh(z);
      }
      y.set(i, z);
    }
  }

  /**
   * The activation's backward from its output y, in place on the gradient: ReLU {@code dz = dy·[y >
   * 0]}, tanh {@code dz = dy·(1 − y²)}. {@code dims = {n, act}}.
   */
  static void activationBackward(KernelContext ctx, FloatArray y, FloatArray dy, IntArray dims) {
    int total = dims.get(0);
    int act = dims.get(1);
    int i = ctx.globalIdx;
    if (i < total) {
      float out = y.get(i);
      float g = 1f;
      if (act == 1) {
        g = 0f;
        if (out > 0f) {
          g = 1f;
        }
      } else if (act == 2) {
        g = 1f - out * out;
      }
      dy.set(i, dy.get(i) * g);
    }
  }

  /**
   * A layer's key (or value) buffer with the prefix in front, one work-item per element of {@code
   * all [B, P'+T, W]} (W = Hkv·D): row {@code s < P'} of every sequence is the prefix's row s, read
   * from its column block of the encoder output {@code [P', Wp]}; row {@code P'+t} is {@code
   * real[b, t]}. {@code dims = {B, T, P', W, pOff, Wp, block}}.
   */
  static void prependPrefix(
      KernelContext ctx, FloatArray prefix, FloatArray real, IntArray dims, FloatArray all) {
    int nb = dims.get(0);
    int nt = dims.get(1);
    int np = dims.get(2);
    int w = dims.get(3);
    int pOff = dims.get(4);
    int wp = dims.get(5);
    int block = dims.get(6);
    int keys = np + nt;
    int i = ctx.globalIdx;
    if (i < nb * keys * w) {
      int j = i % w;
      int s = (i / w) % keys;
      int b = i / (w * keys);
      if (s < np) {
        all.set(i, prefix.get(pOff + s * wp + block + j));
      } else {
        all.set(i, real.get((b * nt + s - np) * w + j));
      }
    }
  }

  /**
   * The real rows of a gradient {@code dAll [B, P'+T, W]}: {@code dReal[b, t] = dAll[b, P'+t]}, one
   * work-item per element of {@code dReal [B, T, W]}. {@code dims = {B, T, P', W}}.
   */
  static void realRows(KernelContext ctx, FloatArray dAll, IntArray dims, FloatArray dReal) {
    int nb = dims.get(0);
    int nt = dims.get(1);
    int np = dims.get(2);
    int w = dims.get(3);
    int i = ctx.globalIdx;
    if (i < nb * nt * w) {
      int j = i % w;
      int t = (i / w) % nt;
      int b = i / (w * nt);
      dReal.set(i, dAll.get((b * (np + nt) + np + t) * w + j));
    }
  }

  /**
   * The prefix rows' gradient summed over the batch (every sequence reads the same prefix), added
   * into its column block of the encoder output's gradient {@code [P', Wp]} at {@code gOff}: one
   * work-item per element {@code (s, j)} of {@code [P', W]}. {@code dims = {B, T, P', W, gOff, Wp,
   * block}}.
   */
  static void prefixGrad(KernelContext ctx, FloatArray dAll, IntArray dims, FloatArray grad) {
    int nb = dims.get(0);
    int nt = dims.get(1);
    int np = dims.get(2);
    int w = dims.get(3);
    int gOff = dims.get(4);
    int wp = dims.get(5);
    int block = dims.get(6);
    int i = ctx.globalIdx;
    if (i < np * w) {
      int j = i % w;
      int s = i / w;
      float acc = 0f;
      for (int b = 0; b < nb; b++) {
        acc += dAll.get((b * (np + nt) + s) * w + j);
      }
      int at = gOff + s * wp + block + j;
      grad.set(at, grad.get(at) + acc);
    }
  }
}
