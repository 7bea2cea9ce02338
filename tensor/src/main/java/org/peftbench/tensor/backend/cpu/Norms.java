package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Elementwise.addPartials;
import static org.peftbench.tensor.backend.cpu.Elementwise.lanes;
import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;
import static org.peftbench.tensor.backend.cpu.Tasks.GRAD_ROWS;
import static org.peftbench.tensor.backend.cpu.Tasks.ranges;
import static org.peftbench.tensor.backend.cpu.Tasks.rowsPerTask;

import jdk.incubator.vector.FloatVector;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;

/**
 * RMSNorm and LayerNorm, each forward beside its backward; weight (and bias) gradients are reduced
 * over fixed groups of {@link Tasks#GRAD_ROWS} rows, added in order.
 */
final class Norms {
  private Norms() {}

  // out[N,C] = x · rstd · weight, rstd[N] = 1/sqrt(mean(x²) + eps)
  static void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array(), W = Simd.weightArray(weight);
    int xo = x.offset(), oo = out.offset();
    ranges(
        rows,
        rowsPerTask(cols),
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            float rs = DecodeKernels.rmsNorm(X, xo + r * cols, W, eps, O, oo + r * cols, cols);
            if (rstd != null) {
              rstd.array()[rstd.offset() + r] = rs;
            }
          }
        });
  }

  // dx[N,C] (+)= rs·(g⊙w − x·rs²·mean(g⊙w⊙x)), dWeight[C] += Σ_n g⊙x·rs
  static void rmsNormBackward(
      Tensor x,
      Tensor weight,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight) {
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), G = dy.array(), DX = dx.array(), RS = rstd.array();
    float[] W = Simd.weightArray(weight);
    int xo = x.offset(), go = dy.offset(), dxo = dx.offset(), ro = rstd.offset();
    int tasks = (rows + GRAD_ROWS - 1) / GRAD_ROWS;
    float[][] partial = dWeight == null ? null : new float[tasks][];
    Parallel.forEach(
        tasks,
        task -> {
          float[] dw = dWeight == null ? null : new float[cols];
          for (int r = task * GRAD_ROWS, end = Math.min(rows, r + GRAD_ROWS); r < end; r++) {
            rmsNormBackwardRow(
                X,
                xo + r * cols,
                G,
                go + r * cols,
                W,
                RS[ro + r],
                DX,
                dxo + r * cols,
                accumulate,
                dw,
                cols);
          }
          if (partial != null) {
            partial[task] = dw;
          }
        });
    if (partial != null) {
      addPartials(partial, dWeight);
    }
  }

  // one row: dx (+)= rs·(g⊙w − x·coef) with coef = rs²·Σ(g⊙w⊙x)/C, dw += g⊙x·rs; two sweeps
  // (the dot, then dx and dw together), g⊙w recomputed instead of kept in a temporary row
  private static void rmsNormBackwardRow(
      float[] X,
      int xi,
      float[] G,
      int gi,
      float[] W,
      float rs,
      float[] DX,
      int di,
      boolean accumulate,
      float[] dw,
      int cols) {
    float coef = rs * rs * dotOfProduct(G, gi, W, X, xi, cols) / cols;
    int j = 0;
    for (; j + L <= cols; j += L) {
      FloatVector g = FloatVector.fromArray(F, G, gi + j);
      FloatVector x = FloatVector.fromArray(F, X, xi + j);
      FloatVector d = g.mul(FloatVector.fromArray(F, W, j)).sub(x.mul(coef)).mul(rs);
      if (accumulate) {
        d = FloatVector.fromArray(F, DX, di + j).add(d);
      }
      d.intoArray(DX, di + j);
      if (dw != null) {
        g.mul(x).mul(rs).add(FloatVector.fromArray(F, dw, j)).intoArray(dw, j);
      }
    }
    for (; j < cols; j++) {
      float d = rs * (G[gi + j] * W[j] - X[xi + j] * coef);
      DX[di + j] = accumulate ? DX[di + j] + d : d;
      if (dw != null) {
        dw[j] += G[gi + j] * X[xi + j] * rs;
      }
    }
  }

  /** Σ (g[gi+i]·w[i])·x[xi+i] for i < n: as {@link Simd#dot} of the product row g⊙w and x. */
  static float dotOfProduct(float[] g, int gi, float[] w, float[] x, int xi, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
    int i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
      acc0 =
          FloatVector.fromArray(F, g, gi + i)
              .mul(FloatVector.fromArray(F, w, i))
              .fma(FloatVector.fromArray(F, x, xi + i), acc0);
      acc1 =
          FloatVector.fromArray(F, g, gi + i + L)
              .mul(FloatVector.fromArray(F, w, i + L))
              .fma(FloatVector.fromArray(F, x, xi + i + L), acc1);
    }
    for (; i + L <= n; i += L) {
      acc0 =
          FloatVector.fromArray(F, g, gi + i)
              .mul(FloatVector.fromArray(F, w, i))
              .fma(FloatVector.fromArray(F, x, xi + i), acc0);
    }
    float s = Simd.sum(acc0.add(acc1));
    for (; i < n; i++) {
      s += (g[gi + i] * w[i]) * x[xi + i];
    }
    return s;
  }

  // out[N,C] = (x − mean)·rstd·weight + bias
  static void layerNorm(
      Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array(), W = Simd.weightArray(weight);
    float[] Bi = bias == null ? null : Simd.weightArray(bias);
    int xo = x.offset(), oo = out.offset();
    ranges(
        rows,
        rowsPerTask(cols),
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int xi = xo + r * cols, oi = oo + r * cols;
            float mu = rowSum(X, xi, cols) / cols;
            FloatVector acc = FloatVector.zero(F);
            int j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector d = FloatVector.fromArray(F, X, xi + j).sub(mu);
              acc = d.fma(d, acc);
            }
            float var = Simd.sum(acc);
            for (; j < cols; j++) {
              float d = X[xi + j] - mu;
              var += d * d;
            }
            var /= cols;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            if (mean != null) {
              mean.array()[mean.offset() + r] = mu;
            }
            if (rstd != null) {
              rstd.array()[rstd.offset() + r] = rs;
            }
            j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector y =
                  FloatVector.fromArray(F, X, xi + j)
                      .sub(mu)
                      .mul(rs)
                      .mul(FloatVector.fromArray(F, W, j));
              if (Bi != null) {
                y = y.add(FloatVector.fromArray(F, Bi, j));
              }
              y.intoArray(O, oi + j);
            }
            for (; j < cols; j++) {
              float y = (X[xi + j] - mu) * rs * W[j];
              O[oi + j] = Bi == null ? y : y + Bi[j];
            }
          }
        });
  }

  static float rowSum(float[] x, int xo, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i + L <= n; i += L) {
      acc = acc.add(FloatVector.fromArray(F, x, xo + i));
    }
    float s = Simd.sum(acc);
    for (; i < n; i++) {
      s += x[xo + i];
    }
    return s;
  }

  // dx (+)= rs·(g⊙w − mean(g⊙w) − x̂·mean(g⊙w⊙x̂)); dWeight += Σ g⊙x̂; dBias += Σ g
  static void layerNormBackward(
      Tensor x,
      Tensor weight,
      Tensor mean,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight,
      Tensor dBias) {
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), G = dy.array(), DX = dx.array(), W = Simd.weightArray(weight);
    float[] MU = mean.array(), RS = rstd.array();
    int xo = x.offset(), go = dy.offset(), dxo = dx.offset(), mo = mean.offset();
    int ro = rstd.offset();
    int tasks = (rows + GRAD_ROWS - 1) / GRAD_ROWS;
    float[][] pw = dWeight == null ? null : new float[tasks][];
    float[][] pb = dBias == null ? null : new float[tasks][];
    Parallel.forEach(
        tasks,
        task -> {
          float[] gw = new float[cols], xhat = new float[cols];
          float[] dw = pw == null ? null : new float[cols];
          float[] db = pb == null ? null : new float[cols];
          for (int r = task * GRAD_ROWS, end = Math.min(rows, r + GRAD_ROWS); r < end; r++) {
            int xi = xo + r * cols, gi = go + r * cols, di = dxo + r * cols;
            float mu = MU[mo + r], rs = RS[ro + r];
            int j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector.fromArray(F, X, xi + j).sub(mu).mul(rs).intoArray(xhat, j);
            }
            for (; j < cols; j++) {
              xhat[j] = (X[xi + j] - mu) * rs;
            }
            lanes(false, G, gi, W, 0, gw, 0, cols);
            float meanG = rowSum(gw, 0, cols) / cols;
            float meanGX = Simd.dot(gw, 0, xhat, 0, cols) / cols;
            j = 0;
            for (; j + L <= cols; j += L) {
              FloatVector g =
                  FloatVector.fromArray(F, gw, j)
                      .sub(meanG)
                      .sub(FloatVector.fromArray(F, xhat, j).mul(meanGX))
                      .mul(rs);
              if (accumulate) {
                g = FloatVector.fromArray(F, DX, di + j).add(g);
              }
              g.intoArray(DX, di + j);
            }
            for (; j < cols; j++) {
              float g = rs * (gw[j] - meanG - xhat[j] * meanGX);
              DX[di + j] = accumulate ? DX[di + j] + g : g;
            }
            if (dw != null) {
              int k = 0;
              for (; k + L <= cols; k += L) {
                FloatVector.fromArray(F, G, gi + k)
                    .fma(FloatVector.fromArray(F, xhat, k), FloatVector.fromArray(F, dw, k))
                    .intoArray(dw, k);
              }
              for (; k < cols; k++) {
                dw[k] += G[gi + k] * xhat[k];
              }
            }
            if (db != null) {
              lanes(true, db, 0, G, gi, db, 0, cols);
            }
          }
          if (pw != null) {
            pw[task] = dw;
          }
          if (pb != null) {
            pb[task] = db;
          }
        });
    if (pw != null) {
      addPartials(pw, dWeight);
    }
    if (pb != null) {
      addPartials(pb, dBias);
    }
  }
}
