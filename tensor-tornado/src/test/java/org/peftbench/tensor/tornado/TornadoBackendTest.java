package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.UnaryOp;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.tensor.testing.Closeness;
import org.peftbench.tensor.testing.TestTensors;

/**
 * Every TornadoVM kernel against the CPU backend on random inputs. Runs in the test JVM started
 * with the SDK's argfile and {@code -Dtornado.recover.bailout=False}, so a kernel that TornadoVM
 * cannot compile fails here instead of silently running as sequential Java.
 */
class TornadoBackendTest {
  static TornadoBackend tornado;
  static final CpuBackend cpu = new CpuBackend();

  @BeforeAll
  static void open() {
    tornado = TornadoBackend.open();
    System.out.println("TornadoVM device: " + tornado.deviceName());
  }

  static Tensor random(Random r, int... shape) {
    return TestTensors.gaussian(r, 1f, shape);
  }

  /** A copy of {@code t} as a little-endian segment of {@code dtype} (like a mapped weight). */
  static Tensor asSegment(Tensor t, DType dtype) {
    return TestTensors.asSegment(t, dtype);
  }

  static Tensor copy(Tensor t) {
    return t.toF32();
  }

  /** |got − want| <= tol·(1 + |want|) element-wise. */
  static void assertClose(Tensor got, Tensor want, float tol) {
    Closeness.assertRelClose(got, want, tol, "tornado vs cpu");
  }

  // ------------------------------------------------------------ proof of device execution

  @Test
  void kernelsRunOnTheDevice() {
    // a sequential Java run of this kernel would see every thread id as 0
    int[] ids = tornado.deviceThreadIds(300);
    assertThat(ids).containsExactly(IntStream.range(0, 300).toArray());
    assertThat(tornado.deviceName()).isNotBlank();
    long before = tornado.deviceRuns();
    Random r = new Random(7);
    tornado.matmul(random(r, 8, 8), false, random(r, 8, 8), false, Tensor.zeros(8, 8), false);
    assertThat(tornado.deviceRuns()).isEqualTo(before + 1);
  }

  @Test
  void selectedByNameThroughTheServiceLoader() {
    Backend b = Backends.byName("tornado");
    assertThat(b).isInstanceOf(TornadoBackend.class);
    assertThat(b.name()).isEqualTo("tornado");
  }

  // ------------------------------------------------------------ GEMM

  /** One backend per GEMM kernel family (the default one reused), built on first use. */
  static TornadoBackend[] everyGemmKernel;

  static TornadoBackend[] everyGemmKernel() {
    if (everyGemmKernel == null) {
      everyGemmKernel =
          java.util.Arrays.stream(GemmKernel.values())
              .map(g -> g == tornado.gemmKernel() ? tornado : TornadoBackend.open(g))
              .toArray(TornadoBackend[]::new);
    }
    return everyGemmKernel;
  }

  void checkMatmul(Random r, int m, int n, int k, boolean ta, boolean tb, boolean acc, DType w) {
    for (TornadoBackend backend : everyGemmKernel()) {
      checkMatmul(backend, r, m, n, k, ta, tb, acc, w);
    }
  }

  void checkMatmul(
      TornadoBackend backend,
      Random r,
      int m,
      int n,
      int k,
      boolean ta,
      boolean tb,
      boolean acc,
      DType w) {
    Tensor a = ta ? random(r, k, m) : random(r, m, k);
    Tensor b = tb ? random(r, n, k) : random(r, k, n);
    if (w != null) {
      b = asSegment(b, w);
    }
    Tensor c0 = random(r, m, n), c1 = copy(c0);
    cpu.matmul(a, ta, b, tb, c0, acc);
    backend.matmul(a, ta, b, tb, c1, acc);
    assertClose(c1, c0, 1e-4f);
  }

