package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.peftbench.tensor.tornado.TornadoBackendTest.asSegment;
import static org.peftbench.tensor.tornado.TornadoBackendTest.assertClose;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.GradMode;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.tensor.testing.TestTensors;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;

/**
 * The device-chained decoder layer ({@link LayerOps}) against the CPU backend's per-op forward of
 * the same layer ({@link LlamaLayer#forwardPerOp}), and the whole stories260K model's logits on the
 * TornadoVM backend (whose no-grad forward takes this path) against the CPU backend's.
 */
class LayerForwardTest {
  static TornadoBackend tornado;
  static final CpuBackend cpu = new CpuBackend();

  @BeforeAll
  static void open() {
    tornado = TornadoBackend.open();
  }

  static Tensor random(Random r, float std, int... shape) {
    return TestTensors.gaussian(r, std, shape);
  }

  static LlamaLayer layer(Random r, int c, int f, int hq, int hkv, int d, DType dtype) {
    return layer(r, c, f, hq, hkv, d, dtype, false, false);
  }

  /**
   * Random weights; {@code dtype} null keeps them heap F32, else segments of that dtype. Optional
   * q/k/v biases (Qwen2) and per-head q/k norms (Qwen3).
   */
  static LlamaLayer layer(
      Random r, int c, int f, int hq, int hkv, int d, DType dtype, boolean biases, boolean qkNorm) {
    float sc = 1f / (float) Math.sqrt(c);
    Tensor[] w = {
      random(r, 0.2f, c),
      random(r, sc, hq * d, c),
      random(r, sc, hkv * d, c),
      random(r, sc, hkv * d, c),
      random(r, 1f / (float) Math.sqrt(hq * d), c, hq * d),
      random(r, 0.2f, c),
      random(r, sc, f, c),
      random(r, sc, f, c),
      random(r, 1f / (float) Math.sqrt(f), c, f),
      biases ? random(r, 0.5f, hq * d) : null,
      biases ? random(r, 0.5f, hkv * d) : null,
      biases ? random(r, 0.5f, hkv * d) : null,
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
        w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13], hq,
        hkv, d, 1e-5f);
  }

  /** B rows of T tokens; the last row left-padded with {@code pad} tokens (position 1, hidden). */
  static LlamaLayer.Input input(int b, int t, int d, int pad, RopeTable rope) {
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
    return new LlamaLayer.Input(b, t, pos, rope, (float) (1 / Math.sqrt(d)), padding);
  }

  /** The layer on the device, checked against the CPU per-op forward; returns the device output. */
  static Tensor deviceMatchesCpu(LlamaLayer w, LlamaLayer.Input in, Tensor x, float tol) {
    Tensor want = Tensor.zeros(x.shape()), got = Tensor.zeros(x.shape());
    w.forwardPerOp(cpu, in, x, want);
    long runs = tornado.deviceRuns();
    tornado.llamaLayerForward(w, in, x, got);
    assertThat(tornado.deviceRuns() - runs).as("one device run per layer").isEqualTo(1);
    assertClose(got, want, tol);
    return got;
  }

  @Test
  void chainedLayerMatchesCpuPerOp() {
    // {B, T, C, F, Hq, Hkv, D, pad, dtype, q/k/v biases, q/k norms}: GQA (Hq != Hkv), odd sizes,
    // F32/BF16/F16, heap/segment, the Qwen2 and Qwen3 extras
    Object[][] cases = {
      {2, 7, 24, 40, 4, 2, 6, 2, null, false, false},
      {1, 13, 36, 52, 6, 2, 6, 0, DType.BF16, false, false},
      {3, 5, 20, 28, 2, 1, 10, 3, DType.F32, true, true},
      {2, 9, 17 * 2, 45, 2, 2, 17 - 1, 1, DType.F16, false, false},
      {2, 6, 16, 24, 4, 2, 6, 1, DType.BF16, true, false},
      {2, 6, 16, 24, 4, 2, 6, 2, null, false, true}
    };
    for (Object[] k : cases) {
      int b = (int) k[0], t = (int) k[1], c = (int) k[2], f = (int) k[3];
      int hq = (int) k[4], hkv = (int) k[5], d = (int) k[6], pad = (int) k[7];
      Random r = new Random(31L * c + t);
      LlamaLayer w = layer(r, c, f, hq, hkv, d, (DType) k[8], (boolean) k[9], (boolean) k[10]);
      RopeTable rope = new RopeTable(d, 32, 10000.0, null);
      LlamaLayer.Input in = input(b, t, d, pad, rope);
      Tensor x = random(r, 1f, b, t, c);
      deviceMatchesCpu(w, in, x, 2e-4f);
      // the KV-cache prefill variant: the rotated keys and the values come back too
      Tensor wantK = Tensor.zeros(b, t, hkv, d), wantV = Tensor.zeros(b, t, hkv, d);
      Tensor gotK = Tensor.zeros(b, t, hkv, d), gotV = Tensor.zeros(b, t, hkv, d);
      Tensor want = Tensor.zeros(b, t, c), got = Tensor.zeros(b, t, c);
      w.forwardPerOp(cpu, in, x, want, wantK, wantV);
      tornado.llamaLayerForward(w, in, x, got, gotK, gotV);
      assertClose(got, want, 2e-4f);
      assertClose(gotK, wantK, 2e-4f);
      assertClose(gotV, wantV, 2e-4f);
    }
  }

  @Test
  void frozenWeightsStayOnTheDevice() {
    Random r = new Random(5);
    int b = 2, t = 6, c = 64, f = 128, d = 16;
    LlamaLayer w = layer(r, c, f, 4, 2, d, DType.F32);
    RopeTable rope = new RopeTable(d, 64, 10000.0, null);
    LlamaLayer.Input in = input(b, t, d, 0, rope);
    Tensor x = random(r, 1f, b, t, c);
    long uploads = tornado.layerWeightUploads();
    tornado.profileLayerTransfers(true);
    try {
      Tensor first = deviceMatchesCpu(w, in, x, 2e-4f);
      assertThat(tornado.layerWeightUploads() - uploads).as("nine weights, once").isEqualTo(9);
      long weightBytes = 0;
      for (Tensor t9 : w.weights()) {
        weightBytes += t9 == null ? 0 : t9.numel() * 4;
      }
      assertThat(tornado.lastLayerCopyInBytes()).isGreaterThan(weightBytes);

      // second call: TornadoVM itself copies only the input, positions, padding and shape ints
      Tensor x2 = random(r, 1f, b, t, c);
      deviceMatchesCpu(w, in, x2, 2e-4f);
      assertThat(tornado.layerWeightUploads() - uploads).isEqualTo(9);
      long copied = tornado.lastLayerCopyInBytes();
      System.out.printf(
          "layer run: %d bytes to the device (weights %d bytes, x %d bytes)%n",
          copied, weightBytes, x.numel() * 4);
      assertThat(copied).isPositive().isLessThan(weightBytes / 4);

      // the device copy is what runs: rewriting the mapped weight behind its back changes the
      // CPU's answer, not the device's (the documented contract: mapped weights are immutable)
      Tensor down = w.down();
      for (int i = 0; i < down.size(); i++) {
        down.set(i, down.get(i) * -2f);
      }
      Tensor stale = Tensor.zeros(b, t, c), fresh = Tensor.zeros(b, t, c);
      tornado.llamaLayerForward(w, in, x, stale);
      w.forwardPerOp(cpu, in, x, fresh);
      assertThat(stale.toFloatArray()).containsExactly(first.toFloatArray());
      assertThat(fresh.toFloatArray()).isNotEqualTo(first.toFloatArray());
      for (int i = 0; i < down.size(); i++) {
        down.set(i, down.get(i) * -0.5f); // back to the original values (exact: powers of two)
      }

      // a heap weight (trainable) is sent on every run, so an update is seen at once
      LlamaLayer heap = layer(new Random(6), c, f, 4, 2, d, null);
      deviceMatchesCpu(heap, in, x, 2e-4f);
      heap.up().array()[3] += 1f;
      deviceMatchesCpu(heap, in, x, 2e-4f);

      // more rows than the plan holds: a bigger plan, the frozen weights uploaded once more
      long before = tornado.layerWeightUploads();
      LlamaLayer.Input big = input(4, 40, d, 5, rope);
      Tensor xb = random(r, 1f, 4, 40, c);
      Tensor cpuBig = Tensor.zeros(4, 40, c), devBig = Tensor.zeros(4, 40, c);
      w.forwardPerOp(cpu, big, xb, cpuBig);
      tornado.llamaLayerForward(w, big, xb, devBig);
      assertClose(devBig, cpuBig, 2e-4f);
      assertThat(tornado.layerWeightUploads() - before).isEqualTo(9);
    } finally {
      tornado.profileLayerTransfers(false);
    }
  }

  @Test
  void stories260KLogitsMatchCpu() {
    Path model =
        Path.of(System.getProperty("peftbench.shared", "../shared")).resolve("models/stories260K");
    assumeThat(Files.isDirectory(model)).as("stories260K in ../shared").isTrue();
    int batch = 2, time = 24;
    int[] ids = new int[batch * time];
    Random r = new Random(11);
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1 + r.nextInt(500);
    }
    boolean[] padding = new boolean[batch * time];
    for (int i = 0; i < 5; i++) {
      padding[time + i] = true; // row 1 left-padded
    }
    TornadoBackend dev = TornadoBackend.open();
    float[] want = logits(new CpuBackend(), model, ids, padding, batch, time);
    long runs = dev.deviceRuns();
    float[] got = logits(dev, model, ids, padding, batch, time);
    assertThat(dev.layerPlans()).as("one plan per decoder layer").isEqualTo(5);
    assertThat(dev.layerWeightUploads()).isEqualTo(5 * 9);
    // 5 layer runs + the lm_head GEMM (+ the final norm): no per-op layer kernels
    assertThat(dev.deviceRuns() - runs).isLessThanOrEqualTo(7);
    float maxDiff = 0f;
    for (int i = 0; i < want.length; i++) {
      int row = i / 512;
      if (!padding[row]) {
        maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      }
    }
    System.out.printf("stories260K logits: max |tornado - cpu| = %.3g%n", maxDiff);
    assertThat(maxDiff).isLessThan(2e-4f);
  }

  @Test
  void qwenFixturesTakeTheChainedPathAndMatchCpu() {
    // the tiny Qwen2 (q/k/v biases) and Qwen3 (q/k norms) models of the transformer module's
    // golden tests, read in place
    for (String name : new String[] {"qwen2", "qwen3"}) {
      Path model = Path.of("../transformer/src/test/resources/golden", name);
      assumeThat(Files.isDirectory(model)).as(model.toString()).isTrue();
      int batch = 2, time = 9;
      int[] ids = new int[batch * time];
      Random r = new Random(name.length());
      for (int i = 0; i < ids.length; i++) {
        ids[i] = 3 + r.nextInt(30);
      }
      boolean[] padding = new boolean[batch * time];
      padding[time] = padding[time + 1] = true;
      TornadoBackend dev = TornadoBackend.open();
      float[] want = logits(new CpuBackend(), model, ids, padding, batch, time);
      float[] got = logits(dev, model, ids, padding, batch, time);
      assertThat(dev.layerPlans()).as(name + ": one plan per decoder layer").isEqualTo(2);
      int vocab = want.length / (batch * time);
      float maxDiff = 0f;
      for (int i = 0; i < want.length; i++) {
        if (!padding[i / vocab]) {
          maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
        }
      }
      assertThat(maxDiff).as(name).isLessThan(2e-4f);
    }
  }

  static float[] logits(
      Backend backend, Path model, int[] ids, boolean[] padding, int batch, int time) {
    Backend before = Backends.current();
    Backends.use(backend);
    try (CausalLM lm = CausalLM.load(model);
        var noGrad = GradMode.noGrad()) {
      ModelInput in = ModelInput.of(lm.embedTokens(ids, batch, time)).withPadding(padding);
      return lm.forward(in).value().toFloatArray();
    } finally {
      Backends.use(before);
    }
  }
}
