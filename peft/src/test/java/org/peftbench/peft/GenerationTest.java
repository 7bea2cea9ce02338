package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.StepContext;
import org.peftbench.autograd.Var;
import org.peftbench.peft.lora.LoraConfig;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;

/**
 * Generation with every method: the KV-cached decode (virtual tokens / prefix keys added at prefill
 * only) picks, at every step, the token that a full forward pass without cache ranks first; so the
 * adapter is present during prefill and decoding alike.
 */
class GenerationTest {
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
    return MethodsTest.cases();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void cachedGenerationAgreesWithFullForward(String kind, String name, PeftConfig config) {
    try (CausalLM model = MethodsTest.tinyModel(kind)) {
      PeftModel pm = PeftModel.apply(model, config, 5);
      MethodsTest.perturb(pm, 17);
      List<int[]> prompts = List.of(new int[] {1, 7, 9, 30}, new int[] {1, 22});
      int steps = 6;
      var results =
          new Generator(model)
              .withPrefillHook(pm::prepare)
              .generate(prompts, GenerationConfig.greedy(steps, Set.of()));
      // With a sliding window, left padding sits between the virtual tokens / prefix keys and the
      // real ones and counts as key slots (as in transformers' masks), so a padded row legitimately
      // sees fewer of them than the unpadded reference: compare the unpadded row only then.
      boolean paddingShiftsWindow =
          model.config().slidingWindow() != null && config.peftType().isPromptLearning();
      for (int r = 0; r < (paddingShiftsWindow ? 1 : prompts.size()); r++) {
        int[] prompt = prompts.get(r);
        int[] gen = results.get(r).tokens();
        assertThat(gen).hasSize(steps);
        int[] all = new int[prompt.length + steps];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(gen, 0, all, prompt.length, steps);
        float[] logits;
        try (var ignored = GradMode.noGrad()) {
          Var l = pm.forwardReal(all, null, 1, all.length);
          logits = l.value().toFloatArray();
        }
        int v = model.config().vocabSize();
        for (int s = 0; s < steps; s++) {
          int pos = prompt.length - 1 + s;
          int best = 0;
          for (int i = 1; i < v; i++) {
            if (logits[pos * v + i] > logits[pos * v + best]) {
              best = i;
            }
          }
          // ties within rounding may pick either token; require the chosen one to be (near) top
          float margin = logits[pos * v + best] - logits[pos * v + gen[s]];
          assertThat(margin).as(name + " row " + r + " step " + s).isLessThanOrEqualTo(1e-4f);
        }
      }
    }
  }

  @Test
  void loraDropoutMasksComeFromTheStepContextAndAreOffOutsideTraining() {
    int[] ids = MethodsTest.IDS;
    double[][] losses = new double[2][3];
    for (int run = 0; run < 2; run++) {
      try (CausalLM model = MethodsTest.tinyModel()) {
        PeftModel pm = PeftModel.apply(model, LoraConfig.defaults().withDropout(0.5), 9);
        MethodsTest.perturb(pm, 3);
        float[] a = MethodsTest.logits(pm);
        float[] b = MethodsTest.logits(pm);
        assertThat(a).containsExactly(b); // no dropout without a graph
        // no training context open: no dropout either
        assertThat(pm.loss(ids, null, ids, 2, 5).item())
            .isEqualTo(pm.loss(ids, null, ids, 2, 5).item());
        for (int i = 0; i < 3; i++) {
          losses[run][i] = lossIn(pm, new StepContext(true, 42, i / 2, i % 2));
        }
        // another micro-batch or step: another mask; the same context: the same mask
        assertThat(losses[run][0]).isNotEqualTo(losses[run][1]).isNotEqualTo(losses[run][2]);
        assertThat(lossIn(pm, new StepContext(true, 42, 0, 0))).isEqualTo(losses[run][0]);
        assertThat(lossIn(pm, new StepContext(true, 43, 0, 0))).isNotEqualTo(losses[run][0]);
        assertThat(lossIn(pm, new StepContext(false, 42, 0, 0)))
            .isEqualTo(pm.loss(ids, null, ids, 2, 5).item());
      }
    }
    assertThat(losses[1]).containsExactly(losses[0]); // no state carried between models
  }

  private static double lossIn(PeftModel pm, StepContext context) {
    try (var scope = context.open()) {
      return pm.loss(MethodsTest.IDS, null, MethodsTest.IDS, 2, 5).item();
    }
  }
}
