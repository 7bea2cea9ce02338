package org.peftbench.tensor.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.ScalarBackend;
import org.peftbench.tensor.backend.UnaryOp;
import org.peftbench.tensor.testing.Closeness;

/**
 * The fused kernels (SwiGLU forward/backward, ...) of {@link CpuBackend} against the plain loops of
 * {@link ScalarBackend}, against the composition of unfused kernels the {@link Backend} defaults
 * use, and bit for bit between 1 and 3 threads; on random inputs of awkward sizes.
 */
class FusedKernelsTest {
  private static final int[] SIZES = {1, 7, 63, 65, 1000, 40_000};

  record Case(String name, Function<Backend, List<float[]>> run) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** The interface's default methods only (composed from unfused kernels of the scalar backend). */
  private static final class Composed extends ScalarBackendDelegate {}

  /** A backend that forwards everything to ScalarBackend except the methods under test. */
  private static class ScalarBackendDelegate implements Backend {
    private final ScalarBackend s = new ScalarBackend();

    @Override
    public String name() {
      return "composed";
    }

    @Override
    public void matmul(Tensor a, boolean ta, Tensor b, boolean tb, Tensor c, boolean acc) {
      s.matmul(a, ta, b, tb, c, acc);
    }

    @Override
    public void batchedMatmul(Tensor a, boolean ta, Tensor b, boolean tb, Tensor c, boolean acc) {
      s.batchedMatmul(a, ta, b, tb, c, acc);
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
      s.add(a, b, out);
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
      s.mul(a, b, out);
    }

    @Override
    public void scale(Tensor a, float f, Tensor out) {
      s.scale(a, f, out);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
      s.axpy(alpha, x, y);
    }

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
      s.unary(op, x, out);
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
      s.unaryBackward(op, x, dy, dx, accumulate);
    }

    @Override
    public double sum(Tensor x) {
      return s.sum(x);
    }

    @Override
    public float max(Tensor x) {
      return s.max(x);
    }

    @Override
    public double sumOfSquares(Tensor x) {
      return s.sumOfSquares(x);
    }

    @Override
    public void sumLeading(Tensor x, Tensor out, boolean accumulate) {
      s.sumLeading(x, out, accumulate);
    }

    @Override
    public void softmax(Tensor x, Tensor out) {
      s.softmax(x, out);
    }

    @Override
    public void logSoftmax(Tensor x, Tensor out) {
      s.logSoftmax(x, out);
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
      s.softmaxBackward(y, dy, dx, accumulate);
    }

    @Override
    public void rmsNorm(Tensor x, Tensor w, float eps, Tensor out, Tensor rstd) {
      s.rmsNorm(x, w, eps, out, rstd);
    }

    @Override
    public void rmsNormBackward(
        Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, boolean acc, Tensor dw) {
      s.rmsNormBackward(x, w, rstd, dy, dx, acc, dw);
    }

    @Override
    public void layerNorm(
        Tensor x, Tensor w, Tensor b, float eps, Tensor out, Tensor mean, Tensor rstd) {
      s.layerNorm(x, w, b, eps, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(
        Tensor x,
        Tensor w,
        Tensor mean,
        Tensor rstd,
        Tensor dy,
        Tensor dx,
        boolean acc,
        Tensor dw,
        Tensor db) {
      s.layerNormBackward(x, w, mean, rstd, dy, dx, acc, dw, db);
    }

    @Override
    public void rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
      s.rope(x, positions, table, inverse);
    }

    @Override
    public void embedding(Tensor table, int[] ids, Tensor out) {
      s.embedding(table, ids, out);
    }

    @Override
    public void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
      s.embeddingBackward(ids, dy, dTable);
    }

    @Override
    public double crossEntropy(
        Tensor logits, int[] targets, int ignoreIndex, Tensor dLogits, float gradScale) {
      return s.crossEntropy(logits, targets, ignoreIndex, dLogits, gradScale);
    }

    @Override
    public void attention(
        Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
      s.attention(q, k, v, mask, scale, out, lse);
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
      s.attentionBackward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
    }
  }

  @AfterAll
  static void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  static float[] uniform(Random rnd, int n, float lo, float hi) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = lo + (hi - lo) * rnd.nextFloat();
    }
    return a;
  }

  static List<Case> cases() {
    List<Case> all = new ArrayList<>();
    for (int n : SIZES) {
      all.add(
          new Case(
              "swiglu " + n,
              be -> {
                Random rnd = new Random(n);
                Tensor g = Tensor.of(uniform(rnd, n, -8f, 8f), n);
                Tensor u = Tensor.of(uniform(rnd, n, -2f, 2f), n);
                Tensor dy = Tensor.of(uniform(rnd, n, -1f, 1f), n);
                Tensor out = Tensor.zeros(n), dg = Tensor.zeros(n), du = Tensor.zeros(n);
                be.swiglu(g, u, out);
                be.swigluBackward(g, u, dy, dg, du);
                // dUp written over dy itself (as the autograd op does)
                Tensor dy2 = Tensor.of(dy.toFloatArray(), n), dg2 = Tensor.zeros(n);
                be.swigluBackward(g, u, dy2, dg2, dy2);
                // out over up
                Tensor u2 = Tensor.of(u.toFloatArray(), n);
                be.swiglu(g, u2, u2);
                return List.of(
                    out.toFloatArray(),
                    dg.toFloatArray(),
                    du.toFloatArray(),
                    dg2.toFloatArray(),
                    dy2.toFloatArray(),
                    u2.toFloatArray());
              }));
    }
    return all;
  }

  private static void assertClose(List<float[]> expected, List<float[]> actual, String what) {
    Closeness.assertOutputsClose(what, expected, actual, 2e-6, "actual");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void cpuMatchesScalarReference(Case c) {
    Parallel.setThreads(2);
    assertClose(c.run.apply(new ScalarBackend()), c.run.apply(new CpuBackend()), c.name + " cpu");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void scalarEqualsTheComposedDefault(Case c) {
    List<float[]> scalar = c.run.apply(new ScalarBackend());
    List<float[]> composed = c.run.apply(new Composed());
    for (int o = 0; o < scalar.size(); o++) {
      assertThat(scalar.get(o)).as(c.name + " output " + o).containsExactly(composed.get(o));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void bitIdenticalForAnyThreadCount(Case c) {
    Parallel.setThreads(1);
    List<float[]> one = c.run.apply(new CpuBackend());
    Parallel.setThreads(3);
    List<float[]> three = c.run.apply(new CpuBackend());
    for (int o = 0; o < one.size(); o++) {
      float[] a = one.get(o), b = three.get(o);
      for (int i = 0; i < a.length; i++) {
        if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
          fail("%s: output %d element %d: %s with 1 thread, %s with 3", c.name, o, i, a[i], b[i]);
        }
      }
    }
  }
}
