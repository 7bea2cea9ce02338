package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.autograd.GradMode;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.DeviceDecoder;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.LlamaTrainSpec.Adapter;
import org.peftbench.tensor.backend.ResidentDecoding;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.DeviceDecodePath;
import org.peftbench.transformer.KvCache;
import org.peftbench.transformer.ModelInput;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;

/**
 * Generation through {@link DeviceDecodePath} without a device: a stand-in backend offers {@link
 * ResidentDecoding} with a decoder that runs the model's own cached forward on the host, fed the
 * token ids, positions and padding flags the path computes. The default build (CI has no TornadoVM)
 * thereby checks what the path sends a device — the left padding of the prompts, each row's
 * positions, rows that finished — and which models it describes for one: every method whose modules
 * decompose into the device's projection terms, none that does not.
 */
class DeviceDecodePathTest {
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
    return MethodsTest.cases();
  }

  /** A device decoder that is the model itself, with a host KV cache. */
  static final class HostDecoder implements DeviceDecoder {
    private final CausalLM model;
    private final int batch, slots;
    private KvCache cache;
    private int filled;

    HostDecoder(CausalLM model, LlamaTrainSpec spec) {
      this.model = model;
      this.batch = spec.batch();
      this.slots = spec.time();
      reset();
    }

    @Override
    public int batch() {
      return batch;
    }

    @Override
    public int slots() {
      return slots;
    }

    @Override
    public int filled() {
      return filled;
    }

    @Override
    public void reset() {
      if (cache != null) {
        cache.close();
      }
      cache = new KvCache(model.config(), batch, slots);
      filled = 0;
    }

    @Override
    public float[] step(int[] tokens, int[] positions, boolean[] padding) {
      try (var ng = GradMode.noGrad()) {
        ModelInput in =
            ModelInput.of(model.embedTokens(tokens, batch, 1))
                .withPadding(padding)
                .withPositions(positions)
                .withCache(cache);
        filled++;
        return model.forwardLast(in).value().toFloatArray();
      }
    }

    @Override
    public long plannedDeviceBytes() {
      return 0;
    }

    @Override
    public void close() {
      cache.close();
    }
  }

  static Backend standIn(CausalLM model, List<LlamaTrainSpec> opened) {
    CpuBackend cpu = new CpuBackend();
    return (Backend)
        Proxy.newProxyInstance(
            DeviceDecodePathTest.class.getClassLoader(),
            new Class<?>[] {Backend.class, ResidentDecoding.class},
            (proxy, method, args) -> {
              if (method.getName().equals("openDecoder")) {
                opened.add((LlamaTrainSpec) args[0]);
                return new HostDecoder(model, (LlamaTrainSpec) args[0]);
              }
              if (method.getName().equals("name")) {
                return "stand-in";
              }
              try {
                return method.invoke(cpu, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** Methods whose every module is a plain linear or a decomposed one (LoRA, IA3, BitFit, ...). */
  static boolean describable(String kind, String name) {
    return !kind.equals("gpt2")
        && !kind.equals("gemma3")
        && !List.of("dora", "vera", "loha", "lokr").contains(name);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void generationThroughTheDevicePathEqualsTheHostsAndDescribesTheAdapters(
      String kind, String name, PeftConfig config) {
    try (CausalLM model = MethodsTest.tinyModel(kind)) {
      PeftModel pm = PeftModel.apply(model, config, 5);
      MethodsTest.perturb(pm, 17);
      LlamaTrainSpec spec = DeviceDecodePath.describe(model, 2, 32);
      assertThat(spec != null).as("described for a device").isEqualTo(describable(kind, name));
      if (spec != null) {
        checkAdapters(pm, spec, name);
      }

      List<int[]> prompts = List.of(new int[] {1, 7, 9, 30, 4}, new int[] {1, 22}, new int[] {1});
      GenerationConfig cfg = GenerationConfig.greedy(7, Set.of());
      Backend before = Backends.current();
      List<List<int[]>> outs = new ArrayList<>();
      List<String> paths = new ArrayList<>();
      List<LlamaTrainSpec> opened = new ArrayList<>();
      try {
        for (Backend b : List.of(new CpuBackend(), standIn(model, opened))) {
          Backends.use(b);
          Generator g = new Generator(model).withPrefillHook(pm::prepare);
          outs.add(g.generate(prompts, cfg).stream().map(Generator.Result::tokens).toList());
          paths.add(g.lastPath());
        }
      } finally {
        Backends.use(before);
        DeviceDecodePath.release();
      }
      // the device path runs when the model is described and the method adds no virtual tokens
      boolean device = spec != null && !config.peftType().isPromptLearning();
      assertThat(paths.get(1).startsWith("device")).as(paths.get(1)).isEqualTo(device);
      assertThat(opened).hasSize(device ? 1 : 0);
      for (int r = 0; r < prompts.size(); r++) {
        assertThat(outs.get(1).get(r)).as("row %d", r).containsExactly(outs.get(0).get(r));
      }
    }
  }

  /**
   * The spec's adapter terms are the method's own tensors, by identity, on the right projections.
   */
  static void checkAdapters(PeftModel pm, LlamaTrainSpec spec, String name) {
    int lora = 0, ia3In = 0, ia3Out = 0, bias = 0;
    for (LlamaTrainSpec.LayerAdapters la : spec.adapters()) {
      for (Adapter a : la.byProjection()) {
        if (a == null) {
          continue;
        }
        lora += a.loraA() != null ? 1 : 0;
        ia3In += a.ia3() != null && a.ia3ScalesInput() ? 1 : 0;
        ia3Out += a.ia3() != null && !a.ia3ScalesInput() ? 1 : 0;
        bias += a.bias() != null ? 1 : 0;
        for (var t : new org.peftbench.tensor.Tensor[] {a.loraA(), a.loraB(), a.ia3(), a.bias()}) {
          if (t != null) {
            assertThat(pm.trainableParameters().stream().anyMatch(p -> p.value() == t))
                .as("an adapter term of the spec is a trainable tensor of the method")
                .isTrue();
          }
        }
      }
    }
    int layers = spec.layers().size();
    switch (name) {
      case "lora" -> assertThat(lora).isEqualTo(7 * layers);
      case "lora-rslora" -> assertThat(lora).isEqualTo(2 * layers); // PEFT's default q, v
      case "ia3" -> {
        assertThat(ia3Out).isEqualTo(2 * layers); // k, v
        assertThat(ia3In).isEqualTo(layers); // down (feed-forward)
      }
      default -> assertThat(lora + ia3In + ia3Out).isZero();
    }
    if (!name.equals("bitfit")) {
      assertThat(bias).isZero();
    }
  }
}
