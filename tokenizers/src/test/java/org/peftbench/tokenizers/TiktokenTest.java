package org.peftbench.tokenizers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Llama 3's tiktoken {@code original/tokenizer.model} must tokenize exactly like the model's HF
 * {@code tokenizer.json} (the same vocabulary in another format).
 */
class TiktokenTest {

  @Test
  void originalTokenizerModelMatchesTokenizerJson() {
    Path dir = TokenizerFixtures.model("llama-3-8b-instruct");
    HfTokenizer json = HfTokenizer.fromJson(dir.resolve("tokenizer.json"));
    HfTokenizer tiktoken =
        Tiktoken.load(dir.resolve("original/tokenizer.model"), Tiktoken.specialTokens(false));
    assertThat(Tiktoken.isLlama31(dir)).isFalse();
    assertThat(tiktoken.vocabSize()).isEqualTo(json.vocabSize()).isEqualTo(128256);
    for (int id = 0; id < json.vocabSize(); id++) {
      assertThat(tiktoken.token(id)).as("token %d", id).isEqualTo(json.token(id));
    }
    List<String> texts = new ArrayList<>(TokenizerFixtures.texts());
    texts.add(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    texts.add("    def f(x):\r\n\t\treturn x**2  \n\n\n  // 12345678 x'sy'LL 'Re");
    for (String text : texts) {
      int[] ids = json.encode(text, true);
      assertThat(tiktoken.encode(text, true)).as(text).containsExactly(ids);
      assertThat(tiktoken.decode(ids, false)).isEqualTo(json.decode(ids, false));
    }
  }

  @Test
  void llama32FolderLoadsFromItsOriginalTokenizerModel() {
    Path dir = TokenizerFixtures.model("llama-3.2-1b-instruct");
    assertThat(Tiktoken.isLlama31(dir)).isTrue();
    Tokenizer tok = Tokenizers.load(dir);
    assertThat(tok.vocabSize()).isEqualTo(128256);
    assertThat(tok.bosId()).isEqualTo(128000);
    assertThat(tok.token(128008)).isEqualTo("<|eom_id|>");
    assertThat(tok.token(128009)).isEqualTo("<|eot_id|>");
    assertThat(tok.encode("Hello world", true)).containsExactly(128000, 9906, 1917);
    assertThat(tok.encode("<|start_header_id|>user<|end_header_id|>", false))
        .containsExactly(128006, 882, 128007);
    assertThat(tok.decode(tok.encode("Ünïcödé 😀 text", false), false))
        .isEqualTo("Ünïcödé 😀 text");
  }
}
