package org.peftbench.tensor.backend;

import static org.peftbench.tensor.testing.TestTensors.rand;
import static org.peftbench.tensor.testing.TestTensors.uniform;
import static org.peftbench.tensor.testing.TestTensors.weight;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.testing.Closeness;
import org.peftbench.tensor.testing.TestTensors.Store;

/**
 * What every {@link Backend} must do, checked against {@link ScalarBackend} (the reference): each
 * kernel on random inputs of awkward sizes (1, 7, 63, 65, 1000: not multiples of a vector width),
 * weights in every storage, within F32 tolerances; and bit for bit against itself with 1 and 3
 * worker threads. Each case builds its inputs from a fixed seed, runs one kernel and returns every
 * output (tensors written, values returned).
 *
 * <p>A backend's test extends this class and names the backend ({@link #backend()}); it may add
 * cases of its own kernels ({@link #cases()}). Published in the {@code tensor} test-jar, so
 * optional backends in other modules (tensor-tornado) run the same catalogue.
 */
public abstract class BackendContract {
  private static final int[] SIZES = {1, 7, 63, 65, 1000};

  /** One kernel call: builds inputs from its own seed, runs, returns the outputs. */
  public record Case(String name, double relTol, Function<Backend, List<float[]>> run) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A fresh instance of the backend under test. */
  protected abstract Backend backend();

  /** The cases to run: the whole catalogue, plus any a backend adds for its own kernels. */
  protected List<Case> cases() {
    return catalogue();
  }

