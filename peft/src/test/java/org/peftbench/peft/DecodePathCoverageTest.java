package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.autograd.GradMode;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.CpuDecodePath;
import org.peftbench.transformer.KvCache;
import org.peftbench.transformer.ModelInput;

/**
 * Which adapted models decode on the CPU decode path, and that there it computes what the general
 * path computes: a decode step after the adapter's prefill gives the general step's logits within
 * float rounding (LoRA's low-rank term included). {@link GenerationTest} checks the tokens of every
 * method against full recomputation on whichever path each takes.
 */
class DecodePathCoverageTest {
  /** Methods whose decode steps are plain Llama layers (or plain LoRA over them). */
  private static final Set<String> FAST =
      Set.of(
          "lora",
          "lora-rslora",
          "ia3",
          "prompt-tuning",
          "prefix-tuning",
          "prefix-projection",
          "p-tuning-mlp",
          "p-tuning-lstm",
          "ln-tuning",
          "bitfit",
          "full",
          "none");

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> llamaCases() {
    return MethodsTest.cases().filter(a -> a.get()[0].equals("llama"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("llamaCases")
  void takesThePathWhereItIsExactAndMatchesTheGeneralStep(
      String kind, String name, PeftConfig config) {
    try (CausalLM model = MethodsTest.tinyModel(kind);
        var ng = GradMode.noGrad()) {
      PeftModel pm = PeftModel.apply(model, config, 5);
      MethodsTest.perturb(pm, 17);
      int b = 2, len = 4, vocab = model.config().vocabSize();
      try (CpuDecodePath path = CpuDecodePath.forModel(model, b)) {
        assertThat(path != null)
            .as("%s on the CPU decode path", name)
            .isEqualTo(FAST.contains(name));
        if (path == null) {
          return;
        }
        int[] ids = {1, 7, 9, 30, 1, 22, 5, 3};
        int capacity = len + 3 + 8; // virtual tokens / prefix keys + prompt + steps
        try (KvCache general = new KvCache(model.config(), b, capacity);
            KvCache fast = new KvCache(model.config(), b, capacity)) {
          for (KvCache c : new KvCache[] {general, fast}) {
            model.forwardLast(
                pm.prepare(ModelInput.of(model.embedTokens(ids, b, len)).withCache(c)));
          }
          int[] next = {4, 11};
          boolean[] none = new boolean[b];
          for (int step = 0; step < 3; step++) {
            float[] want =
                model
                    .forwardLast(ModelInput.of(model.embedTokens(next, b, 1)).withCache(general))
                    .value()
                    .toFloatArray();
            float[] got = path.step(next, none, fast);
            for (int i = 0; i < want.length; i++) {
              assertThat((double) got[i])
                  .as("%s step %d logit %d", name, step, i)
                  .isCloseTo(
                      want[i],
                      org.assertj.core.data.Offset.offset(2e-5 * Math.max(1, Math.abs(want[i]))));
            }
            next = new int[] {(next[0] * 3 + 1) % vocab, (next[1] * 5 + 2) % vocab};
          }
        }
      }
    }
  }
}
