package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.FusedDecoderLayer;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * {@link FusedLayerPath}: on a backend offering {@link FusedDecoderLayer} (here the CPU backend
 * with the capability's per-op reference, counting calls) the no-grad forward sends every plain
 * Llama layer through it and still matches PyTorch's golden log-probabilities (padding included);
 * training forwards, layers with a wrapped module and MLP biases stay on the per-op path.
 */
class FusedLayerPathTest {
  /**
   * The CPU backend plus {@link FusedDecoderLayer}, computed by {@link LlamaLayer#forwardPerOp}.
   */
  static Backend fusedCpu(AtomicInteger calls) {
    CpuBackend cpu = new CpuBackend();
    return (Backend)
        Proxy.newProxyInstance(
            FusedLayerPathTest.class.getClassLoader(),
            new Class<?>[] {Backend.class, FusedDecoderLayer.class},
            (proxy, method, args) -> {
              if (method.getName().equals("llamaLayerForward")) {
                calls.incrementAndGet();
                LlamaLayer layer = (LlamaLayer) args[0];
                Tensor keys = args.length > 4 ? (Tensor) args[4] : null;
                Tensor values = args.length > 5 ? (Tensor) args[5] : null;
                layer.forwardPerOp(
                    cpu,
                    (LlamaLayer.Input) args[1],
                    (Tensor) args[2],
                    (Tensor) args[3],
                    keys,
                    values);
                return null;
              }
              try {
                return method.invoke(cpu, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "llama_bf16", "mistral", "qwen2", "qwen3"})
  void noGradForwardRunsWholeLayersAndMatchesReference(String name) throws Exception {
    GoldenTest.Fixture f = GoldenTest.Fixture.load(name);
    AtomicInteger calls = new AtomicInteger();
    Backend before = Backends.current();
    Backends.use(fusedCpu(calls));
    try (CausalLM m = CausalLM.load(f.dir())) {
      // MLP and o_proj biases (llama_bf16 has them) are not in the fused contract: such layers
      // stay on the per-op path; Qwen2's q/k/v biases and Qwen3's q/k norms are
      boolean biased =
          ((Linear) m.linears().get("model.layers.0.mlp.down_proj").get()).bias() != null;
      int layers = biased ? 0 : m.config().numLayers();
      try (var scope = GradMode.noGrad()) {
        Tensor lp = GoldenTest.logSoftmax(m.forward(GoldenTest.input(m, f)));
        assertThat(GoldenTest.maxDiff(lp, f.expected().get("logprobs"), f.mask()))
            .as(name)
            .isLessThanOrEqualTo(GoldenTest.TOLERANCE);
      }
      assertThat(calls.get()).as("fused layer calls").isEqualTo(layers);

      // training: the per-op path, whose intermediates autograd needs
      calls.set(0);
      Var logits = m.forward(GoldenTest.input(m, f));
      assertThat(logits.shape()[0]).isEqualTo(f.batch());
      assertThat(calls.get()).isZero();

      // a PEFT-style wrapper in one slot sends that layer down the per-op path
      Slot<LinearLayer> q = m.linears().get("model.layers.0.self_attn.q_proj");
      LinearLayer base = q.get();
      q.set(
          new LinearLayer() {
            @Override
            public Var forward(Var x) {
              return base.forward(x);
            }

            @Override
            public int inFeatures() {
              return base.inFeatures();
            }

            @Override
            public int outFeatures() {
              return base.outFeatures();
            }
          });
      calls.set(0);
      try (var scope = GradMode.noGrad()) {
        Tensor lp = GoldenTest.logSoftmax(m.forward(GoldenTest.input(m, f)));
        assertThat(GoldenTest.maxDiff(lp, f.expected().get("logprobs"), f.mask()))
            .isLessThanOrEqualTo(GoldenTest.TOLERANCE);
      }
      assertThat(calls.get()).isEqualTo(Math.max(0, layers - 1));
      q.reset();
    } finally {
      Backends.use(before);
    }
  }

  /** The prefill of an empty KV cache runs fused (keys/values come back); decode steps per-op. */
  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen3"})
  void kvCachePrefillRunsFusedAndDecodingMatchesFullForward(String name) throws Exception {
    GoldenTest.Fixture f = GoldenTest.Fixture.load(name);
    AtomicInteger calls = new AtomicInteger();
    Backend before = Backends.current();
    try (CausalLM m = CausalLM.load(f.dir());
        var scope = GradMode.noGrad()) {
      int t = f.time(), v = m.config().vocabSize();
      int[] row = java.util.Arrays.copyOf(f.ids(), t); // first row, no padding
      float[] full = m.forward(ModelInput.of(m.embedTokens(row, 1, t))).value().toFloatArray();
      Backends.use(fusedCpu(calls));
      try (KvCache cache = new KvCache(m.config(), 1, t)) {
        int[] head = java.util.Arrays.copyOf(row, 3);
        float[] got =
            m.forward(ModelInput.of(m.embedTokens(head, 1, 3)).withCache(cache))
                .value()
                .toFloatArray();
        assertThat(calls.get()).as("prefill").isEqualTo(m.config().numLayers());
        for (int i = 0; i < 3 * v; i++) {
          assertThat(got[i]).isCloseTo(full[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
        for (int i = 3; i < t; i++) {
          float[] step =
              m.forwardLast(ModelInput.of(m.embedTokens(new int[] {row[i]}, 1, 1)).withCache(cache))
                  .value()
                  .toFloatArray();
          for (int j = 0; j < v; j++) {
            assertThat(step[j])
                .as("%s step %d", name, i)
                .isCloseTo(full[i * v + j], org.assertj.core.data.Offset.offset(1e-4f));
          }
        }
        assertThat(calls.get()).as("decode steps stay per-op").isEqualTo(m.config().numLayers());
      }
    } finally {
      Backends.use(before);
    }
  }
}
