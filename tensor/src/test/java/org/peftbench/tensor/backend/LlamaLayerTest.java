package org.peftbench.tensor.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.tensor.testing.TestTensors;

/**
 * {@link LlamaLayer#forwardPerOp}, the contract of {@link FusedDecoderLayer}, against a textbook
 * double-precision decoder layer written out loop by loop here (scalar and cpu backends, F32 and
 * BF16 weights, grouped-query heads, padding).
 */
class LlamaLayerTest {

  static Tensor random(Random r, float std, int... shape) {
    return TestTensors.gaussian(r, std, shape);
  }

  static Tensor asSegment(Tensor t, DType dtype) {
    return TestTensors.asSegment(t, dtype);
  }

  static LlamaLayer randomLayer(
      Random r, int c, int f, int heads, int kvHeads, int d, DType dtype) {
    return randomLayer(r, c, f, heads, kvHeads, d, dtype, false, false);
  }

  /**
   * A random layer: C hidden, F intermediate; norm weights around 1, projections ~ 1/sqrt(in);
   * optionally q/k/v biases (Qwen2) and per-head q/k norms (Qwen3).
   */
  static LlamaLayer randomLayer(
      Random r,
      int c,
      int f,
      int heads,
      int kvHeads,
      int d,
      DType dtype,
      boolean biases,
      boolean qkNorm) {
    int dq = heads * d, dkv = kvHeads * d;
    Tensor[] w = {
      random(r, 0.2f, c),
      random(r, 1f / (float) Math.sqrt(c), dq, c),
      random(r, 1f / (float) Math.sqrt(c), dkv, c),
      random(r, 1f / (float) Math.sqrt(c), dkv, c),
      random(r, 1f / (float) Math.sqrt(dq), c, dq),
      random(r, 0.2f, c),
      random(r, 1f / (float) Math.sqrt(c), f, c),
      random(r, 1f / (float) Math.sqrt(c), f, c),
      random(r, 1f / (float) Math.sqrt(f), c, f),
      biases ? random(r, 0.5f, dq) : null,
      biases ? random(r, 0.5f, dkv) : null,
      biases ? random(r, 0.5f, dkv) : null,
      qkNorm ? random(r, 0.2f, d) : null,
      qkNorm ? random(r, 0.2f, d) : null
    };
    for (int i : new int[] {0, 5, 12, 13}) {
      if (w[i] == null) {
        continue;
      }
      float[] a = w[i].array();
      for (int j = 0; j < a.length; j++) {
        a[j] += 1f;
      }
    }
    if (dtype != null) {
      for (int i = 0; i < w.length; i++) {
        w[i] = w[i] == null ? null : asSegment(w[i], dtype);
      }
    }
    return new LlamaLayer(
        w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
        heads, kvHeads, d, 1e-5f);
  }

  /** Left padding of {@code pad} tokens in the last batch row; positions count real tokens. */
  static LlamaLayer.Input input(int b, int t, int d, int pad) {
    int[] pos = new int[b * t];
    boolean[] padding = pad > 0 ? new boolean[b * t] : null;
    for (int i = 0; i < b; i++) {
      int next = 0;
      for (int j = 0; j < t; j++) {
        boolean isPad = pad > 0 && i == b - 1 && j < pad;
        if (padding != null) {
          padding[i * t + j] = isPad;
        }
        pos[i * t + j] = isPad ? 1 : next++;
      }
    }
    RopeTable rope = new RopeTable(d, t + 4, 10000.0, null);
    return new LlamaLayer.Input(b, t, pos, rope, (float) (1 / Math.sqrt(d)), padding);
  }

  // ---------------------------------------------------------------- textbook reference