  @AfterAll
  static void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @TestFactory
  public Stream<DynamicTest> matchesScalarReference() {
    return cases().stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.name(),
                    () -> {
                      Parallel.setThreads(2);
                      List<float[]> expected = c.run().apply(new ScalarBackend());
                      Backend be = backend();
                      List<float[]> actual = c.run().apply(be);
                      Closeness.assertOutputsClose(
                          c.name(), expected, actual, c.relTol(), be.name());
                    }));
  }

  @TestFactory
  public Stream<DynamicTest> bitIdenticalForAnyThreadCount() {
    return cases().stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.name(),
                    () -> {
                      Parallel.setThreads(1);
                      List<float[]> one = c.run().apply(backend());
                      Parallel.setThreads(3);
                      List<float[]> three = c.run().apply(backend());
                      Closeness.assertBitIdentical(c.name(), one, three, "with 1 thread", "with 3");
                    }));
  }

  static List<float[]> outs(Object... values) {
    List<float[]> l = new ArrayList<>();
    for (Object v : values) {
      switch (v) {
        case Tensor t -> l.add(t.toFloatArray());
        case Double d -> l.add(new float[] {(float) d.doubleValue()});
        case Float f -> l.add(new float[] {f});
        default -> throw new AssertionError(v);
      }
    }
    return l;
  }

  // ---------------------------------------------------------------- cases

  /**
   * Every case of the contract (GEMM, elementwise, reductions, row ops, RoPE/embedding/loss,
   * attention).
   */
  public static List<Case> catalogue() {
    List<Case> all = new ArrayList<>();
    gemm(all);
    elementwise(all);
    reductions(all);
    rowOps(all);
    positionsAndLoss(all);
    all.addAll(attentionCases("attention", AttentionKernel.BACKEND, true));
    return all;
  }

  /**
   * Shapes cover the few-rows path (M < 8), the blocked path with B packed once and shared (few N
   * blocks) and with B packed per task (many N blocks), M/N/K tails, and K split into blocks.
   */
  private static void gemm(List<Case> all) {
    int[][] shapes = {
      {1, 1, 1},
      {7, 63, 65},
      {65, 7, 63},
      {63, 65, 1000},
      {5, 130, 33},
      {9, 200, 300},
      {66, 520, 300},
      {130, 1000, 7},
      {9, 8200, 20}, // enough N blocks for the per-task packing path
      {200, 16, 300}, // narrow C (a LoRA rank): computed transposed
      {97, 3, 1000},
      {300, 32, 40},
      {16, 600, 260}, // few rows, many panels: tasks split the panels
      {530, 70, 20}, // more rows than one packed A block (MC)
      {16, 192, 300}, // few rows, B read in place (whole panels)
      {30, 640, 70}
    };
    for (int[] s : shapes) {
      for (int variant = 0; variant < 4; variant++) {
        boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
        for (Store store : new Store[] {Store.HEAP_F32, Store.BF16_NATIVE}) {
          addGemm(all, s[0], s[1], s[2], ta, tb, store, variant == 1);
        }
      }
    }
    // every weight storage through both the blocked and the few-rows paths
    for (Store store : Store.values()) {
      addGemm(all, 70, 97, 300, false, true, store, false);
      addGemm(all, 70, 97, 300, false, false, store, true);
      addGemm(all, 3, 97, 300, false, true, store, true);
      addGemm(all, 3, 97, 300, false, false, store, false);
    }
    // a product plus a low-rank one: fused on the shared-B path; added after the product on the
    // in-place-B path (16 rows) and the per-block path (8200 columns); two products elsewhere
    int[][] lowRank = {
      {70, 200, 300, 16},
      {130, 600, 70, 5},
      {16, 192, 300, 8},
      {9, 8200, 20, 4},
      {3, 200, 40, 16},
      {90, 20, 50, 8}
    };
    for (int[] s : lowRank) {
      for (boolean tb : new boolean[] {false, true}) {
        for (Store store : new Store[] {Store.HEAP_F32, Store.BF16_NATIVE}) {
          for (boolean acc : new boolean[] {false, true}) {
            int m = s[0], n = s[1], k = s[2], r = s[3];
            all.add(
                new Case(
                    "matmulLowRank %dx%dx%d+%d %s %s%s"
                        .formatted(m, n, k, r, tb ? "NT" : "NN", store, acc ? " accumulate" : ""),
                    2e-6 * Math.sqrt(k + r) + 1e-6,
                    be -> {
                      Random rnd = new Random(m * 31L + n * 7L + k + r);
                      Tensor a = rand(rnd, m, k), a2 = rand(rnd, m, r);
                      float[] bv = uniform(rnd, n * k, -1, 1);
                      Tensor b = tb ? weight(bv, store, n, k) : weight(bv, store, k, n);
                      Tensor b2 = tb ? rand(rnd, n, r) : rand(rnd, r, n);
                      Tensor c = rand(rnd, m, n);
                      be.matmulLowRank(a, b, tb, a2, b2, c, acc);
                      return outs(c);
                    }));
          }
        }
      }
    }
    for (int variant = 0; variant < 4; variant++) {
      boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
      int nb = 3, m = 7, n = 65, k = 33;
      all.add(
          new Case(
              "batchedMatmul " + (ta ? "T" : "N") + (tb ? "T" : "N"),
              1e-5,
              be -> {
                Random rnd = new Random(11);
                Tensor a = ta ? rand(rnd, nb, k, m) : rand(rnd, nb, m, k);
                Tensor b = tb ? rand(rnd, nb, n, k) : rand(rnd, nb, k, n);
                Tensor c = rand(rnd, nb, m, n);
                be.batchedMatmul(a, ta, b, tb, c, true);
                return outs(c);
              }));
    }
  }

  private static void addGemm(
      List<Case> all, int m, int n, int k, boolean ta, boolean tb, Store store, boolean acc) {
    String name =
        "matmul %dx%dx%d %s%s %s%s"
            .formatted(m, n, k, ta ? "T" : "N", tb ? "T" : "N", store, acc ? " accumulate" : "");
    all.add(
        new Case(
            name,
            2e-6 * Math.sqrt(k) + 1e-6,
            be -> {
              Random rnd = new Random(m * 31L + n * 7L + k);
              Tensor a = ta ? rand(rnd, k, m) : rand(rnd, m, k);
              float[] bv = uniform(rnd, n * k, -1, 1);
              Tensor b = tb ? weight(bv, store, n, k) : weight(bv, store, k, n);
              Tensor c = rand(rnd, m, n);
              be.matmul(a, ta, b, tb, c, acc);
              return outs(c);
            }));
  }

  private static void elementwise(List<Case> all) {
    for (int c : SIZES) {
      for (Store store : new Store[] {Store.HEAP_F32, Store.BF16_NATIVE}) {
        all.add(
            new Case(
                "add/mul rows of " + c + " bias " + store,
                0,
                be -> {
                  Random rnd = new Random(c);
                  Tensor a = rand(rnd, 5, c);
                  Tensor bias = weight(uniform(rnd, c, -1, 1), store, c);
                  Tensor sum = Tensor.zeros(5, c), prod = Tensor.zeros(5, c);
                  be.add(a, bias, sum);
                  be.mul(a, bias, prod);
                  Tensor full = rand(rnd, 5, c);
                  be.add(a, full, a); // in place, same shape
                  return outs(sum, prod, a);
                }));
      }
      int n = c * 37;
      all.add(
          new Case(
              "scale/axpy " + n,
              0,
              be -> {
                Random rnd = new Random(n);
                Tensor x = rand(rnd, n), y = rand(rnd, n), out = Tensor.zeros(n);
                be.scale(x, -1.7f, out);
                be.axpy(0.3f, x, y);
                return outs(out, y);
              }));
    }
    for (UnaryOp op : UnaryOp.values()) {
      for (int n : new int[] {1, 7, 65, 1000, 40000}) {
        all.add(
            new Case(
                "unary " + op + " " + n,
                2e-6,
                be -> {
                  Random rnd = new Random(n + op.ordinal());
                  Tensor x = Tensor.of(uniform(rnd, n, -6f, 6f), n);
                  Tensor out = Tensor.zeros(n);
                  be.unary(op, x, out);
                  Tensor dy = rand(rnd, n), dx = rand(rnd, n), dx2 = Tensor.zeros(n);
                  be.unaryBackward(op, x, dy, dx, true);
                  be.unaryBackward(op, x, dy, dx2, false);
                  return outs(out, dx, dx2);
                }));
      }
    }
  }

  private static void reductions(List<Case> all) {
    for (int n : new int[] {1, 7, 63, 65, 1000, 100_003}) {
      all.add(
          new Case(
              "sum/max/sumOfSquares " + n,
              1e-7,
              be -> {
                Tensor x = rand(new Random(n), n);
                return outs(be.sum(x), be.max(x), be.sumOfSquares(x));
              }));
    }
    all.add(
        new Case(
            "max with NaN",
            0,
            be -> {
              Tensor x = rand(new Random(1), 40000);
              x.set(33333, Float.NaN);
              return outs(be.max(x));
            }));
    all.add(
        new Case(
            "sum of BF16 segment",
            1e-7,
            be ->
                outs(
                    be.sum(weight(uniform(new Random(2), 1000, -1, 1), Store.BF16_NATIVE, 1000)))));
    for (int c : SIZES) {
      all.add(
          new Case(
              "sumLeading " + c,
              0,
              be -> {
                Random rnd = new Random(c);
                Tensor x = rand(rnd, 3, 11, c), out = rand(rnd, c), out2 = Tensor.zeros(c);
                be.sumLeading(x, out, true);
                be.sumLeading(x, out2, false);
                return outs(out, out2);
              }));
    }
  }

  private static void rowOps(List<Case> all) {
    for (int c : SIZES) {
      all.add(
          new Case(
              "softmax/logSoftmax/backward " + c,
              2e-6,
              be -> {
                Random rnd = new Random(c);
                Tensor x = Tensor.of(uniform(rnd, 9 * c, -20f, 20f), 9, c);
                Tensor y = Tensor.zeros(9, c), ly = Tensor.zeros(9, c);
                be.softmax(x, y);
                be.logSoftmax(x, ly);
                Tensor dy = rand(rnd, 9, c), dx = rand(rnd, 9, c);
                be.softmaxBackward(y, dy, dx, true);
                Tensor inPlace = x.toF32();
                be.softmax(inPlace, inPlace);
                return outs(y, ly, dx, inPlace);
              }));
      for (Store store : new Store[] {Store.HEAP_F32, Store.BF16_NATIVE}) {
        all.add(
            new Case(
                "rmsNorm + backward " + c + " " + store,
                1e-5,
                be -> {
                  Random rnd = new Random(c + 1);
                  int rows = 70; // more than one gradient task
                  Tensor x = rand(rnd, rows, c);
                  Tensor w = weight(uniform(rnd, c, 0.5f, 1.5f), store, c);
                  Tensor out = Tensor.zeros(rows, c), rstd = Tensor.zeros(rows);
                  be.rmsNorm(x, w, 1e-5f, out, rstd);
                  Tensor dy = rand(rnd, rows, c), dx = rand(rnd, rows, c), dw = rand(rnd, c);
                  be.rmsNormBackward(x, w, rstd, dy, dx, true, dw);
                  Tensor dx2 = Tensor.zeros(rows, c);
                  be.rmsNormBackward(x, w, rstd, dy, dx2, false, null);
                  return outs(out, rstd, dx, dw, dx2);
                }));
      }
      for (boolean withBias : new boolean[] {true, false}) {
        all.add(
            new Case(
                "layerNorm + backward " + c + (withBias ? " bias" : ""),
                1e-5,
                be -> {
                  Random rnd = new Random(c + 2);
                  int rows = 70;
                  Tensor x = rand(rnd, rows, c), w = rand(rnd, c);
                  Tensor bias = withBias ? rand(rnd, c) : null;
                  Tensor out = Tensor.zeros(rows, c), mean = Tensor.zeros(rows);
                  Tensor rstd = Tensor.zeros(rows);
                  be.layerNorm(x, w, bias, 1e-5f, out, mean, rstd);
                  Tensor dy = rand(rnd, rows, c), dx = rand(rnd, rows, c), dw = rand(rnd, c);
                  Tensor db = withBias ? rand(rnd, c) : Tensor.zeros(1);
                  be.layerNormBackward(x, w, mean, rstd, dy, dx, true, dw, withBias ? db : null);
                  return outs(out, mean, rstd, dx, dw, db);
                }));
      }
    }
  }

  private static void positionsAndLoss(List<Case> all) {
    for (int d : new int[] {2, 8, 34, 64, 130}) {
      all.add(
          new Case(
              "rope D=" + d,
              1e-6,
              be -> {
                Random rnd = new Random(d);
                RopeTable table =
                    new RopeTable(d, 50, 10000.0, new RopeTable.Llama3Scaling(8, 1, 4, 16));
                Tensor x = rand(rnd, 7, 3, d);
                int[] pos = {0, 1, 2, 9, 49, 17, 3};
                Tensor original = x.toF32();
                be.rope(x, pos, table, false);
                Tensor y = x.toF32();
                be.rope(y, pos, table, true);
                // out of place (the input stays), and the same overload in place
                Tensor out = Tensor.zeros(7, 3, d), same = original.toF32();
                be.rope(original, out, pos, table, true);
                be.rope(same, same, pos, table, false);
                return outs(x, y, out, same, original);
              }));
    }
    for (int c : SIZES) {
      for (Store store : new Store[] {Store.HEAP_F32, Store.BF16_NATIVE, Store.F16_NATIVE}) {
        all.add(
            new Case(
                "embedding " + c + " " + store,
                0,
                be -> {
                  Random rnd = new Random(c);
                  Tensor table = weight(uniform(rnd, 11 * c, -1, 1), store, 11, c);
                  int[] ids = {3, 0, 10, 3, 3, 7};
                  Tensor out = Tensor.zeros(6, c);
                  be.embedding(table, ids, out);
                  Tensor dTable = rand(rnd, 11, c);
                  be.embeddingBackward(ids, rand(rnd, 6, c), dTable);
                  return outs(out, dTable);
                }));
      }
    }
    for (int v : new int[] {1, 7, 63, 65, 1000, 49152}) {
      all.add(
          new Case(
              "crossEntropy V=" + v,
              2e-6,
              be -> {
                Random rnd = new Random(v);
                int rows = 6;
                Tensor logits = Tensor.of(uniform(rnd, rows * v, -15f, 15f), rows, v);
                int[] targets = new int[rows];
                for (int r = 0; r < rows; r++) {
                  targets[r] = r == 2 ? -100 : rnd.nextInt(v);
                }
                Tensor d = rand(rnd, rows, v);
                double loss = be.crossEntropy(logits, targets, -100, d, 0.25f);
                double lossOnly = be.crossEntropy(logits, targets, -100, null, 1f);
                Tensor aliased = logits.toF32();
                be.crossEntropy(aliased, targets, -100, aliased, 1f);
                return outs(loss, lossOnly, d, aliased);
              }));
    }
  }

  /** q [B,T,Hq,D], k/v [B,S,Hkv,D]. */
  private record Attn(
      String name, int b, int t, int hq, int hkv, int d, int s, AttentionMask mask, boolean pad) {}

  /**
   * An attention forward: the backend's own, or one of its kernels (out [B,T,Hq,D], lse [B,Hq,T]).
   */
  @FunctionalInterface
  public interface AttentionKernel {
    AttentionKernel BACKEND = Backend::attention;

    void run(
        Backend be,
        Tensor q,
        Tensor k,
        Tensor v,
        AttentionMask mask,
        float scale,
        Tensor out,
        Tensor lse);
  }

  /**
   * The attention cases (self, grouped heads, padding, prefix + cache, bidirectional, long keys,
   * several query blocks) through {@code kernel}; with {@code backward}, the backend's backward
   * too.
   */
  public static List<Case> attentionCases(String name, AttentionKernel kernel, boolean backward) {
    List<Case> all = new ArrayList<>();
    List<Attn> configs =
        List.of(
            new Attn("self", 2, 7, 6, 2, 8, 7, AttentionMask.causalSelf(), false),
            new Attn("self D=5 MHA", 1, 9, 2, 2, 5, 9, AttentionMask.causalSelf(), false),
            new Attn("self D=64", 1, 20, 3, 1, 64, 20, AttentionMask.causalSelf(), false),
            new Attn(
                "prefix+cache", 2, 3, 4, 2, 16, 12, new AttentionMask(3, 6, true, null, 11), false),
            new Attn("padding", 2, 6, 4, 1, 8, 6, AttentionMask.causalSelf(), true),
            new Attn(
                "bidirectional", 1, 5, 2, 1, 7, 9, new AttentionMask(0, 0, false, null, -1), false),
            new Attn("long", 1, 70, 3, 1, 24, 300, new AttentionMask(2, 230, true, null, -1), true),
            new Attn("blocks GQA", 2, 81, 4, 2, 16, 81, AttentionMask.causalSelf(), true),
            // sliding windows (Mistral, Gemma 3 local layers): keys window+ slots back are hidden
            new Attn("window", 2, 9, 4, 2, 8, 9, AttentionMask.causalSelf().withWindow(3), true),
            new Attn(
                "window prefix+cache",
                2,
                3,
                4,
                2,
                16,
                12,
                new AttentionMask(3, 6, true, null, 11, 4),
                false),
            new Attn(
                "window long",
                1,
                70,
                3,
                1,
                24,
                300,
                new AttentionMask(2, 230, true, null, -1, 50),
                true),
            new Attn(
                "window blocks",
                2,
                81,
                4,
                2,
                16,
                81,
                AttentionMask.causalSelf().withWindow(20),
                true));
    for (Attn a : configs) {
      all.add(
          new Case(
              name + " " + a.name,
              2e-6,
              be -> {
                Random rnd = new Random(a.s * 13 + a.d);
                Tensor q = rand(rnd, a.b, a.t, a.hq, a.d), k = rand(rnd, a.b, a.s, a.hkv, a.d);
                Tensor v = rand(rnd, a.b, a.s, a.hkv, a.d);
                AttentionMask mask = a.mask;
                if (a.pad) {
                  boolean[] pad = new boolean[a.b * a.s];
                  pad[0] = true; // query 0 of batch 0 sees nothing
                  pad[a.s - 1] = true;
                  pad[pad.length - 2] = true;
                  mask = mask.withKeyPadding(pad);
                }
                Tensor out = rand(rnd, a.b, a.t, a.hq, a.d), lse = rand(rnd, a.b, a.hq, a.t);
                float scale = (float) (1 / Math.sqrt(a.d));
                kernel.run(be, q, k, v, mask, scale, out, lse);
                if (!backward) {
                  return outs(out, lse);
                }
                Tensor dOut = rand(rnd, a.b, a.t, a.hq, a.d);
                Tensor dq = rand(rnd, a.b, a.t, a.hq, a.d), dk = rand(rnd, a.b, a.s, a.hkv, a.d);
                Tensor dv = rand(rnd, a.b, a.s, a.hkv, a.d);
                be.attentionBackward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
                return outs(out, lse, dq, dk, dv);
              }));
    }
    return all;
  }
}
