package org.peftbench.tensor.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The kernels of the resident training step ({@link ResidentTrainStep}) that the per-op backend
 * does not have. Trainable parameters live in one flat device buffer ({@code theta}, gradients in
 * {@code grad} at the same offsets), so every kernel that reads a parameter or writes a gradient
 * takes an offset into its buffer; frozen tensors have their own buffers (offset 0).
 *
 * <p>One work-item per element or per row (1-D grids of {@link TornadoBackend#LOCAL}), except
 * {@link #gemm} (2-D, 4×4 outputs per work-item). Gradient reductions over rows run in row order in
 * one work-item per output, without atomics, so every step is deterministic.
 */
final class TrainKernels {
  private TrainKernels() {}

  /** {@code x[0..n) = 0}; {@code dims = {n}}. */
  static void zero(KernelContext ctx, FloatArray x, IntArray dims) {
    int i = ctx.globalIdx;
    if (i < dims.get(0)) {
      x.set(i, 0f);
    }
  }

  /** {@code out[N,C] = table[ids[N], C]} (the embedding lookup); {@code dims = {N, C}}. */
  static void embed(
      KernelContext ctx, FloatArray table, IntArray ids, IntArray dims, FloatArray out) {
    int rows = dims.get(0);
    int cols = dims.get(1);
    int i = ctx.globalIdx;
    if (i < rows * cols) {
      int r = i / cols;
      out.set(i, table.get(ids.get(r) * cols + i % cols));
    }
  }

  /**
   * Prompt tuning's input: row {@code r = b·S + t} is {@code prompt[t]} for the first P positions
   * of each sequence and {@code table[ids[r]]} after them. {@code dims = {N, C, S, P, pOff}}.
   */
  static void embedWithPrompt(
      KernelContext ctx,
      FloatArray table,
      FloatArray prompt,
      IntArray ids,
      IntArray dims,
      FloatArray out) {
    int rows = dims.get(0);
    int cols = dims.get(1);
    int seq = dims.get(2);
    int virtual = dims.get(3);
    int pOff = dims.get(4);
    int i = ctx.globalIdx;
    if (i < rows * cols) {
      int r = i / cols;
      int j = i % cols;
      int t = r % seq;
      if (t < virtual) {
        out.set(i, prompt.get(pOff + t * cols + j));
      } else {
        out.set(i, table.get(ids.get(r) * cols + j));
      }
    }
  }

  /**
   * The prompt's gradient, one work-item per element {@code (t, j)} of {@code [P, C]}: {@code
   * grad[gOff + t·C + j] += Σ_b dx0[(b·S + t)·C + j]} (rows in order). {@code dims = {B, C, S, P,
   * gOff}}.
   */
  static void promptGrad(KernelContext ctx, FloatArray dx, IntArray dims, FloatArray grad) {
    int nb = dims.get(0);
    int cols = dims.get(1);
    int seq = dims.get(2);
    int virtual = dims.get(3);
    int gOff = dims.get(4);
    int i = ctx.globalIdx;
    if (i < virtual * cols) {
      int t = i / cols;
      int j = i % cols;
      float acc = 0f;
      for (int b = 0; b < nb; b++) {
        acc += dx.get((b * seq + t) * cols + j);
      }
      grad.set(gOff + i, grad.get(gOff + i) + acc);
    }
  }

  /**
   * {@code C[M,N] (+)= alpha · op(A)[M,K] · op(B)[K,N]} with offsets: element {@code (i,p)} of
   * op(A) is {@code a[aOff + i·aRow + p·aCol]}, element {@code (p,j)} of op(B) is {@code b[bOff +
   * p·bRow + j·bCol]}, C is row-major at {@code cOff}. {@code dims = {M, N, K, aRow, aCol, bRow,
   * bCol, accumulate, aOff, bOff, cOff}}, {@code alpha = {α}}. A 4×4 block of C per work-item in
   * registers (as {@link GemmKernels#gemmBlockedF32}); grid {@code (⌈N/4⌉, ⌈M/4⌉)}.
   */
  static void gemm(
      KernelContext ctx,
      FloatArray a,
      FloatArray b,
      FloatArray c,
      IntArray dims,
      FloatArray alpha) {
    int m = dims.get(0);
    int n = dims.get(1);
    int k = dims.get(2);
    int aRow = dims.get(3);
    int aCol = dims.get(4);
    int bRow = dims.get(5);
    int bCol = dims.get(6);
    int accumulate = dims.get(7);
    int aOff = dims.get(8);
    int bOff = dims.get(9);
    int cOff = dims.get(10);
    float s = alpha.get(0);
    int col = ctx.globalIdx * 4;
    int row = ctx.globalIdy * 4;
    if (row + 3 < m && col + 3 < n) {
      float c00 = 0f;
      float c01 = 0f;
      float c02 = 0f;
      float c03 = 0f;
      float c10 = 0f;
      float c11 = 0f;
      float c12 = 0f;
      float c13 = 0f;
      float c20 = 0f;
      float c21 = 0f;
      float c22 = 0f;
      float c23 = 0f;
      float c30 = 0f;
      float c31 = 0f;
      float c32 = 0f;
      float c33 = 0f;
      for (int p = 0; p < k; p++) {
        float a0 = a.get(aOff + row * aRow + p * aCol);
        float a1 = a.get(aOff + (row + 1) * aRow + p * aCol);
        float a2 = a.get(aOff + (row + 2) * aRow + p * aCol);
        float a3 = a.get(aOff + (row + 3) * aRow + p * aCol);
        float b0 = b.get(bOff + p * bRow + col * bCol);
        float b1 = b.get(bOff + p * bRow + (col + 1) * bCol);
        float b2 = b.get(bOff + p * bRow + (col + 2) * bCol);
        float b3 = b.get(bOff + p * bRow + (col + 3) * bCol);
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      int r0 = cOff + row * n + col;
      store(c, r0, s * c00, accumulate);
      store(c, r0 + 1, s * c01, accumulate);
      store(c, r0 + 2, s * c02, accumulate);
      store(c, r0 + 3, s * c03, accumulate);
      int r1 = r0 + n;
      store(c, r1, s * c10, accumulate);
      store(c, r1 + 1, s * c11, accumulate);
      store(c, r1 + 2, s * c12, accumulate);
      store(c, r1 + 3, s * c13, accumulate);
      int r2 = r1 + n;
      store(c, r2, s * c20, accumulate);
      store(c, r2 + 1, s * c21, accumulate);
      store(c, r2 + 2, s * c22, accumulate);
      store(c, r2 + 3, s * c23, accumulate);
      int r3 = r2 + n;
      store(c, r3, s * c30, accumulate);
      store(c, r3 + 1, s * c31, accumulate);
      store(c, r3 + 2, s * c32, accumulate);
      store(c, r3 + 3, s * c33, accumulate);
    } else if (row < m && col < n) {
      // a block on the bottom or right edge: one element at a time
      for (int i = row; i < row + 4 && i < m; i++) {
        for (int j = col; j < col + 4 && j < n; j++) {
          float acc = 0f;
          for (int p = 0; p < k; p++) {
            acc += a.get(aOff + i * aRow + p * aCol) * b.get(bOff + p * bRow + j * bCol);
          }
          store(c, cOff + i * n + j, s * acc, accumulate);
        }
      }
    }
  }

  private static void store(FloatArray c, int at, float v, int accumulate) {
    if (accumulate != 0) {
      c.set(at, c.get(at) + v);
    } else {
      c.set(at, v);
    }
  }

  /**
   * RMSNorm, one work-item per row: {@code out = x·rstd·w}, {@code rstd = 1/√(mean(x²) + eps)}; the
   * weight at {@code wOff}. {@code dims = {N, C, wOff}}, {@code params = {eps}}.
   */
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
    int wOff = dims.get(2);
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
        out.set(base + j, x.get(base + j) * rs * weight.get(wOff + j));
      }
    }
  }

  /**
   * RMSNorm backward, input side, one work-item per row: {@code dx (+)= rs·(dy·w −
   * x·rs²·mean(dy·w·x))}. {@code dims = {N, C, accumulate, wOff}}.
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
    int wOff = dims.get(3);
    int r = ctx.globalIdx;
    if (r < rows) {
      int base = r * cols;
      float rs = rstd.get(r);
      float dot = 0f;
      for (int j = 0; j < cols; j++) {
        dot += dy.get(base + j) * weight.get(wOff + j) * x.get(base + j);
      }
      float coef = rs * rs * dot / cols;
      for (int j = 0; j < cols; j++) {
        float g = rs * (dy.get(base + j) * weight.get(wOff + j) - x.get(base + j) * coef);
        store(dx, base + j, g, accumulate);
      }
    }
  }

  /**
   * RMSNorm backward, weight side, one work-item per channel: {@code grad[gOff + j] += Σ_rows
   * dy·x·rstd} (rows in order). {@code dims = {N, C, gOff}}.
   */
  static void rmsNormBackwardWeight(
      KernelContext ctx,
      FloatArray x,
      FloatArray rstd,
      FloatArray dy,
      IntArray dims,
      FloatArray grad) {
    int rows = dims.get(0);
    int cols = dims.get(1);
    int gOff = dims.get(2);
    int j = ctx.globalIdx;
    if (j < cols) {
      float acc = 0f;
      for (int r = 0; r < rows; r++) {
        acc += dy.get(r * cols + j) * x.get(r * cols + j) * rstd.get(r);
      }
      grad.set(gOff + j, grad.get(gOff + j) + acc);
    }
  }

  /**
   * {@code y[N,C] (+)= x[N,C] ⊙ v[vOff + j]} per column j (IA3's scaling, a bias's gradient path);
   * with {@code accumulate = 2} it adds the vector instead: {@code y = x + v} (a bias). {@code dims
   * = {N·C, C, vOff, accumulate}}; y may be x.
   */
  static void columns(KernelContext ctx, FloatArray x, FloatArray v, IntArray dims, FloatArray y) {
    int total = dims.get(0);
    int cols = dims.get(1);
    int vOff = dims.get(2);
    int mode = dims.get(3);
    int i = ctx.globalIdx;
    if (i < total) {
      float w = v.get(vOff + i % cols);
      if (mode == 2) {
        y.set(i, x.get(i) + w);
      } else if (mode == 1) {
        y.set(i, y.get(i) + x.get(i) * w);
      } else {
        y.set(i, x.get(i) * w);
      }
    }
  }

  /**
   * A vector's gradient, one work-item per column: {@code grad[gOff + j] += Σ_rows dy[r,j] · (x ==
   * null-like: 1 | x[r,j])}: with {@code useX = 0} the column sums of dy (a bias), else of dy ⊙ x
   * (an IA3 scale). {@code dims = {N, C, gOff, useX}}.
   */
  static void columnGrad(
      KernelContext ctx, FloatArray dy, FloatArray x, IntArray dims, FloatArray grad) {
    int rows = dims.get(0);
    int cols = dims.get(1);
    int gOff = dims.get(2);
    int useX = dims.get(3);
    int j = ctx.globalIdx;
    if (j < cols) {
      float acc = 0f;
      for (int r = 0; r < rows; r++) {
        float d = dy.get(r * cols + j);
        if (useX != 0) {
          d = d * x.get(r * cols + j);
        }
        acc += d;
      }
      grad.set(gOff + j, grad.get(gOff + j) + acc);
    }
  }

  /**
   * SwiGLU backward ({@code act = silu(g)·u}): {@code dg = dAct·u·σ(g)·(1 + g·(1 − σ(g)))}, {@code
   * du = dAct·silu(g)}; {@code dims = {n}}.
   */
  static void swigluBackward(
      KernelContext ctx,
      FloatArray gate,
      FloatArray up,
      FloatArray dAct,
      IntArray dims,
      FloatArray dGate,
      FloatArray dUp) {
    int i = ctx.globalIdx;
    if (i < dims.get(0)) {
      float g = gate.get(i);
      float sg = 1f / (1f + TornadoMath.exp(-g));
      float da = dAct.get(i);
      dGate.set(i, da * up.get(i) * sg * (1f + g * (1f - sg)));
      dUp.set(i, da * g * sg);
    }
  }

  /**
   * Cross-entropy of each row of logits against its target, one work-item per row: {@code rowLoss =
   * logsumexp(z) − z[t]}, {@code dz = (softmax(z) − onehot(t))·weight} where {@code weight =
   * 1/count} (the mean over counted rows); a row whose target is −100 gets loss 0 and a zero
   * gradient. {@code dims = {N, V}}, {@code params = {1/count}}.
   */
  static void crossEntropy(
      KernelContext ctx,
      FloatArray logits,
      IntArray targets,
      IntArray dims,
      FloatArray params,
      FloatArray rowLoss,
      FloatArray dLogits) {
    int rows = dims.get(0);
    int vocab = dims.get(1);
    float weight = params.get(0);
    int r = ctx.globalIdx;
    if (r < rows) {
      int base = r * vocab;
      int t = targets.get(r);
      if (t < 0) {
        rowLoss.set(r, 0f);
        for (int j = 0; j < vocab; j++) {
          dLogits.set(base + j, 0f);
        }
      } else {
        float mx = logits.get(base);
        for (int j = 1; j < vocab; j++) {
          mx = TornadoMath.max(mx, logits.get(base + j));
        }
        float sum = 0f;
        for (int j = 0; j < vocab; j++) {
          sum += TornadoMath.exp(logits.get(base + j) - mx);
        }
        float lse = mx + TornadoMath.log(sum);
        rowLoss.set(r, lse - logits.get(base + t));
        for (int j = 0; j < vocab; j++) {
          float p = TornadoMath.exp(logits.get(base + j) - lse);
          if (j == t) {
            p = p - 1f;
          }
          dLogits.set(base + j, p * weight);
        }
      }
    }
  }

  /**
   * The step's loss, one work-item: {@code result[0] = Σ rowLoss · weight} (rows in order). {@code
   * dims = {N}}, {@code params = {weight}}.
   */
  static void lossSum(
      KernelContext ctx, FloatArray rowLoss, IntArray dims, FloatArray params, FloatArray result) {
    if (ctx.globalIdx == 0) {
      float acc = 0f;
      for (int r = 0; r < dims.get(0); r++) {
        acc += rowLoss.get(r);
      }
      result.set(0, acc * params.get(0));
    }
  }

  /**
   * Squares of the gradient summed per chunk, one work-item per chunk of {@code size} elements.
   * {@code dims = {P, size}}.
   */
  static void squarePartials(
      KernelContext ctx, FloatArray grad, IntArray dims, FloatArray partial) {
    int total = dims.get(0);
    int size = dims.get(1);
    int c = ctx.globalIdx;
    if (c * size < total) {
      float acc = 0f;
      for (int i = c * size; i < c * size + size && i < total; i++) {
        float g = grad.get(i);
        acc += g * g;
      }
      partial.set(c, acc);
    }
  }

  /**
   * The global gradient norm and the clipping coefficient, one work-item: {@code result[1] = √Σ
   * partials}, {@code result[2] = maxNorm / (norm + 1e-6)} if that is below 1 (and max norm > 0),
   * else 1 (torch's {@code clip_grad_norm_}). {@code dims = {chunks}}, {@code params = {maxNorm}}.
   */
  static void clipCoefficient(
      KernelContext ctx, FloatArray partial, IntArray dims, FloatArray params, FloatArray result) {
    if (ctx.globalIdx == 0) {
      float acc = 0f;
      for (int c = 0; c < dims.get(0); c++) {
        acc += partial.get(c);
      }
      float norm = TornadoMath.sqrt(acc);
      float maxNorm = params.get(0);
      float coef = 1f;
      if (maxNorm > 0f) {
        float k = (1f / (norm + 1e-6f)) * maxNorm;
        if (k < 1f) {
          coef = k;
        }
      }
      result.set(1, norm);
      result.set(2, coef);
    }
  }

  /**
   * AdamW on every parameter element, as {@code AdamW.updateScalar} after clipping the gradient by
   * {@code result[2]}: {@code hyper = {decay, β1, β2, 1−β1, 1−β2, −lr/(1−β1ᵗ), √(1−β2ᵗ), eps}};
   * {@code decays[i] = 1} where weight decay applies. {@code dims = {P}}.
   */
  static void adamW(
      KernelContext ctx,
      FloatArray theta,
      FloatArray grad,
      FloatArray m,
      FloatArray v,
      IntArray decays,
      IntArray dims,
      FloatArray hyper,
      FloatArray result) {
    int i = ctx.globalIdx;
    if (i < dims.get(0)) {
      float coef = result.get(2);
      float g = grad.get(i);
      if (coef < 1f) {
        g = g * coef;
      }
      float w = theta.get(i);
      if (decays.get(i) != 0) {
        w = w * hyper.get(0);
      }
      float mi = m.get(i) * hyper.get(1) + hyper.get(3) * g;
      float vi = v.get(i) * hyper.get(2) + hyper.get(4) * g * g;
      m.set(i, mi);
      v.set(i, vi);
      float denom = TornadoMath.sqrt(vi) / hyper.get(6) + hyper.get(7);
      theta.set(i, w + hyper.get(5) * mi / denom);
    }
  }

  /**
   * Reads and rewrites element 0 of ten buffers (same values; work-item 0 only). TornadoVM
   * allocates and uploads a buffer only for a graph whose tasks take it as an argument, so the
   * first graph of the training chain runs these over every shared buffer ({@link TrainGraph}).
   */
  static void touchFloats(
      KernelContext ctx,
      FloatArray a0,
      FloatArray a1,
      FloatArray a2,
      FloatArray a3,
      FloatArray a4,
      FloatArray a5,
      FloatArray a6,
      FloatArray a7,
      FloatArray a8,
      FloatArray a9) {
    if (ctx.globalIdx == 0) {
      a0.set(0, a0.get(0));
      a1.set(0, a1.get(0));
      a2.set(0, a2.get(0));
      a3.set(0, a3.get(0));
      a4.set(0, a4.get(0));
      a5.set(0, a5.get(0));
      a6.set(0, a6.get(0));
      a7.set(0, a7.get(0));
      a8.set(0, a8.get(0));
      a9.set(0, a9.get(0));
    }
  }

  /** As {@link #touchFloats} for int buffers. */
  static void touchInts(
      KernelContext ctx,
      IntArray a0,
      IntArray a1,
      IntArray a2,
      IntArray a3,
      IntArray a4,
      IntArray a5,
      IntArray a6,
      IntArray a7,
      IntArray a8,
      IntArray a9) {
    if (ctx.globalIdx == 0) {
      a0.set(0, a0.get(0));
      a1.set(0, a1.get(0));
      a2.set(0, a2.get(0));
      a3.set(0, a3.get(0));
      a4.set(0, a4.get(0));
      a5.set(0, a5.get(0));
      a6.set(0, a6.get(0));
      a7.set(0, a7.get(0));
      a8.set(0, a8.get(0));
      a9.set(0, a9.get(0));
    }
  }

  /** As {@link #touchFloats} for one float buffer. */
  static void touchFloat(KernelContext ctx, FloatArray a0) {
    if (ctx.globalIdx == 0) {
      a0.set(0, a0.get(0));
    }
  }

  /** As {@link #touchFloats} for one int buffer. */
  static void touchInt(KernelContext ctx, IntArray a0) {
    if (ctx.globalIdx == 0) {
      a0.set(0, a0.get(0));
    }
  }

  /** As {@link #touchFloats} for one 16-bit weight ({@code dims = {1}}). */
  static void touchShorts(KernelContext ctx, ShortArray w, IntArray dims) {
    if (ctx.globalIdx == 0 && dims.get(0) == 1) {
      w.set(0, w.get(0));
    }
  }

  /**
   * Appends one token's keys (or values) of every row to a KV cache {@code [B, S, Hkv·D]} at
   * position {@code step[0]}: {@code cache[b, pos] = src[b]}. {@code dims = {B, Hkv·D, S}}.
   */
  static void cacheWrite(
      KernelContext ctx, FloatArray src, IntArray dims, IntArray step, FloatArray cache) {
    int nb = dims.get(0);
    int row = dims.get(1);
    int slots = dims.get(2);
    int pos = step.get(0);
    int i = ctx.globalIdx;
    if (i < nb * row) {
      int b = i / row;
      cache.set((b * slots + pos) * row + i % row, src.get(i));
    }
  }

  /**
   * Greedy choice, one work-item per row: {@code next[r] = argmax_j logits[r, j]} (the first of
   * equal maxima, as the host's argmax). {@code dims = {N, V}}.
   */
  static void argmax(KernelContext ctx, FloatArray logits, IntArray dims, IntArray next) {
    int rows = dims.get(0);
    int vocab = dims.get(1);
    int r = ctx.globalIdx;
    if (r < rows) {
      int best = 0;
      float max = logits.get(r * vocab);
      for (int j = 1; j < vocab; j++) {
        float x = logits.get(r * vocab + j);
        if (x > max) {
          max = x;
          best = j;
        }
      }
      next.set(r, best);
    }
  }
}
