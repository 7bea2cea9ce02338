package org.peftbench.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelException;
import org.peftbench.transformer.SequenceLimits;

/**
 * Generation and scoring stop with one clear error instead of printing garbage: on non-finite
 * logits (broken weights), and before any work on a prompt longer than the model's positions.
 */
class GenerationGuardsTest {
  private static final int[] PROMPT = {1, 7, 12, 30};

  @Test
  void nanWeightsStopGenerationAndScoringInsteadOfPrintingGarbage() throws Exception {
    try (CausalLM m = CausalLM.load(GeneratorTest.fixture("llama"))) {
      // sanity: the intact model generates
      assertThat(new Generator(m).generate(List.of(PROMPT), GenerationConfig.greedy(2, Set.of())))
          .hasSize(1);
      Parameter norm = m.parameters().get("model.norm.weight");
      Tensor broken = norm.value().toF32();
      broken.array()[broken.offset() + 3] = Float.NaN;
      norm.setValue(broken);
      assertThatThrownBy(
              () ->
                  new Generator(m).generate(List.of(PROMPT), GenerationConfig.greedy(2, Set.of())))
          .isInstanceOf(ModelException.class)
          .hasMessageContaining("non-finite logit (NaN)")
          .hasMessageContaining("generation step 1 of prompt 0");
      assertThatThrownBy(() -> Scorer.logprobs(m, PROMPT, null))
          .isInstanceOf(ModelException.class)
          .hasMessageContaining("non-finite log-probability");
      assertThatThrownBy(() -> Scorer.logprobs(m, PROMPT, 2, null))
          .isInstanceOf(ModelException.class)
          .hasMessageContaining("non-finite log-probability");
    }
  }

  @Test
  void requireFiniteLooksAtEveryLogitOfTheRowOnly() {
    float[] l = {0, 1, Float.POSITIVE_INFINITY, 2, 3, 4};
    Generator.requireFinite(l, 3, 3, 1, 0); // row 1 = {2, 3, 4}
    assertThatThrownBy(() -> Generator.requireFinite(l, 0, 3, 0, 4))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("(Infinity) for token 2 at generation step 5 of prompt 0");
  }

  @Test
  void promptsBeyondTheModelsPositionsAreRefusedBeforeThePrefill() throws Exception {
    try (CausalLM m = CausalLM.load(GeneratorTest.fixture("llama"))) {
      int max = m.config().maxPositionEmbeddings();
      int[] tooLong = new int[max + 1];
      java.util.Arrays.fill(tooLong, 3);
      long t0 = System.nanoTime();
      assertThatThrownBy(
              () ->
                  new Generator(m).generate(List.of(tooLong), GenerationConfig.greedy(1, Set.of())))
          .isInstanceOf(ModelException.class)
          .hasMessageContaining("needs " + (max + 1) + " positions")
          .hasMessageContaining("max_position_embeddings");
      assertThatThrownBy(() -> Scorer.logprobs(m, tooLong, null))
          .isInstanceOf(ModelException.class)
          .hasMessageContaining("max_position_embeddings");
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
      // exactly the limit is fine for a rotary model
      int[] fits = java.util.Arrays.copyOf(tooLong, max);
      assertThat(new Generator(m).generate(List.of(fits), GenerationConfig.greedy(1, Set.of())))
          .hasSize(1);
    }
  }

  @Test
  void sequenceLimitsShareThePositionsBetweenVirtualAndRealTokens() throws Exception {
    try (CausalLM m = CausalLM.load(GeneratorTest.fixture("llama"))) {
      var c = m.config();
      int max = c.maxPositionEmbeddings();
      assertThat(SequenceLimits.maxTokens(c, 0)).isEqualTo(max);
      assertThat(SequenceLimits.maxTokens(c, 10)).isEqualTo(max - 10);
      SequenceLimits.check(c, 10, max - 10, "row");
      assertThatThrownBy(() -> SequenceLimits.check(c, 10, max - 9, "train.jsonl:3"))
          .isInstanceOf(ModelException.class)
          .hasMessageStartingWith("train.jsonl:3: " + (max - 9) + " tokens + 10 virtual tokens");
      SequenceLimits.checkVirtualTokens(c, max - 1, "adapter_config.json");
      assertThatThrownBy(() -> SequenceLimits.checkVirtualTokens(c, 100_000, "adapter_config.json"))
          .isInstanceOf(ModelException.class)
          .hasMessageContaining("100000 virtual tokens leave no room");
    }
  }
}
