package org.peftbench.tokenizers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BOS/EOS and add_bos/add_eos from tokenizer_config.json and generation_config.json. */
class TokenizersConfigTest {
  @TempDir Path dir;

  @BeforeEach
  void writeTinyTokenizer() throws IOException {
    Files.writeString(
        dir.resolve("tokenizer.json"),
        """
        {"added_tokens": [
           {"id": 0, "content": "<s>", "special": true, "normalized": false},
           {"id": 1, "content": "</s>", "special": true, "normalized": false}],
         "normalizer": null, "pre_tokenizer": null, "post_processor": null,
         "decoder": {"type": "Fuse"},
         "model": {"type": "BPE", "vocab": {"<s>": 0, "</s>": 1, "a": 2, "b": 3, "ab": 4},
                   "merges": ["a b"]}}
        """);
  }

  @Test
  void withoutConfigsNothingIsAdded() {
    Tokenizer tok = Tokenizers.load(dir);
    assertThat(tok.bosId()).isEqualTo(-1);
    assertThat(tok.eosIds()).isEmpty();
    assertThat(tok.encode("abab", true)).containsExactly(4, 4);
    assertThat(tok.encode("<s>ab</s>", false)).containsExactly(0, 4, 1);
    assertThat(tok.decode(new int[] {0, 4, 1, 2}, true)).isEqualTo("aba");
    assertThat(tok.decode(new int[] {0, 4, 1, 2}, false)).isEqualTo("<s>ab</s>a");
  }

  @Test
  void configsSetSpecialTokens() throws IOException {
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"bos_token": {"__type": "AddedToken", "content": "<s>"}, "eos_token": "</s>",
         "add_bos_token": true, "add_eos_token": true}
        """);
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [3, 1]}");
    Tokenizer tok = Tokenizers.load(dir);
    assertThat(tok.bosId()).isZero();
    assertThat(tok.eosId()).isEqualTo(1); // tokenizer_config.json wins
    assertThat(tok.eosIds()).containsExactly(1, 3);
    assertThat(tok.addBos()).isTrue();
    assertThat(tok.encode("ab", true)).containsExactly(0, 4, 1);
    assertThat(tok.encode("ab", false)).containsExactly(4);
  }

  @Test
  void unknownSpecialTokenIsAnError() throws IOException {
    Path config = dir.resolve("tokenizer_config.json");
    Files.writeString(config, "{\"bos_token\": \"<|nope|>\"}");
    assertThatThrownBy(() -> Tokenizers.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContainingAll(config.toString(), "bos_token '<|nope|>'");
    Files.writeString(config, "{}");
    Path gen = dir.resolve("generation_config.json");
    Files.writeString(gen, "{\"eos_token_id\": 99}");
    assertThatThrownBy(() -> Tokenizers.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContainingAll(gen.toString(), "eos_token_id 99");
  }
}
