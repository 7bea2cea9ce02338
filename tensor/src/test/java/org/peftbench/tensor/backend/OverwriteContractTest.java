package org.peftbench.tensor.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.peftbench.tensor.testing.TestTensors.rand;

import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.testing.TestTensors;
import org.peftbench.tensor.testing.TestTensors.Store;

/**
 * Kernels called without {@code accumulate} overwrite every element of their outputs, whatever was
 * there: autograd ops allocate such outputs with {@link Tensor#empty}, which inside a {@code
 * TensorArena} hands out recycled arrays with stale values. Each kernel runs once into zeros and
 * once into NaN-filled outputs; the results must be bit-identical. GEMM shapes cover the narrow
 * (rank-r), small-M and blocked paths, with F32 and BF16 weights.
 */
class OverwriteContractTest {
  /** Runs {@code kernel(backend, outs)} into zero- and NaN-filled outputs and compares. */
  private static void check(
      Backend be, String what, int[][] outShapes, BiConsumer<Backend, Tensor[]> kernel) {
    Tensor[] zero = new Tensor[outShapes.length], stale = new Tensor[outShapes.length];
    for (int i = 0; i < outShapes.length; i++) {
      zero[i] = Tensor.zeros(outShapes[i]);
      stale[i] = Tensor.zeros(outShapes[i]);
      stale[i].fill(Float.NaN);
    }
    kernel.accept(be, zero);
    kernel.accept(be, stale);
    for (int i = 0; i < outShapes.length; i++) {
      assertThat(stale[i].toFloatArray())
          .as(what + " output " + i)
          .containsExactly(zero[i].toFloatArray());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "cpu"})
  void outputsAreOverwritten(String name) {
    Backend be = Backends.byName(name);
    Random rnd = new Random(5);
    // GEMM: [M,K]·[N,K]ᵀ and [M,K]·[K,N]; N=16 (LoRA rank), M=3 (few rows), 300x200x70 (blocked)
    for (int[] mnk :
        List.of(
            new int[] {300, 16, 70},
            new int[] {3, 40, 33},
            new int[] {300, 200, 70},
            new int[] {65, 600, 300})) {
      int m = mnk[0], n = mnk[1], k = mnk[2];
      Tensor a = rand(rnd, m, k), bt = rand(rnd, n, k), b = rand(rnd, k, n);
      check(
          be,
          "matmul NT " + m + "x" + n + "x" + k,
          new int[][] {{m, n}},
          (x, o) -> x.matmul(a, false, bt, true, o[0], false));
      check(
          be,
          "matmul NN " + m + "x" + n + "x" + k,
          new int[][] {{m, n}},
          (x, o) -> x.matmul(a, false, b, false, o[0], false));
      Tensor at = rand(rnd, k, m);
      check(
          be,
          "matmul TN " + m + "x" + n + "x" + k,
          new int[][] {{m, n}},
          (x, o) -> x.matmul(at, true, b, false, o[0], false));
      Tensor xs = rand(rnd, m, 16), bl = rand(rnd, n, 16), blt = rand(rnd, 16, n);
      check(
          be,
          "matmulLowRank NT " + m + "x" + n + "x" + k,
          new int[][] {{m, n}},
          (x, o) -> x.matmulLowRank(a, bt, true, xs, bl, o[0], false));
      check(
          be,
          "matmulLowRank NN " + m + "x" + n + "x" + k,
          new int[][] {{m, n}},
          (x, o) -> x.matmulLowRank(a, b, false, xs, blt, o[0], false));
      Tensor w16 = TestTensors.weight(bt.toFloatArray(), Store.BF16_NATIVE, n, k);
      check(
          be,
          "matmul NT bf16 " + m + "x" + n + "x" + k,
          new int[][] {{m, n}},
          (x, o) -> x.matmul(a, false, w16, true, o[0], false));
    }
    int rows = 9, cols = 1000;
    Tensor x = rand(rnd, rows, cols),
        y = rand(rnd, rows, cols),
        w = rand(rnd, cols),
        dy = rand(rnd, rows, cols);
    int[][] full = {{rows, cols}};
    check(be, "add", full, (k, o) -> k.add(x, y, o[0]));
    check(be, "add broadcast", full, (k, o) -> k.add(x, w, o[0]));
    check(be, "mul", full, (k, o) -> k.mul(x, y, o[0]));
    check(be, "scale", full, (k, o) -> k.scale(x, 0.5f, o[0]));
    for (UnaryOp op : UnaryOp.values()) {
      check(be, "unary " + op, full, (k, o) -> k.unary(op, x, o[0]));
      check(be, "unaryBackward " + op, full, (k, o) -> k.unaryBackward(op, x, dy, o[0], false));
    }
    check(be, "swiglu", full, (k, o) -> k.swiglu(x, y, o[0]));
    check(
        be,
        "swigluBackward",
        new int[][] {{rows, cols}, {rows, cols}},
        (k, o) -> k.swigluBackward(x, y, dy, o[0], o[1]));
    check(be, "softmax", full, (k, o) -> k.softmax(x, o[0]));
    check(
        be,
        "rmsNorm",
        new int[][] {{rows, cols}, {rows}},
        (k, o) -> k.rmsNorm(x, w, 1e-5f, o[0], o[1]));
    check(
        be,
        "layerNorm",
        new int[][] {{rows, cols}, {rows}, {rows}},
        (k, o) -> k.layerNorm(x, w, w, 1e-5f, o[0], o[1], o[2]));
    RopeTable table = new RopeTable(40, 16, 10000.0, null);
    int[] positions = {0, 3, 15, 2, 2, 9, 1, 0, 7};
    check(
        be,
        "rope out of place",
        new int[][] {{rows, 25, 40}},
        (k, o) -> k.rope(x.reshape(rows, 25, 40), o[0], positions, table, false));
    int[] targets = {3, -100, 7, 999, 0, -100, 5, 1, 2};
    check(
        be, "crossEntropy dLogits", full, (k, o) -> k.crossEntropy(x, targets, -100, o[0], 0.25f));
  }
}
