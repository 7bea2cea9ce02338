package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.tensor.testing.Closeness;
import org.peftbench.tensor.testing.TestTensors;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

/**
 * Every GEMM kernel family ({@link GemmKernel}: register-tiled, tiled, blocked), forced on the test
 * device, against a plain triple loop in double precision: every transpose form, overwrite and
 * accumulate, B as an activation (heap F32) and as frozen F32/BF16/F16 weights, and shapes around
 * the tile sizes (ragged M, N and K, M = 1 as in decoding, K = 1, N = 1, K spanning many 16-wide
 * slices).
 */
class GemmKernelsTest {
  static final Map<GemmKernel, TornadoBackend> backends = new EnumMap<>(GemmKernel.class);

  static TornadoBackend backend(GemmKernel kernel) {
    return backends.computeIfAbsent(kernel, TornadoBackend::open);
  }

  /**
   * {M, N, K}: tile-exact, ragged on each axis (N mod 64 both below and above 48, where the last of
   * a work-item's four columns leaves C), degenerate, and K over many slices.
   */
  static final int[][] SHAPES = {
    {64, 64, 16},
    {1, 70, 33},
    {1, 130, 200},
    {3, 5, 1},
    {100, 1, 50},
    {63, 65, 17},
    {65, 129, 31},
    {128, 64, 48},
    {130, 67, 300},
    {7, 200, 129},
    {34, 120, 40}
  };

