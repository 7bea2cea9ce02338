package org.peftbench.tokenizers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SentencePiece {@code tokenizer.model} against the C++ library's output (committed fixtures). */
class SentencePieceTokenizerTest {

  @ParameterizedTest
  @ValueSource(strings = {"stories260K", "tinyllama-1.1b-chat", "mistral-7b-instruct-v0.3"})
  void matchesSentencePiece(String name) {
    Path dir = TokenizerFixtures.model(name);
    JsonNode fixture =
        TokenizerFixtures.resource("sentencepiece_fixtures.json").path("models").path(name);
    Tokenizer tok = Tokenizers.load(dir);
    assertThat(tok).isInstanceOf(SentencePieceTokenizer.class);
    assertThat(tok.vocabSize()).isEqualTo(fixture.path("vocab_size").asInt());
    assertThat(tok.bosId()).isEqualTo(fixture.path("bos_id").asInt());
    assertThat(tok.eosId()).isEqualTo(fixture.path("eos_id").asInt());
    for (JsonNode c : fixture.path("cases")) {
      String text = c.path("text").asText();
      int[] expected = ints(c.path("ids"));
      assertThat(tok.encode(text, false))
          .as("%s encode [%s]", name, text)
          .containsExactly(expected);
      assertThat(tok.decode(expected, true))
          .as("%s decode [%s]", name, text)
          .isEqualTo(c.path("decoded").asText());
      int[] withBos = new int[expected.length + 1];
      withBos[0] = tok.bosId();
      System.arraycopy(expected, 0, withBos, 1, expected.length);
      assertThat(tok.decode(withBos, true))
          .as("%s decode with BOS [%s]", name, text)
          .isEqualTo(c.path("decoded_with_bos").asText());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"stories260K", "tinyllama-1.1b-chat", "mistral-7b-instruct-v0.3"})
  void decodesInvalidBytesLikeSentencePiece(String name) {
    Tokenizer tok = Tokenizers.load(TokenizerFixtures.model(name));
    JsonNode cases =
        TokenizerFixtures.resource("sentencepiece_fixtures.json")
            .path("models")
            .path(name)
            .path("invalid_bytes");
    assertThat(cases.size()).isEqualTo(4);
    for (JsonNode c : cases) {
      assertThat(tok.decode(ints(c.path("ids")), true))
          .as("%s %s", name, c.path("ids"))
          .isEqualTo(c.path("decoded").asText());
    }
  }

  /**
   * Mistral's reference tokenizer (mistral-common) encodes each message on its own, so no extra '▁'
   * follows a control token: the prompt our chat template renders must tokenize to its ids.
   */
  @Test
  @SuppressWarnings("unchecked")
  void mistralChatPromptsMatchMistralCommon() {
    Tokenizer tok = Tokenizers.load(TokenizerFixtures.model("mistral-7b-instruct-v0.3"));
    assertThat(((SentencePieceTokenizer) tok).legacy()).isFalse();
    assertThat(tok.encode("[INST] hi[/INST]", false)).containsExactly(3, 12782, 4);
    assertThat(tok.encode("<s>[INST] hi[/INST] It is 4.</s>", false))
        .containsExactly(1, 3, 12782, 4, 1429, 1117, 29473, 29549, 29491, 2);
    assertThat(tok.encode("hi", false)).containsExactly(12782); // the text start keeps its '▁'
    JsonNode template =
        TokenizerFixtures.resource("chat_template_fixtures.json")
            .path("templates")
            .path("mistral-v0.3-style");
    ChatTemplate chat =
        ChatTemplate.of(
            template.path("template").asText(),
            new ObjectMapper().convertValue(template.path("special"), java.util.Map.class));
    JsonNode cases =
        TokenizerFixtures.resource("sentencepiece_fixtures.json")
            .path("models")
            .path("mistral-7b-instruct-v0.3")
            .path("mistral_common");
    assertThat(cases.size()).isGreaterThanOrEqualTo(4);
    for (JsonNode c : cases) {
      java.util.List<java.util.Map<String, Object>> messages =
          new ObjectMapper().convertValue(c.path("messages"), java.util.List.class);
      String prompt = chat.render(messages, false, java.util.Map.of());
      assertThat(tok.encode(prompt, false)).as(prompt).containsExactly(ints(c.path("ids")));
    }
  }

  @Test
  void legacyFlagComesFromTheConfigElseFromTheModel() {
    var stories = (SentencePieceTokenizer) Tokenizers.load(TokenizerFixtures.model("stories260K"));
    var tiny =
        (SentencePieceTokenizer) Tokenizers.load(TokenizerFixtures.model("tinyllama-1.1b-chat"));
    assertThat(stories.legacy()).isTrue(); // "legacy": true in its tokenizer_config.json
    assertThat(tiny.legacy()).isTrue(); // no config, no [INST]: transformers' default
    // Legacy: the text after a control token gets its own dummy prefix.
    int[] legacyIds = tiny.encode("</s> hi", false);
    tiny.legacy(false);
    int[] nonLegacyIds = tiny.encode("</s> hi", false);
    assertThat(legacyIds.length).isEqualTo(nonLegacyIds.length + 1);
    assertThat(tiny.token(legacyIds[1])).isEqualTo("▁");
  }

  @Test
  void stories260KEncodesLikeSentencePiece() {
    Tokenizer tok = Tokenizers.load(TokenizerFixtures.model("stories260K"));
    assertThat(tok.addBos()).isTrue();
    assertThat(tok.encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
    assertThat(tok.decode(new int[] {1, 403, 407, 261, 378}, true)).isEqualTo("Once upon a time");
    assertThat(tok.decode(new int[] {1, 403, 407, 261, 378}, false))
        .isEqualTo("<s>Once upon a time");
    assertThat(tok.token(403)).isEqualTo("▁Once");
    SentencePieceTokenizer alone =
        SentencePieceTokenizer.load(
            TokenizerFixtures.model("stories260K").resolve("tokenizer.model"));
    assertThat(alone.encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
    assertThat(alone.eosId()).isEqualTo(2);
    assertThat(tok.isSpecial(1)).isTrue();
    assertThat(tok.isSpecial(403)).isFalse();
    // Characters outside the 512-piece vocabulary fall back to bytes and decode back.
    String text = "Ünïcödé 日本 😀";
    assertThat(tok.decode(tok.encode(text, true), true)).isEqualTo(text);
  }

  @Test
  void rejectsCorruptModel(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("tokenizer.model");
    Files.write(bad, new byte[] {0x0a, 0x7f, 0x01});
    assertThatThrownBy(() -> Tokenizers.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContainingAll(bad.toString(), "not a valid SentencePiece model");
  }

  static int[] ints(JsonNode array) {
    List<Integer> out = new ArrayList<>();
    array.forEach(x -> out.add(x.asInt()));
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
