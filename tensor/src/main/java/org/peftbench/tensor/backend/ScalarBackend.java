package org.peftbench.tensor.backend;

import org.peftbench.tensor.Tensor;

/**
 * The reference backend: every kernel as the plainest single-threaded loop. Slow on purpose; other
 * backends are tested against it.
 */
public final class ScalarBackend implements Backend {
  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public void matmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    Checks.matmul(a, transA, b, transB, c);
    int m = c.dim(0), n = c.dim(1), k = transA ? a.dim(0) : a.dim(1);
    float[] A = a.array(), C = c.array();
    int ao = a.offset(), co = c.offset();
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float acc = 0f;
        for (int p = 0; p < k; p++) {
          float av = transA ? A[ao + p * m + i] : A[ao + i * k + p];
          float bv = transB ? b.get((long) j * k + p) : b.get((long) p * n + j);
          acc += av * bv;
        }
        int at = co + i * n + j;
        C[at] = accumulate ? C[at] + acc : acc;
      }
    }
  }

  @Override
  public void batchedMatmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    Checks.batched(a, b, c);
    for (int i = 0; i < a.dim(0); i++) {
      matmul(
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
    Checks.broadcast(a, b, out);
    int n = a.size(), bn = b.size();
    float[] A = a.array(), O = out.array();
    int ao = a.offset(), oo = out.offset();
    for (int i = 0; i < n; i++) {
      O[oo + i] = A[ao + i] + b.get(i % bn);
    }
  }

  @Override
  public void mul(Tensor a, Tensor b, Tensor out) {
    Checks.broadcast(a, b, out);
    int n = a.size(), bn = b.size();
    float[] A = a.array(), O = out.array();
    int ao = a.offset(), oo = out.offset();
    for (int i = 0; i < n; i++) {
      O[oo + i] = A[ao + i] * b.get(i % bn);
    }
  }

  @Override
  public void scale(Tensor a, float s, Tensor out) {
    Checks.sameSize(a, out);
    float[] A = a.array(), O = out.array();
    for (int i = 0; i < a.size(); i++) {
      O[out.offset() + i] = s * A[a.offset() + i];
    }
  }

  @Override
  public void axpy(float alpha, Tensor x, Tensor y) {
    Checks.sameSize(x, y);
    float[] X = x.array(), Y = y.array();
    for (int i = 0; i < x.size(); i++) {
      Y[y.offset() + i] += alpha * X[x.offset() + i];
    }
  }

  @Override
  public void unary(UnaryOp op, Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    float[] X = x.array(), O = out.array();
    for (int i = 0; i < x.size(); i++) {
      O[out.offset() + i] = op.apply(X[x.offset() + i]);
    }
  }

  @Override
  public void unaryBackward(UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
    Checks.sameSize(x, dy);
    Checks.sameSize(x, dx);
    float[] X = x.array(), DY = dy.array(), DX = dx.array();
    for (int i = 0; i < x.size(); i++) {
      float g = op.derivative(X[x.offset() + i]) * DY[dy.offset() + i];
      int at = dx.offset() + i;
      DX[at] = accumulate ? DX[at] + g : g;
    }
  }

  // out[N,F] = silu(gate) · up
  @Override
  public void swiglu(Tensor gate, Tensor up, Tensor out) {
    Checks.sameSize(gate, up);
    Checks.sameSize(gate, out);
    float[] G = gate.array(), U = up.array(), O = out.array();
    for (int i = 0; i < gate.size(); i++) {
      float g = G[gate.offset() + i], u = U[up.offset() + i];
      O[out.offset() + i] = UnaryOp.SILU.apply(g) * u;
    }
  }

  // dGate = silu'(gate) · (dy · up) ; dUp = dy · silu(gate)
  @Override
  public void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
    Checks.sameSize(gate, up);
    Checks.sameSize(gate, dy);
    Checks.sameSize(gate, dGate);
    Checks.sameSize(gate, dUp);
    float[] G = gate.array(), U = up.array(), DY = dy.array(), DG = dGate.array();
    float[] DU = dUp.array();
    for (int i = 0; i < gate.size(); i++) {
      float g = G[gate.offset() + i], u = U[up.offset() + i], d = DY[dy.offset() + i];
      DG[dGate.offset() + i] = UnaryOp.SILU.derivative(g) * (d * u);
      DU[dUp.offset() + i] = d * UnaryOp.SILU.apply(g);
    }
  }

  @Override
  public double sum(Tensor x) {
    double s = 0;
    for (long i = 0; i < x.numel(); i++) {
      s += x.get(i);
    }
    return s;
  }

  @Override
  public float max(Tensor x) {
    float m = Float.NEGATIVE_INFINITY;
    for (long i = 0; i < x.numel(); i++) {
      float v = x.get(i);
      if (Float.isNaN(v)) {
        return Float.NaN;
      }
      m = Math.max(m, v);
    }
    return m;
  }

  @Override
  public double sumOfSquares(Tensor x) {
    double s = 0;
    for (long i = 0; i < x.numel(); i++) {
      double v = x.get(i);
      s += v * v;
    }
    return s;
  }

  @Override
  public void sumLeading(Tensor x, Tensor out, boolean accumulate) {
    int n = out.size();
    if (n == 0 || x.size() % n != 0) {
      throw new IllegalArgumentException("cannot reduce " + x + " to " + out);
    }
    float[] X = x.array(), O = out.array();
    int reps = x.size() / n;
    for (int j = 0; j < n; j++) {
      float s = 0f;
      for (int r = 0; r < reps; r++) {
        s += X[x.offset() + r * n + j];
      }
      int at = out.offset() + j;
      O[at] = accumulate ? O[at] + s : s;
    }
  }

  @Override
  public void softmax(Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array();
    for (int r = 0; r < rows; r++) {
      int xi = x.offset() + r * cols, oi = out.offset() + r * cols;
      float m = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < cols; j++) {
        m = Math.max(m, X[xi + j]);
      }
      float s = 0f;
      for (int j = 0; j < cols; j++) {
        float e = (float) Math.exp(X[xi + j] - m);
        O[oi + j] = e;
        s += e;
      }
      for (int j = 0; j < cols; j++) {
        O[oi + j] /= s;
      }
    }
  }

  @Override
  public void logSoftmax(Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array();
    for (int r = 0; r < rows; r++) {
      int xi = x.offset() + r * cols, oi = out.offset() + r * cols;
      float m = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < cols; j++) {
        m = Math.max(m, X[xi + j]);
      }
      float s = 0f;
      for (int j = 0; j < cols; j++) {
        s += (float) Math.exp(X[xi + j] - m);
      }
      // (x − m) − log s, not x − (m + log s): the latter loses the small part to m's rounding
      float logS = (float) Math.log(s);
      for (int j = 0; j < cols; j++) {
        O[oi + j] = (X[xi + j] - m) - logS;
      }
    }
  }

  @Override
  public void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
    Checks.sameSize(y, dy);
    Checks.sameSize(y, dx);
    int rows = y.rows(), cols = y.cols();
    float[] Y = y.array(), DY = dy.array(), DX = dx.array();
    for (int r = 0; r < rows; r++) {
      int yi = y.offset() + r * cols, gi = dy.offset() + r * cols, xi = dx.offset() + r * cols;
      float dot = 0f;
      for (int j = 0; j < cols; j++) {
        dot += Y[yi + j] * DY[gi + j];
      }
      for (int j = 0; j < cols; j++) {
        float g = Y[yi + j] * (DY[gi + j] - dot);
        DX[xi + j] = accumulate ? DX[xi + j] + g : g;
      }
    }
  }

  @Override
  public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array();
    for (int r = 0; r < rows; r++) {
      int xi = x.offset() + r * cols, oi = out.offset() + r * cols;
      float ss = 0f;
      for (int j = 0; j < cols; j++) {
        ss += X[xi + j] * X[xi + j];
      }
      float rs = (float) (1.0 / Math.sqrt(ss / cols + eps));
      if (rstd != null) {
        rstd.array()[rstd.offset() + r] = rs;
      }
      for (int j = 0; j < cols; j++) {
        O[oi + j] = X[xi + j] * rs * weight.get(j);
      }
    }
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
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), DY = dy.array(), DX = dx.array(), RS = rstd.array();
    for (int r = 0; r < rows; r++) {
      int xi = x.offset() + r * cols, gi = dy.offset() + r * cols, di = dx.offset() + r * cols;
      float rs = RS[rstd.offset() + r];
      // y_j = x_j·rs·w_j ; dx_j = rs·(g_j·w_j − x_j·rs²·mean_k(g_k·w_k·x_k))
      float dot = 0f;
      for (int j = 0; j < cols; j++) {
        dot += DY[gi + j] * weight.get(j) * X[xi + j];
      }
      float coef = rs * rs * dot / cols;
      for (int j = 0; j < cols; j++) {
        float g = rs * (DY[gi + j] * weight.get(j) - X[xi + j] * coef);
        DX[di + j] = accumulate ? DX[di + j] + g : g;
      }
      if (dWeight != null) {
        float[] DW = dWeight.array();
        for (int j = 0; j < cols; j++) {
          DW[dWeight.offset() + j] += DY[gi + j] * X[xi + j] * rs;
        }
      }
    }
  }

  @Override
  public void layerNorm(
      Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), O = out.array();
    for (int r = 0; r < rows; r++) {
      int xi = x.offset() + r * cols, oi = out.offset() + r * cols;
      float mu = 0f;
      for (int j = 0; j < cols; j++) {
        mu += X[xi + j];
      }
      mu /= cols;
      float var = 0f;
      for (int j = 0; j < cols; j++) {
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
      for (int j = 0; j < cols; j++) {
        float y = (X[xi + j] - mu) * rs * weight.get(j);
        O[oi + j] = bias == null ? y : y + bias.get(j);
      }
    }
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
    int rows = x.rows(), cols = x.cols();
    float[] X = x.array(), DY = dy.array(), DX = dx.array();
    for (int r = 0; r < rows; r++) {
      int xi = x.offset() + r * cols, gi = dy.offset() + r * cols, di = dx.offset() + r * cols;
      float mu = mean.array()[mean.offset() + r];
      float rs = rstd.array()[rstd.offset() + r];
      // xhat = (x−μ)·rs ; g' = g·w ; dx = rs·(g' − mean(g') − xhat·mean(g'·xhat))
      float meanG = 0f, meanGX = 0f;
      for (int j = 0; j < cols; j++) {
        float gw = DY[gi + j] * weight.get(j);
        float xhat = (X[xi + j] - mu) * rs;
        meanG += gw;
        meanGX += gw * xhat;
      }
      meanG /= cols;
      meanGX /= cols;
      for (int j = 0; j < cols; j++) {
        float gw = DY[gi + j] * weight.get(j);
        float xhat = (X[xi + j] - mu) * rs;
        float g = rs * (gw - meanG - xhat * meanGX);
        DX[di + j] = accumulate ? DX[di + j] + g : g;
        if (dWeight != null) {
          dWeight.array()[dWeight.offset() + j] += DY[gi + j] * xhat;
        }
        if (dBias != null) {
          dBias.array()[dBias.offset() + j] += DY[gi + j];
        }
      }
    }
  }

  @Override
  public void rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
    int d = x.dim(-1), heads = x.dim(-2), rows = x.size() / (heads * d), half = d / 2;
    if (d != table.headDim() || positions.length != rows) {
      throw new IllegalArgumentException(
          "rope on "
              + x
              + " with "
              + positions.length
              + " positions and head dim "
              + table.headDim());
    }
    float[] X = x.array();
    for (int r = 0; r < rows; r++) {
      int p = positions[r];
      for (int h = 0; h < heads; h++) {
        int base = x.offset() + (r * heads + h) * d;
        for (int i = 0; i < half; i++) {
          float c = table.cos(p, i), s = inverse ? -table.sin(p, i) : table.sin(p, i);
          float x1 = X[base + i], x2 = X[base + i + half];
          // rotate_half: out = x·cos + [−x2, x1]·sin
          X[base + i] = x1 * c - x2 * s;
          X[base + i + half] = x2 * c + x1 * s;
        }
      }
    }
  }

  @Override
  public void embedding(Tensor table, int[] ids, Tensor out) {
    Checks.embedding(table, ids, out);
    int c = table.dim(1);
    for (int n = 0; n < ids.length; n++) {
      table.read((long) ids[n] * c, out.array(), out.offset() + n * c, c);
    }
  }

  @Override
  public void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
    int c = dTable.dim(1);
    float[] G = dy.array(), T = dTable.array();
    for (int n = 0; n < ids.length; n++) {
      for (int j = 0; j < c; j++) {
        T[dTable.offset() + ids[n] * c + j] += G[dy.offset() + n * c + j];
      }
    }
  }

  @Override
  public double crossEntropy(
      Tensor logits, int[] targets, int ignoreIndex, Tensor dLogits, float gradScale) {
    int rows = logits.rows(), v = logits.cols();
    if (targets.length != rows) {
      throw new IllegalArgumentException(targets.length + " targets for " + rows + " rows");
    }
    float[] L = logits.array();
    double total = 0;
    for (int r = 0; r < rows; r++) {
      int li = logits.offset() + r * v;
      if (targets[r] == ignoreIndex) {
        if (dLogits != null) {
          java.util.Arrays.fill(
              dLogits.array(), dLogits.offset() + r * v, dLogits.offset() + (r + 1) * v, 0f);
        }
        continue;
      }
      if (targets[r] < 0 || targets[r] >= v) {
        throw new IndexOutOfBoundsException("target " + targets[r] + " outside vocabulary of " + v);
      }
      float m = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        m = Math.max(m, L[li + j]);
      }
      double s = 0;
      for (int j = 0; j < v; j++) {
        s += Math.exp(L[li + j] - m);
      }
      double lse = m + Math.log(s);
      total += lse - L[li + targets[r]];
      if (dLogits != null) {
        float[] D = dLogits.array();
        int di = dLogits.offset() + r * v;
        for (int j = 0; j < v; j++) {
          float p = (float) Math.exp(L[li + j] - lse);
          D[di + j] = gradScale * (j == targets[r] ? p - 1f : p);
        }
      }
    }
    return total;
  }

  @Override
  public void attention(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    ScalarAttention.attention(q, k, v, mask, scale, out, lse);
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
    ScalarAttention.attentionBackward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
  }
}
