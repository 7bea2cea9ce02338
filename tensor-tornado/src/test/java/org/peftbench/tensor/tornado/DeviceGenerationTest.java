package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.DeviceDecodePath;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;

/**
 * Generation through {@link Generator} with the KV cache resident on the device ({@link
 * ResidentDecoder} behind {@link DeviceDecodePath}) gives the CPU backend's greedy tokens on the
 * real stories260K: prompts of different lengths (left padding), a row stopping early on an EOS id,
 * and the adapters that decode unmerged on the device (LoRA on every projection, IA3, BitFit) with
 * trained-looking (random) values. A second generation after the adapter changed must see the new
 * values (a decoder kept from the first would not).
 */
class DeviceGenerationTest {
  static TornadoBackend tornado;

  @BeforeAll
  static void open() {
    tornado = TornadoBackend.open();
  }

  static final List<int[]> PROMPTS =
      List.of(
          new int[] {1, 403, 407, 261, 378, 284},
          new int[] {1, 58, 323},
          new int[] {1, 379, 448, 267, 301});

  /**
   * Random values in every trainable tensor (LoRA's B starts at zero: the adapter would do
   * nothing).
   */
  static void perturb(PeftModel pm, long seed) {
    Random r = new Random(seed);
    for (Parameter p : pm.trainableParameters()) {
      Tensor t = p.value();
      float[] v = t.toFloatArray();
      for (int i = 0; i < v.length; i++) {
        t.set(i, v[i] + (float) (r.nextGaussian() * 0.3));
      }
    }
  }

  record Out(List<int[]> tokens, String path) {}

  static Out generate(Backend backend, CausalLM lm, PeftModel pm, int eos) {
    Backend before = Backends.current();
    Backends.use(backend);
    try {
      Generator g = new Generator(lm).withPrefillHook(pm::prepare);
      List<int[]> out = new ArrayList<>();
      GenerationConfig cfg = GenerationConfig.greedy(14, eos < 0 ? Set.of() : Set.of(eos));
      g.generate(PROMPTS, cfg).forEach(r -> out.add(r.tokens()));
      return new Out(out, g.lastPath());
    } finally {
      Backends.use(before);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"q_proj\","
            + " \"k_proj\", \"v_proj\", \"o_proj\", \"gate_proj\", \"up_proj\", \"down_proj\"]}",
        "{\"peft_type\": \"IA3\", \"target_modules\": [\"k_proj\", \"v_proj\", \"down_proj\"],"
            + " \"feedforward_modules\": [\"down_proj\"]}",
        "{\"peft_type\": \"BITFIT\"}"
      })
  void greedyTokensEqualTheCpu(String config) {
    try (CausalLM lm = CausalLM.load(ResidentTrainStepTest.model())) {
      PeftModel pm = PeftModel.apply(lm, PeftConfigs.fromJson(config, "test"), 3);
      perturb(pm, 1);
      Out cpu = generate(new CpuBackend(), lm, pm, -1);
      // an EOS id the CPU run produced in its first row, so that row stops early on the device too
      int eos = cpu.tokens().get(0)[5];
      Out cpuEos = generate(new CpuBackend(), lm, pm, eos);
      Out device = generate(tornado, lm, pm, eos);
      assertThat(device.path()).startsWith("device");
      assertThat(cpu.path()).isEqualTo("cpu");
      for (int r = 0; r < PROMPTS.size(); r++) {
        assertThat(device.tokens().get(r)).as("row %d", r).containsExactly(cpuEos.tokens().get(r));
      }
      assertThat(device.tokens().get(0).length).isLessThanOrEqualTo(6);

      if (!config.contains("LORA")) {
        return; // (one method suffices for the kept decoder's refresh; PoCL compiles slowly)
      }
      // the adapter trains on: the next generation must use the new values
      perturb(pm, 2);
      Out cpu2 = generate(new CpuBackend(), lm, pm, -1);
      Out device2 = generate(tornado, lm, pm, -1);
      for (int r = 0; r < PROMPTS.size(); r++) {
        assertThat(device2.tokens().get(r)).as("row %d", r).containsExactly(cpu2.tokens().get(r));
      }
    } finally {
      DeviceDecodePath.release();
    }
  }
}
