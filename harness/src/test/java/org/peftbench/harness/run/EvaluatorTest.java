package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.peftbench.datasets.Example;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.tokenizers.Tokenizers;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;

/**
 * {@link Evaluator} in generate mode: the prediction is the whole greedy generation up to an end
 * token or the limit, never cut at a newline (PEFT-Factory's generated_predictions.jsonl).
 */
class EvaluatorTest {
  @Test
  void predictionIsTheWholeGenerationNewlinesIncluded() throws Exception {
    try (CausalLM model = CausalLM.load(Stories.model())) {
      Tokenizer tok = Tokenizers.load(Stories.model());
      // story openings after which the tiny story model writes several lines
      List<Example> test = new ArrayList<>();
      String[] prompts = {
        "Once upon a time, there was a little girl.",
        "Tom and Sue went to the park.",
        "The cat sat on the mat.",
        "One day, a big dog"
      };
      for (int i = 0; i < prompts.length; i++) {
        test.add(new Example(Integer.toString(i), prompts[i], "x", List.of(), List.of("x")));
      }
      int maxNew = 60;
      List<String> got =
          new Evaluator(model, tok, null, PromptStyle.PLAIN, 0, maxNew, 2).generate(test);

      Generator gen = new Generator(model).withDecoder(ids -> tok.decode(ids, true));
      GenerationConfig cfg = GenerationConfig.greedy(maxNew, Evaluator.stopIds(tok));
      boolean sawNewline = false;
      for (int i = 0; i < prompts.length; i++) {
        int[] ids = tok.encode(prompts[i], PromptStyle.PLAIN.addSpecialTokens());
        String full = gen.generate(List.of(ids), cfg).get(0).text();
        assertThat(got.get(i)).as(prompts[i]).isEqualTo(full);
        sawNewline |= full.strip().contains("\n");
      }
      assertThat(sawNewline).as("some generation spans several lines").isTrue();
      assertThat(Evaluator.stopIds(tok)).contains(tok.eosId());
    }
  }

  @Test
  void referenceTruncationKeepsThePromptStartAsInferSeqlen() {
    // LLaMA-Factory's infer_seqlen, values from the Python function
    assertThat(Truncation.inferSeqlen(3000, 10, 2048)).containsExactly(2038, 10);
    assertThat(Truncation.inferSeqlen(100, 3000, 2048)).containsExactly(100, 1948);
    assertThat(Truncation.inferSeqlen(3000, 1500, 2048)).containsExactly(1366, 682);
    assertThat(Truncation.inferSeqlen(10, 10, 2048)).containsExactly(10, 10);
    int[] prompt = new int[3000];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = i;
    }
    int[] kept = Truncation.KEEP_START.prompt(prompt, 11, 2048);
    assertThat(kept).hasSize(2037);
    assertThat(kept[0]).isZero();
    assertThat(kept[2036]).isEqualTo(2036);
    int[] end = Truncation.KEEP_END.prompt(prompt, 11, 2048);
    assertThat(end).hasSize(2048);
    assertThat(end[2047]).isEqualTo(2999);
    TokenizedExample t = Truncation.KEEP_START.promptTarget(prompt, new int[] {7, 8, 9}, 100);
    assertThat(t.inputIds()).hasSize(100);
    assertThat(t.inputIds()[96]).isEqualTo(96);
    assertThat(t.labels()[97]).isEqualTo(7);
    assertThat(t.labels()[96]).isEqualTo(TokenizedExample.IGNORE);
  }
}