  static double[][] rows(Tensor x, int n, int c) {
    double[][] out = new double[n][c];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < c; j++) {
        out[i][j] = x.get((long) i * c + j);
      }
    }
    return out;
  }

  static void addBias(double[][] y, Tensor bias) {
    if (bias != null) {
      for (double[] row : y) {
        for (int j = 0; j < row.length; j++) {
          row[j] += bias.get(j);
        }
      }
    }
  }

  /** RMSNorm over each head's D values of every row, in place. */
  static void headNorm(double[][] x, int heads, int d, Tensor w, double eps) {
    for (double[] row : x) {
      for (int h = 0; h < heads; h++) {
        double[][] one = {java.util.Arrays.copyOfRange(row, h * d, h * d + d)};
        System.arraycopy(norm(one, w, eps)[0], 0, row, h * d, d);
      }
    }
  }

  static double[][] norm(double[][] x, Tensor w, double eps) {
    double[][] y = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      double ss = 0;
      for (double v : x[i]) {
        ss += v * v;
      }
      double rs = 1 / Math.sqrt(ss / x[i].length + eps);
      y[i] = new double[x[i].length];
      for (int j = 0; j < x[i].length; j++) {
        y[i][j] = x[i][j] * rs * w.get(j);
      }
    }
    return y;
  }

  // y = x·Wᵀ, W [out, in]
  static double[][] linear(double[][] x, Tensor w) {
    int out = w.dim(0), in = w.dim(1);
    double[][] y = new double[x.length][out];
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < out; o++) {
        double s = 0;
        for (int j = 0; j < in; j++) {
          s += x[i][j] * w.get((long) o * in + j);
        }
        y[i][o] = s;
      }
    }
    return y;
  }

  // rotate-half RoPE of every head of every row, in place
  static void rope(double[][] x, int heads, int d, int[] pos, RopeTable table) {
    int half = d / 2;
    for (int i = 0; i < x.length; i++) {
      for (int h = 0; h < heads; h++) {
        for (int j = 0; j < half; j++) {
          double c = table.cos(pos[i], j), s = table.sin(pos[i], j);
          double a = x[i][h * d + j], b = x[i][h * d + j + half];
          x[i][h * d + j] = a * c - b * s;
          x[i][h * d + j + half] = b * c + a * s;
        }
      }
    }
  }

  static double[][] reference(LlamaLayer w, LlamaLayer.Input in, Tensor x) {
    int b = in.batch(), t = in.time(), n = b * t, c = w.hidden(), f = w.intermediate();
    int hq = w.heads(), hkv = w.kvHeads(), d = w.headDim();
    double[][] xs = rows(x, n, c);
    double[][] h = norm(xs, w.inputNorm(), w.eps());
    double[][] q = linear(h, w.q()), k = linear(h, w.k()), v = linear(h, w.v());
    addBias(q, w.qBias());
    addBias(k, w.kBias());
    addBias(v, w.vBias());
    if (w.qNorm() != null) {
      headNorm(q, hq, d, w.qNorm(), w.eps());
      headNorm(k, hkv, d, w.kNorm(), w.eps());
    }
    rope(q, hq, d, in.positions(), in.rope());
    rope(k, hkv, d, in.positions(), in.rope());
    double[][] att = new double[n][hq * d];
    for (int bi = 0; bi < b; bi++) {
      for (int hi = 0; hi < hq; hi++) {
        int kh = hi / (hq / hkv);
        for (int ti = 0; ti < t; ti++) {
          double[] scores = new double[t];
          double mx = Double.NEGATIVE_INFINITY;
          for (int s = 0; s <= ti; s++) {
            scores[s] = Double.NEGATIVE_INFINITY;
            if (in.padding() != null && in.padding()[bi * t + s]) {
              continue;
            }
            double dot = 0;
            for (int j = 0; j < d; j++) {
              dot += q[bi * t + ti][hi * d + j] * k[bi * t + s][kh * d + j];
            }
            scores[s] = dot * in.scale();
            mx = Math.max(mx, scores[s]);
          }
          if (mx == Double.NEGATIVE_INFINITY) {
            continue; // every key masked: zeros
          }
          double sum = 0;
          for (int s = 0; s <= ti; s++) {
            sum += Math.exp(scores[s] - mx);
          }
          for (int s = 0; s <= ti; s++) {
            double p = Math.exp(scores[s] - mx) / sum;
            for (int j = 0; j < d; j++) {
              att[bi * t + ti][hi * d + j] += p * v[bi * t + s][kh * d + j];
            }
          }
        }
      }
    }
    double[][] proj = linear(att, w.o());
    double[][] x1 = new double[n][c];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < c; j++) {
        x1[i][j] = xs[i][j] + proj[i][j];
      }
    }
    double[][] h2 = norm(x1, w.postNorm(), w.eps());
    double[][] g = linear(h2, w.gate()), u = linear(h2, w.up());
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < f; j++) {
        g[i][j] = g[i][j] / (1 + Math.exp(-g[i][j])) * u[i][j];
      }
    }
    double[][] dn = linear(g, w.down());
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < c; j++) {
        x1[i][j] += dn[i][j];
      }
    }
    return x1;
  }

  static void check(Backend backend, DType dtype, int b, int t, int c, int f, int hq, int hkv) {
    check(backend, dtype, b, t, c, f, hq, hkv, false, false);
  }

  static void check(
      Backend backend,
      DType dtype,
      int b,
      int t,
      int c,
      int f,
      int hq,
      int hkv,
      boolean biases,
      boolean qkNorm) {
    Random r = new Random(17L * t + c);
    int d = 6;
    LlamaLayer w = randomLayer(r, c, f, hq, hkv, d, dtype, biases, qkNorm);
    LlamaLayer.Input in = input(b, t, d, 2);
    Tensor x = random(r, 1f, b, t, c);
    Tensor out = Tensor.zeros(b, t, c);
    w.forwardPerOp(backend, in, x, out);
    double[][] want = reference(w, in, x);
    for (int i = 0; i < b * t; i++) {
      for (int j = 0; j < c; j++) {
        double got = out.get((long) i * c + j);
        assertThat(Math.abs(got - want[i][j]))
            .as("%s %s row %d col %d: %f vs %f", backend.name(), dtype, i, j, got, want[i][j])
            .isLessThan(1e-4 * (1 + Math.abs(want[i][j])));
      }
    }
  }

  @Test
  void perOpForwardMatchesTextbookLayer() {
    for (Backend backend : new Backend[] {new ScalarBackend(), new CpuBackend()}) {
      check(backend, null, 2, 7, 24, 40, 4, 2);
      check(backend, DType.BF16, 2, 5, 18, 30, 3, 1);
      check(backend, DType.F32, 1, 9, 12, 20, 2, 2);
      check(backend, null, 2, 6, 16, 24, 4, 2, true, false); // Qwen2: q/k/v biases
      check(backend, DType.BF16, 2, 6, 16, 24, 4, 2, false, true); // Qwen3: q/k norms
    }
  }

  @Test
  void badShapesAreNamed() {
    Random r = new Random(1);
    LlamaLayer w = randomLayer(r, 12, 20, 2, 2, 6, null);
    Tensor[] p = w.weights();
    assertThatThrownBy(
            () -> new LlamaLayer(p[0], p[1], p[2], p[3], p[4], p[5], p[7], p[7], p[7], 2, 2, 6, 0f))
        .hasMessageContaining("down_proj");
    assertThatThrownBy(
            () -> new LlamaLayer(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], 2, 3, 6, 0f))
        .hasMessageContaining("kv heads");
    LlamaLayer.Input in = input(1, 4, 6, 0);
    assertThatThrownBy(
            () -> w.forwardPerOp(new CpuBackend(), in, Tensor.zeros(1, 4, 12), Tensor.zeros(1, 4)))
        .hasMessageContaining("must both be [1, 4, 12]");
    Tensor x = Tensor.zeros(1, 4, 12);
    assertThatThrownBy(() -> w.forwardPerOp(new CpuBackend(), in, x, x))
        .hasMessageContaining("alias");
    assertThatThrownBy(() -> new LlamaLayer.Input(1, 2, new int[] {0, 99}, in.rope(), 1f, null))
        .hasMessageContaining("position 99");
  }
}