  /**
   * {@code C (+)= op(A)·op(B)} by a triple loop in double, with B's values as stored (a 16-bit
   * weight's decoded values); returns the result and a per-element error bound: (K + 2)·2⁻²³ times
   * {@code Σ|a||b| + |c₀|} (the forward error bound of a float dot product of length K, doubled,
   * plus the accumulate's rounding).
   */
  static double[][] reference(
      Tensor a, boolean ta, Tensor b, boolean tb, Tensor c0, boolean acc, int m, int n, int k) {
    double[] want = new double[m * n], bound = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0, abs = 0;
        for (int p = 0; p < k; p++) {
          double x = a.get(ta ? (long) p * m + i : (long) i * k + p);
          double y = b.get(tb ? (long) j * k + p : (long) p * n + j);
          sum += x * y;
          abs += Math.abs(x * y);
        }
        double c = acc ? c0.get((long) i * n + j) : 0;
        want[i * n + j] = sum + c;
        bound[i * n + j] = (k + 2) * Math.scalb(1.0, -23) * (abs + Math.abs(c)) + 1e-30;
      }
    }
    return new double[][] {want, bound};
  }

  static void check(
      GemmKernel kernel, Random r, int[] shape, boolean ta, boolean tb, boolean acc, DType w) {
    int m = shape[0], n = shape[1], k = shape[2];
    Tensor a = TestTensors.gaussian(r, 1f, ta ? new int[] {k, m} : new int[] {m, k});
    Tensor b = TestTensors.gaussian(r, 1f, tb ? new int[] {n, k} : new int[] {k, n});
    if (w != null) {
      b = TestTensors.asSegment(b, w);
    }
    Tensor c0 = TestTensors.gaussian(r, 1f, m, n), got = c0.toF32();
    double[][] ref = reference(a, ta, b, tb, c0, acc, m, n, k);
    backend(kernel).matmul(a, ta, b, tb, got, acc);
    for (int e = 0; e < m * n; e++) {
      double err = Math.abs(got.get(e) - ref[0][e]);
      if (!(err <= ref[1][e])) {
        throw new AssertionError(
            String.format(
                "%s %dx%dx%d %s%s%s %s: C[%d,%d] = %s, want %s (|err| %.3g > bound %.3g)",
                kernel,
                m,
                n,
                k,
                ta ? "T" : "N",
                tb ? "T" : "N",
                acc ? " acc" : "",
                w == null ? "activation" : w,
                e / n,
                e % n,
                got.get(e),
                ref[0][e],
                err,
                ref[1][e]));
      }
    }
  }

  void everyShapeAndForm(GemmKernel kernel) {
    Random r = new Random(11);
    for (int[] shape : SHAPES) {
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          check(kernel, r, shape, ta, tb, (shape[0] + shape[2]) % 2 == 0, null);
        }
      }
      // a Linear's forward (NT: weight [N,K]) and input gradient (NN), frozen weights
      for (DType w : new DType[] {DType.F32, DType.BF16, DType.F16}) {
        check(kernel, r, shape, false, true, false, w);
        check(kernel, r, shape, false, false, true, w);
      }
    }
  }

  @Test
  void registerTiledMatchesTheTripleLoop() {
    everyShapeAndForm(GemmKernel.REGISTER_TILED);
  }

  @Test
  void tiledMatchesTheTripleLoop() {
    everyShapeAndForm(GemmKernel.TILED);
  }

  @Test
  void blockedMatchesTheTripleLoop() {
    everyShapeAndForm(GemmKernel.BLOCKED);
  }

  @Test
  void registerTiledReusesAPlanBelowItsCapacity() {
    // one plan (buffers of 2^14 floats) serves a large product, then smaller ragged ones: the
    // values the large one left in the device buffers past the smaller matrices must not leak
    // into their edges
    Random r = new Random(5);
    GemmKernel g = GemmKernel.REGISTER_TILED;
    check(g, r, new int[] {128, 128, 128}, false, false, false, null);
    int plans = backend(g).planCount();
    check(g, r, new int[] {100, 120, 130}, false, false, false, null);
    check(g, r, new int[] {120, 97, 131}, false, false, true, null);
    assertThat(backend(g).planCount()).isEqualTo(plans);
  }

  @Test
  void fusedLayerOnTheRegisterTiledKernelMatchesCpu() {
    // the seven projections of a chained decoder layer go through the same GEMM route
    Random r = new Random(3);
    int b = 2, t = 9, c = 72, f = 100, hq = 4, hkv = 2, d = 18;
    LlamaLayer w = LayerForwardTest.layer(r, c, f, hq, hkv, d, DType.BF16);
    LlamaLayer.Input in = LayerForwardTest.input(b, t, d, 2, new RopeTable(d, 32, 10000.0, null));
    Tensor x = TestTensors.gaussian(r, 1f, b, t, c);
    Tensor want = Tensor.zeros(b, t, c), got = Tensor.zeros(b, t, c);
    w.forwardPerOp(new CpuBackend(), in, x, want);
    TornadoBackend dev = backend(GemmKernel.REGISTER_TILED);
    long runs = dev.deviceRuns();
    dev.llamaLayerForward(w, in, x, got);
    assertThat(dev.deviceRuns() - runs).isEqualTo(1);
    Closeness.assertRelClose(got, want, 2e-4f, "register-tiled layer vs cpu");
  }

  @Test
  void selectionByDeviceTypeAndProperty() {
    String old = System.getProperty("peftbench.tornado.gemm");
    try {
      System.clearProperty("peftbench.tornado.gemm");
      assertThat(GemmKernel.select(TornadoDeviceType.GPU)).isEqualTo(GemmKernel.REGISTER_TILED);
      assertThat(GemmKernel.select(TornadoDeviceType.CPU)).isEqualTo(GemmKernel.BLOCKED);
      assertThat(GemmKernel.select(TornadoDeviceType.ACCELERATOR))
          .isEqualTo(GemmKernel.REGISTER_TILED);
      System.setProperty("peftbench.tornado.gemm", "tiled");
      assertThat(GemmKernel.select(TornadoDeviceType.GPU)).isEqualTo(GemmKernel.TILED);
      System.setProperty("peftbench.tornado.gemm", "Register_Tiled");
      assertThat(GemmKernel.select(TornadoDeviceType.CPU)).isEqualTo(GemmKernel.REGISTER_TILED);
      System.setProperty("peftbench.tornado.gemm", "blocked");
      assertThat(GemmKernel.select(TornadoDeviceType.GPU)).isEqualTo(GemmKernel.BLOCKED);
      System.setProperty("peftbench.tornado.gemm", "fast");
      assertThatThrownBy(() -> GemmKernel.select(TornadoDeviceType.GPU))
          .hasMessage(
              "-Dpeftbench.tornado.gemm=fast: unknown GEMM kernel (one of register-tiled, tiled,"
                  + " blocked)");
    } finally {
      if (old == null) {
        System.clearProperty("peftbench.tornado.gemm");
      } else {
        System.setProperty("peftbench.tornado.gemm", old);
      }
    }
  }
}
