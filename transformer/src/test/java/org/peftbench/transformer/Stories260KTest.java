package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;
import org.peftbench.transformer.generate.Scorer;

/**
 * The real stories260K Llama: greedy generation from BOS reproduces the reference continuation
 * (llama2.c's expected story; ids from the float64 PyTorch reference in {@code
 * tools/gen_transformer_golden.py}), and scoring agrees with generation.
 */
class Stories260KTest {
  static CausalLM model;
  static int[] expected;

  @BeforeAll
  static void load() throws IOException {
    String shared = System.getProperty("peftbench.shared");
    Path dir = shared == null ? null : Path.of(shared, "models", "stories260K");
    assumeTrue(dir != null && Files.isDirectory(dir), "../shared/models/stories260K not present");
    model = CausalLM.load(dir);
    JsonNode ref =
        new JsonMapper()
            .readTree(Stories260KTest.class.getResourceAsStream("/golden/stories260K_greedy.json"));
    expected = new int[ref.get("generated").size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = ref.get("generated").get(i).intValue();
    }
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  @Test
  void greedyFromBosReproducesTheReferenceStory() {
    GenerationConfig cfg = GenerationConfig.greedy(expected.length, Set.of());
    Generator.Result r = new Generator(model).generate(List.of(new int[] {1}), cfg).get(0);
    assertThat(r.tokens()).containsExactly(expected);
    assertThat(r.reason()).isEqualTo(Generator.StopReason.LENGTH);
  }

  @Test
  void greedyTokenHasTheHighestLogprob() {
    int n = 40;
    int[] seq = new int[n + 1];
    seq[0] = 1;
    System.arraycopy(expected, 0, seq, 1, n);
    float[] lp = Scorer.logprobs(model, seq, null);
    assertThat(lp).hasSize(n);
    // every greedy token is the argmax: its logprob is the largest of the position, so > log(1/2)
    // is not required, but it must beat every other token; check via full logits below
    try (var s = org.peftbench.autograd.GradMode.noGrad()) {
      var logits = model.forward(ModelInput.of(model.embedTokens(seq, 1, seq.length)));
      int v = model.config().vocabSize();
      float[] l = logits.value().toFloatArray();
      for (int t = 0; t < n; t++) {
        int argmax = org.peftbench.transformer.generate.Sampler.argmax(l, t * v, v);
        assertThat(argmax).as("position " + t).isEqualTo(seq[t + 1]);
        double logZ = 0, max = l[t * v + argmax];
        for (int k = 0; k < v; k++) {
          logZ += Math.exp(l[t * v + k] - max);
        }
        assertThat((double) lp[t])
            .isCloseTo(-Math.log(logZ), org.assertj.core.data.Offset.offset(1e-4));
      }
    }
    assertThat(Scorer.loss(lp)).isPositive();
    // scoring only the tail gives the same numbers
    float[] tail = Scorer.logprobs(model, seq, 30, null);
    assertThat(tail).hasSize(n + 1 - 30);
    for (int i = 0; i < tail.length; i++) {
      assertThat((double) tail[i]).isCloseTo(lp[29 + i], org.assertj.core.data.Offset.offset(1e-5));
    }
  }

  @Test
  void batchedLeftPaddedGenerationMatchesSingleRows() {
    int[] a = {1, expected[0], expected[1], expected[2], expected[3], expected[4]};
    int[] b = {1, 403, 407};
    GenerationConfig cfg = GenerationConfig.greedy(12, Set.of());
    Generator g = new Generator(model);
    List<Generator.Result> both = g.generate(List.of(a, b), cfg);
    assertThat(both.get(0).tokens()).containsExactly(g.generate(List.of(a), cfg).get(0).tokens());
    assertThat(both.get(1).tokens()).containsExactly(g.generate(List.of(b), cfg).get(0).tokens());
    assertThat(both.get(0).tokens()).startsWith(expected[5], expected[6]);
  }

  @Test
  void eosStopsARowAndSamplingIsReproducible() {
    // stop on the 4th greedy token: treat it as EOS
    GenerationConfig cfg = GenerationConfig.greedy(50, Set.of(expected[3]));
    Generator.Result r = new Generator(model).generate(List.of(new int[] {1}), cfg).get(0);
    assertThat(r.tokens()).containsExactly(expected[0], expected[1], expected[2], expected[3]);
    assertThat(r.reason()).isEqualTo(Generator.StopReason.EOS);
    GenerationConfig sample = GenerationConfig.greedy(30, Set.of()).withSampling(1.0, 40, 0.9, 7);
    int[] s1 = new Generator(model).generate(List.of(new int[] {1}), sample).get(0).tokens();
    int[] s2 = new Generator(model).generate(List.of(new int[] {1}), sample).get(0).tokens();
    int[] s3 =
        new Generator(model)
            .generate(List.of(new int[] {1}), sample.withSampling(1.0, 40, 0.9, 8))
            .get(0)
            .tokens();
    assertThat(s1).containsExactly(s2).hasSize(30);
    assertThat(s3).isNotEqualTo(s1);
  }

  @Test
  void stopStringEndsGeneration() {
    // a toy decoder: each id as "<id>"; stop once "<" + expected[2] + ">" appears
    GenerationConfig cfg =
        GenerationConfig.greedy(50, Set.of()).withStopStrings(List.of("<" + expected[2] + ">"));
    Generator.Result r =
        new Generator(model)
            .withDecoder(
                ids -> {
                  StringBuilder sb = new StringBuilder();
                  for (int id : ids) {
                    sb.append('<').append(id).append('>');
                  }
                  return sb.toString();
                })
            .generate(List.of(new int[] {1}), cfg)
            .get(0);
    assertThat(r.tokens()).containsExactly(expected[0], expected[1], expected[2]);
    assertThat(r.reason()).isEqualTo(Generator.StopReason.STOP_STRING);
    assertThat(r.text()).endsWith("<" + expected[2] + ">");
  }
}
