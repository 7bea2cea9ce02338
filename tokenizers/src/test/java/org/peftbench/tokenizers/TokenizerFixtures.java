package org.peftbench.tokenizers;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Shared test helpers: the shared model folders and the committed fixtures. */
final class TokenizerFixtures {
  private TokenizerFixtures() {}

  /** {@code ../shared/models/<name>}, or the test is skipped when the shared folder is absent. */
  static Path model(String name) {
    String shared = System.getProperty("peftbench.shared");
    assumeTrue(shared != null, "peftbench.shared is not set");
    Path dir = Path.of(shared, "models", name);
    assumeTrue(Files.isDirectory(dir), "no " + dir);
    return dir;
  }

  static JsonNode resource(String name) {
    try (InputStream in = TokenizerFixtures.class.getResourceAsStream("/tokenizer/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource tokenizer/" + name);
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The varied texts of the SentencePiece fixtures, plus text with special tokens. */
  static List<String> texts() {
    List<String> texts = new ArrayList<>();
    for (JsonNode c :
        resource("sentencepiece_fixtures.json").path("models").path("stories260K").path("cases")) {
      texts.add(c.path("text").asText());
    }
    texts.add("<|begin_of_text|>special <|eot_id|> tokens<|im_start|>user\nhi<|im_end|>");
    texts.add("<|endoftext|>after end<|endoftext|>");
    texts.add("<s>[INST] question [/INST] answer</s>");
    texts.add("   \n\n   \t  ");
    texts.add("x".repeat(300) + " " + "ab".repeat(200));
    texts.add("Ⅻ ① ﬁ ＡＢＣ ｶﾀｶﾅ"); // compatibility characters (NFC vs NFKC differ)
    return texts;
  }
}
