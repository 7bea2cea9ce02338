package org.peftbench.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;
import org.peftbench.transformer.PrefixKv;

/**
 * Adapted generation: with virtual tokens (prompt tuning) or prefix keys (prefix tuning) added by a
 * prefill hook, cached decoding gives the tokens of greedy decoding by full recomputation.
 */
class GeneratorTest {
  static Path fixture(String name) throws URISyntaxException {
    return Path.of(GeneratorTest.class.getResource("/golden/" + name).toURI());
  }

  static Tensor random(SplittableRandom r, int... shape) {
    Tensor t = Tensor.zeros(shape);
    float[] a = t.array();
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return t;
  }

  /** Greedy tokens by re-running the whole sequence through {@code hook} at every step. */
  static int[] greedyByRecomputation(
      CausalLM m, int[] prompt, int n, UnaryOperator<ModelInput> hook) {
    List<Integer> seq = new ArrayList<>();
    for (int id : prompt) {
      seq.add(id);
    }
    int[] out = new int[n];
    try (var s = GradMode.noGrad()) {
      for (int i = 0; i < n; i++) {
        int[] ids = seq.stream().mapToInt(Integer::intValue).toArray();
        Var logits = m.forwardLast(hook.apply(ModelInput.of(m.embedTokens(ids, 1, ids.length))));
        out[i] = Sampler.argmax(logits.value().toFloatArray(), 0, m.config().vocabSize());
        seq.add(out[i]);
      }
    }
    return out;
  }

  @Test
  void virtualTokensAndPrefixKeysGenerateLikeFullRecomputation() throws Exception {
    for (String name : List.of("llama", "qwen3", "gpt2")) {
      try (CausalLM m = CausalLM.load(fixture(name))) {
        SplittableRandom r = new SplittableRandom(5);
        int c = m.config().hiddenSize();
        Var virtual = Var.constant(random(r, 1, 3, c));
        UnaryOperator<ModelInput> promptTuning =
            in -> {
              // batch 1 here; a batch would repeat the virtual tokens per row
              Var embeds = Ops.concat(1, virtual, in.inputsEmbeds());
              return in.withEmbeds(embeds);
            };
        List<PrefixKv> prefix = new ArrayList<>();
        for (int l = 0; l < m.config().numLayers(); l++) {
          int hkv = m.config().numKvHeads(), d = m.config().headDim();
          prefix.add(
              new PrefixKv(
                  Var.constant(random(r, 1, 2, hkv, d)), Var.constant(random(r, 1, 2, hkv, d))));
        }
        UnaryOperator<ModelInput> prefixTuning = in -> in.withPrefix(prefix);
        int[] prompt = {1, 7, 12, 30};
        for (UnaryOperator<ModelInput> hook : List.of(promptTuning, prefixTuning)) {
          int[] expected = greedyByRecomputation(m, prompt, 6, hook);
          int[] got =
              new Generator(m)
                  .withPrefillHook(hook)
                  .generate(List.of(prompt), GenerationConfig.greedy(6, Set.of()))
                  .get(0)
                  .tokens();
          assertThat(got).as(name).containsExactly(expected);
        }
        // the adapters change the predictions (tiny random models may still pick the same token)
        try (var g = GradMode.noGrad()) {
          ModelInput in = ModelInput.of(m.embedTokens(prompt, 1, prompt.length));
          float[] plain = m.forwardLast(in).value().toFloatArray();
          assertThat(m.forwardLast(prefixTuning.apply(in)).value().toFloatArray())
              .isNotEqualTo(plain);
          assertThat(m.forwardLast(promptTuning.apply(in)).value().toFloatArray())
              .isNotEqualTo(plain);
        }
      }
    }
  }

  /**
   * Rows that stop early (an EOS several rows hit at different steps) leave the others' tokens as
   * they are alone: on the CPU decode path (B = 3, finished rows skipped) and on the general path
   * (B = 40, above the decode path's limit: the cache compacted once half the rows finished).
   */
  @Test
  void rowsThatFinishEarlyDoNotChangeTheOthers() throws Exception {
    try (CausalLM m = CausalLM.load(fixture("llama"))) {
      int vocab = m.config().vocabSize();
      List<int[]> prompts = new ArrayList<>();
      for (int r = 0; r < 40; r++) {
        prompts.add(new int[] {1, (3 * r + 4) % vocab, (7 * r + 2) % vocab});
      }
      Generator g = new Generator(m);
      // an EOS set taken from what the rows generate alone, so they stop at different steps
      java.util.Set<Integer> eos = new java.util.HashSet<>();
      for (int r = 0; r < prompts.size(); r += 3) {
        int[] alone =
            g.generate(List.of(prompts.get(r)), GenerationConfig.greedy(9, Set.of()))
                .get(0)
                .tokens();
        eos.add(alone[1 + r % 5]);
      }
      GenerationConfig cfg = GenerationConfig.greedy(9, eos);
      List<Generator.Result> single = new ArrayList<>();
      for (int[] p : prompts) {
        single.add(g.generate(List.of(p), cfg).get(0));
      }
      long early = single.stream().filter(x -> x.reason() == Generator.StopReason.EOS).count();
      assertThat(early).as("rows stopping on EOS").isGreaterThanOrEqualTo(5);
      assertThat(40).isGreaterThan(org.peftbench.transformer.CpuDecodePath.MAX_BATCH);
      for (int b : new int[] {3, 40}) {
        List<Generator.Result> batched = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i += b) {
          batched.addAll(g.generate(prompts.subList(i, Math.min(prompts.size(), i + b)), cfg));
        }
        for (int r = 0; r < prompts.size(); r++) {
          assertThat(batched.get(r).tokens())
              .as("B=%d row %d", b, r)
              .containsExactly(single.get(r).tokens());
          assertThat(batched.get(r).reason()).isEqualTo(single.get(r).reason());
        }
      }
    }
  }
}