  @Test
  void matmulAllVariantsMatchCpu() {
    Random r = new Random(1);
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (boolean acc : new boolean[] {false, true}) {
          checkMatmul(r, 37, 29, 53, ta, tb, acc, null);
        }
      }
    }
    // the same plans with smaller shapes (buffers and grids reused below their capacity)
    checkMatmul(r, 20, 29, 53, false, true, false, null);
    checkMatmul(r, 1, 7, 3, false, false, false, null);
    checkMatmul(r, 64, 96, 80, false, false, false, null);
  }

  @Test
  void matmulWithFrozenWeightsOfEveryDtype() {
    Random r = new Random(2);
    for (TornadoBackend backend : everyGemmKernel()) {
      checkFrozenWeights(backend, r);
    }
  }

  void checkFrozenWeights(TornadoBackend tornado, Random r) {
    for (DType dt : new DType[] {DType.F32, DType.BF16, DType.F16}) {
      Tensor w = asSegment(random(r, 48, 40), dt); // Linear weight [out=48, in=40]
      for (int m : new int[] {17, 33, 17}) {
        // forward x·Wᵀ and backward dY·W, with the weight kept on the device between calls
        Tensor x = random(r, m, 40), y0 = Tensor.zeros(m, 48), y1 = Tensor.zeros(m, 48);
        cpu.matmul(x, false, w, true, y0, false);
        tornado.matmul(x, false, w, true, y1, false);
        assertClose(y1, y0, 1e-4f);
        Tensor dy = random(r, m, 48), dx0 = random(r, m, 40), dx1 = copy(dx0);
        cpu.matmul(dy, false, w, false, dx0, true);
        tornado.matmul(dy, false, w, false, dx1, true);
        assertClose(dx1, dx0, 1e-4f);
      }
    }
  }

  @Test
  void aLinearsForwardAndInputGradientShareOnePlanAndWeightCopy() {
    Random r = new Random(13);
    Tensor w = asSegment(random(r, 48, 40), DType.BF16); // [out=48, in=40]
    int before = tornado.planCount();
    tornado.matmul(random(r, 17, 40), false, w, true, Tensor.zeros(17, 48), false); // x·Wᵀ
    tornado.matmul(random(r, 17, 48), false, w, false, Tensor.zeros(17, 40), false); // dY·W
    assertThat(tornado.planCount()).isEqualTo(before + 1);
  }

  @Test
  void decodeTablesAreExact() {
    FloatArrayCheck.check();
  }

  /** Table entries equal the CPU decoders for all 65,536 bit patterns (NaNs as NaN). */
  static final class FloatArrayCheck {
    static void check() {
      for (DType dt : new DType[] {DType.BF16, DType.F16}) {
        var table = DeviceBuffers.decodeTable(dt);
        for (int bits = 0; bits < 1 << 16; bits++) {
          float want =
              dt == DType.BF16 ? Half.bf16ToFloat((short) bits) : Half.f16ToFloat((short) bits);
          assertThat(Float.floatToIntBits(table.get(bits))).isEqualTo(Float.floatToIntBits(want));
        }
      }
    }
  }

  @Test
  void batchedMatmulMatchesCpu() {
    Random r = new Random(3);
    Tensor a = random(r, 3, 9, 12), b = random(r, 3, 10, 12);
    Tensor c0 = Tensor.zeros(3, 9, 10), c1 = Tensor.zeros(3, 9, 10);
    cpu.batchedMatmul(a, false, b, true, c0, false);
    tornado.batchedMatmul(a, false, b, true, c1, false);
    assertClose(c1, c0, 1e-4f);
  }

  // ------------------------------------------------------------ elementwise

  @Test
  void elementwiseOpsMatchCpu() {
    Random r = new Random(4);
    Tensor a = random(r, 13, 24), bias = random(r, 24), full = random(r, 13, 24);
    for (Tensor b : new Tensor[] {bias, full, asSegment(bias, DType.BF16)}) {
      Tensor o0 = Tensor.zeros(13, 24), o1 = Tensor.zeros(13, 24);
      cpu.add(a, b, o0);
      tornado.add(a, b, o1);
      assertClose(o1, o0, 1e-6f);
      cpu.mul(a, b, o0);
      tornado.mul(a, b, o1);
      assertClose(o1, o0, 1e-6f);
    }
    Tensor s0 = Tensor.zeros(13, 24), s1 = Tensor.zeros(13, 24);
    cpu.scale(a, -0.37f, s0);
    tornado.scale(a, -0.37f, s1);
    assertClose(s1, s0, 1e-6f);
    Tensor y0 = random(r, 13, 24), y1 = copy(y0);
    cpu.axpy(0.25f, a, y0);
    tornado.axpy(0.25f, a, y1);
    assertClose(y1, y0, 1e-6f);
    // in place: out aliases a
    Tensor i0 = copy(a), i1 = copy(a);
    cpu.add(i0, bias, i0);
    tornado.add(i1, bias, i1);
    assertClose(i1, i0, 1e-6f);
  }

  @Test
  void unaryOpsAndBackwardMatchCpu() {
    Random r = new Random(5);
    Tensor x = random(r, 7, 33), dy = random(r, 7, 33);
    for (UnaryOp op : new UnaryOp[] {UnaryOp.SILU, UnaryOp.SIGMOID, UnaryOp.RELU, UnaryOp.EXP}) {
      Tensor o0 = Tensor.zeros(7, 33), o1 = Tensor.zeros(7, 33);
      cpu.unary(op, x, o0);
      tornado.unary(op, x, o1);
      assertClose(o1, o0, 1e-5f);
      for (boolean acc : new boolean[] {false, true}) {
        Tensor d0 = random(r, 7, 33), d1 = copy(d0);
        cpu.unaryBackward(op, x, dy, d0, acc);
        tornado.unaryBackward(op, x, dy, d1, acc);
        assertClose(d1, d0, 1e-5f);
      }
    }
  }

  @Test
  void swigluMatchesSiluTimesUp() {
    Random r = new Random(6);
    Tensor gate = random(r, 5, 40), up = random(r, 5, 40);
    Tensor want = Tensor.zeros(5, 40), got = Tensor.zeros(5, 40);
    cpu.unary(UnaryOp.SILU, gate, want);
    cpu.mul(want, up, want);
    tornado.swiglu(gate, up, got);
    assertClose(got, want, 1e-5f);
  }

  // ------------------------------------------------------------ rows

  @Test
  void softmaxMatchesCpu() {
    Random r = new Random(8);
    Tensor x = random(r, 11, 50), o0 = Tensor.zeros(11, 50), o1 = Tensor.zeros(11, 50);
    cpu.softmax(x, o0);
    tornado.softmax(x, o1);
    assertClose(o1, o0, 1e-5f);
  }

  @Test
  void rmsNormForwardAndBackwardMatchCpu() {
    Random r = new Random(9);
    int rows = 19, c = 48;
    Tensor x = random(r, rows, c), w = random(r, c);
    for (Tensor weight : new Tensor[] {w, asSegment(w, DType.BF16)}) {
      Tensor o0 = Tensor.zeros(rows, c), o1 = Tensor.zeros(rows, c);
      Tensor r0 = Tensor.zeros(rows), r1 = Tensor.zeros(rows);
      cpu.rmsNorm(x, weight, 1e-5f, o0, r0);
      tornado.rmsNorm(x, weight, 1e-5f, o1, r1);
      assertClose(o1, o0, 1e-5f);
      assertClose(r1, r0, 1e-5f);
      Tensor dy = random(r, rows, c);
      for (boolean acc : new boolean[] {false, true}) {
        Tensor dx0 = random(r, rows, c), dx1 = copy(dx0);
        Tensor dw0 = random(r, c), dw1 = copy(dw0);
        cpu.rmsNormBackward(x, weight, r0, dy, dx0, acc, dw0);
        tornado.rmsNormBackward(x, weight, r0, dy, dx1, acc, dw1);
        assertClose(dx1, dx0, 1e-4f);
        assertClose(dw1, dw0, 1e-4f);
      }
    }
  }

  @Test
  void ropeForwardAndInverseMatchCpu() {
    Random r = new Random(10);
    RopeTable table = new RopeTable(16, 64, 10000.0, null);
    int rows = 12, heads = 3;
    Tensor x0 = random(r, rows, heads, 16), x1 = copy(x0);
    int[] pos = new int[rows];
    for (int i = 0; i < rows; i++) {
      pos[i] = r.nextInt(64);
    }
    for (boolean inverse : new boolean[] {false, true}) {
      cpu.rope(x0, pos, table, inverse);
      tornado.rope(x1, pos, table, inverse);
      assertClose(x1, x0, 1e-5f);
    }
  }

  // ------------------------------------------------------------ attention

  void checkAttention(Random r, int b, int t, int hq, int hkv, int s, int d, AttentionMask mask) {
    Tensor q = random(r, b, t, hq, d), k = random(r, b, s, hkv, d), v = random(r, b, s, hkv, d);
    float scale = (float) (1 / Math.sqrt(d));
    Tensor o0 = Tensor.zeros(b, t, hq, d), o1 = Tensor.zeros(b, t, hq, d);
    Tensor l0 = Tensor.zeros(b, hq, t), l1 = Tensor.zeros(b, hq, t);
    cpu.attention(q, k, v, mask, scale, o0, l0);
    tornado.attention(q, k, v, mask, scale, o1, l1);
    assertClose(o1, o0, 1e-4f);
    assertClose(l1, l0, 1e-4f);
    Tensor dOut = random(r, b, t, hq, d);
    Tensor dq0 = Tensor.zeros(b, t, hq, d), dk0 = Tensor.zeros(b, s, hkv, d);
    Tensor dv0 = Tensor.zeros(b, s, hkv, d);
    Tensor dq1 = random(r, b, t, hq, d), dk1 = random(r, b, s, hkv, d);
    Tensor dv1 = random(r, b, s, hkv, d);
    cpu.attentionBackward(q, k, v, mask, scale, o0, l0, dOut, dq0, dk0, dv0);
    tornado.attentionBackward(q, k, v, mask, scale, o0, l0, dOut, dq1, dk1, dv1);
    assertClose(dq1, dq0, 1e-4f);
    assertClose(dk1, dk0, 1e-4f);
    assertClose(dv1, dv0, 1e-4f);
  }

  @Test
  void causalGroupedQueryAttentionMatchesCpu() {
    Random r = new Random(11);
    checkAttention(r, 2, 9, 4, 2, 9, 8, AttentionMask.causalSelf());
    checkAttention(r, 1, 5, 3, 3, 5, 16, AttentionMask.causalSelf());
  }

  @Test
  void maskedAttentionMatchesCpu() {
    Random r = new Random(12);
    // prefix keys, a KV cache (query offset), padding, a partly filled key buffer
    boolean[] pad = new boolean[2 * 12];
    pad[3] = true;
    pad[12 + 5] = true;
    checkAttention(r, 2, 4, 4, 1, 12, 8, new AttentionMask(2, 3, true, pad, 10));
    // every key of batch row 0 padded: fully masked rows give zeros and lse −∞
    boolean[] allPad = new boolean[2 * 6];
    for (int i = 0; i < 6; i++) {
      allPad[i] = true;
    }
    checkAttention(r, 2, 3, 2, 2, 6, 4, new AttentionMask(0, 0, false, allPad, -1));
  }
}
