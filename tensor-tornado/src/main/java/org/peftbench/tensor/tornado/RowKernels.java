package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Row-wise kernels of a decoder layer for TornadoVM: RMSNorm (forward, backward), softmax and
 * rotary embeddings. One work-item per row (N rows of C channels): rows are independent, and a
 * per-row loop keeps the summation order of the CPU reference.
 */
final class RowKernels {
  private RowKernels() {}

  // out[N,C] = x·rstd·weight, rstd[N] = 1/sqrt(mean(x²) + eps); dims = {N, C}, params = {eps}
  static void rmsNorm(
      KernelContext ctx,
      FloatArray x,
      FloatArray weight,
      IntArray dims,
      FloatArray params,
      FloatArray out,
      FloatArray rstd) {
    int rows = dims.get(0);
    int cols = dims.get(1);
    float eps = params.get(0);
    int r = ctx.globalIdx;
    if (r < rows) {
      int base = r * cols;
      float ss = 0f;
      for (int j = 0; j < cols; j++) {
        float xv = x.get(base + j);
        ss += xv * xv;
      }
      float rs = 1f / TornadoMath.sqrt(ss / cols + eps);
      rstd.set(r, rs);
      for (int j = 0; j < cols; j++) {
        out.set(base + j, x.get(base + j) * rs * weight.get(j));
      }
    }
  }

  /**
   * RMSNorm backward, input side, one work-item per row: {@code dx = rs·(dy·w −
   * x·rs²·mean(dy·w·x))} ({@code dims = {N, C, accumulate}}).
   */
  static void rmsNormBackwardInput(
      KernelContext ctx,
      FloatArray x,
      FloatArray weight,
      FloatArray rstd,
      FloatArray dy,
      IntArray dims,
      FloatArray dx) {
    int rows = dims.get(0);
    int cols = dims.get(1);
    int accumulate = dims.get(2);
    int r = ctx.globalIdx;
    if (r < rows) {
      int base = r * cols;
      float rs = rstd.get(r);
      float dot = 0f;
      for (int j = 0; j < cols; j++) {
        dot += dy.get(base + j) * weight.get(j) * x.get(base + j);
      }
      float coef = rs * rs * dot / cols;
      for (int j = 0; j < cols; j++) {
        float g = rs * (dy.get(base + j) * weight.get(j) - x.get(base + j) * coef);
        if (accumulate != 0) {
          dx.set(base + j, dx.get(base + j) + g);
        } else {
          dx.set(base + j, g);
        }
      }
    }
  }

  /**
   * RMSNorm backward, weight side, one work-item per channel j: {@code dWeight[j] += Σ_rows
   * dy·x·rstd}, rows in order (deterministic, no atomics).
   */
  static void rmsNormBackwardWeight(
      KernelContext ctx,
      FloatArray x,
      FloatArray rstd,
      FloatArray dy,
      IntArray dims,
      FloatArray dWeight) {
    int rows = dims.get(0);
    int cols = dims.get(1);
    int j = ctx.globalIdx;
    if (j < cols) {
      float acc = dWeight.get(j);
      for (int r = 0; r < rows; r++) {
        acc += dy.get(r * cols + j) * x.get(r * cols + j) * rstd.get(r);
      }
      dWeight.set(j, acc);
    }
  }

  // out[N,C] = softmax over each row (max subtracted first); dims = {N, C}
  static void softmax(KernelContext ctx, FloatArray x, IntArray dims, FloatArray out) {
    int rows = dims.get(0);
    int cols = dims.get(1);
    int r = ctx.globalIdx;
    if (r < rows) {
      int base = r * cols;
      float mx = x.get(base);
      for (int j = 1; j < cols; j++) {
        mx = TornadoMath.max(mx, x.get(base + j));
      }
      float sum = 0f;
      for (int j = 0; j < cols; j++) {
        float e = TornadoMath.exp(x.get(base + j) - mx);
        out.set(base + j, e);
        sum += e;
      }
      float inv = 1f / sum;
      for (int j = 0; j < cols; j++) {
        out.set(base + j, out.get(base + j) * inv);
      }
    }
  }

  /**
   * Rotary embedding in place (rotate-half), one work-item per (row, head, pair i < D/2): {@code
   * x_i ← x_i·cos − x_{i+D/2}·sin}, {@code x_{i+D/2} ← x_{i+D/2}·cos + x_i·sin}, with sin negated
   * for the inverse rotation. x {@code [N,H,D]}, positions {@code [N]}, cos/sin {@code [P, D/2]};
   * {@code dims = {N, H, D, inverse}}.
   */
  static void rope(
      KernelContext ctx,
      FloatArray x,
      IntArray positions,
      FloatArray cos,
      FloatArray sin,
      IntArray dims) {
    int rows = dims.get(0);
    int heads = dims.get(1);
    int d = dims.get(2);
    int inverse = dims.get(3);
    int half = d / 2;
    int id = ctx.globalIdx;
    if (id < rows * heads * half) {
      int i = id % half;
      int rh = id / half;
      int r = rh / heads;
      int base = rh * d;
      int p = positions.get(r);
      float c = cos.get(p * half + i);
      float s = sin.get(p * half + i);
      if (inverse != 0) {
        s = -s;
      }
      float x1 = x.get(base + i);
      float x2 = x.get(base + i + half);
      x.set(base + i, x1 * c - x2 * s);
      x.set(base + i + half, x2 * c + x1 * s);
    }
  }
}
