package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.tokenizers.Tokenizers;

class TaskDataTest {
  static String labelText(TokenizedExample e, Tokenizer tok) {
    int[] ids = Arrays.stream(e.labels()).filter(l -> l != TokenizedExample.IGNORE).toArray();
    return tok.decode(ids, true);
  }

  @Test
  void plainPromptsPutOnlyTheTargetUnderTheLoss() {
    Path model = Stories.model();
    Tokenizer tok = Tokenizers.load(model);
    TokenizedExample e =
        TaskData.tokenize("Is it good?\nAnswer:", "positive", tok, PromptStyle.PLAIN, 0);
    assertThat(e.inputIds()[0]).isEqualTo(tok.bosId());
    assertThat(e.inputIds()[e.inputIds().length - 1]).isEqualTo(tok.eosId());
    assertThat(labelText(e, tok).strip()).isEqualTo("positive");
    assertThat(e.labels()[0]).isEqualTo(TokenizedExample.IGNORE);
    // truncation keeps the target
    TokenizedExample cut =
        TaskData.tokenize(
            "a long long long prompt here\nAnswer:", "positive", tok, PromptStyle.PLAIN, 12);
    assertThat(cut.inputIds()).hasSize(12);
    assertThat(labelText(cut, tok).strip()).isEqualTo("positive");
  }

  @Test
  void chatTemplatedPromptsEndWithTheAssistantTurn() {
    for (String name : new String[] {"qwen3-1.7b", "llama-3-8b-instruct"}) {
      Path dir = Stories.shared().resolve("models").resolve(name);
      Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("tokenizer_config.json")));
      PromptStyle style = PromptStyle.forModel(dir);
      assertThat(style.isChat()).as(name).isTrue();
      Tokenizer tok = Tokenizers.load(dir);
      String prompt = style.formatter().format("Is it good?\nAnswer:");
      assertThat(prompt).contains("Is it good?").contains("assistant");
      TokenizedExample e = TaskData.tokenize(prompt, "positive", tok, style, 0);
      assertThat(labelText(e, tok)).as(name).isEqualTo("positive");
      assertThat(tok.eosIds()).contains(e.inputIds()[e.inputIds().length - 1]);
      if (tok.bosId() >= 0) { // the template writes BOS; the tokenizer must not add a second
        assertThat(Arrays.stream(e.inputIds()).filter(id -> id == tok.bosId()).count())
            .as(name)
            .isLessThanOrEqualTo(1);
      }
    }
  }
}
