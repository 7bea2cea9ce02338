package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.autograd.GradMode;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.safetensors.SafetensorsFile;
import org.peftbench.transformer.CausalLM;

/**
 * Adapters written in HF PEFT's format by an independent PyTorch implementation of PEFT's formulas
 * (tools/gen_peft_fixtures.py) load and give the same log-probabilities on a tiny random Llama.
 */
class AdapterCompatibilityTest {
  static Stream<String> adapters() {
    return Stream.of(
        "lora",
        "lora_rslora",
        "dora",
        "ia3",
        "prompt_tuning",
        "prefix_tuning",
        "p_tuning",
        "ln_tuning",
        "bitfit",
        "vera",
        "loha",
        "lokr");
  }

  @ParameterizedTest
  @MethodSource("adapters")
  void logprobsMatchPyTorch(String name) {
    Path dir = Fixtures.dir();
    try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
        CausalLM model = CausalLM.load(dir.resolve("model"))) {
      Tensor ids64 = expected.tensor("input_ids");
      int b = ids64.dim(0), t = ids64.dim(1);
      int[] ids = new int[b * t];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = (int) ids64.get(i);
      }
      PeftModel pm = PeftModel.load(model, dir.resolve("adapters").resolve(name));
      float[] want = expected.tensor(name).toFloatArray();
      float[] base = expected.tensor("base").toFloatArray();
      float[] got;
      try (var ignored = GradMode.noGrad()) {
        got = Fixtures.logSoftmax(pm.forwardReal(ids, null, b, t).value().toFloatArray(), 64);
      }
      assertThat(got).hasSameSizeAs(want);
      double maxErr = 0, maxFromBase = 0;
      for (int i = 0; i < got.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
        maxFromBase = Math.max(maxFromBase, Math.abs(want[i] - base[i]));
      }
      System.out.printf("%-14s max abs logprob error vs PyTorch %.2e%n", name, maxErr);
      assertThat(maxFromBase).as("the adapter changes the model").isGreaterThan(1e-2);
      assertThat(maxErr).as(name + " max |Δ logprob|").isLessThanOrEqualTo(1e-4);
    }
  }
}
