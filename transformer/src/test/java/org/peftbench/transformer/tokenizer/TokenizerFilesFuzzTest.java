package org.peftbench.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing of tokenizer loading: bytes written as a model folder's {@code
 * tokenizer.json} or {@code tokenizer.model} (the first input byte picks which) either load into a
 * tokenizer that encodes and decodes a sample text, or are refused with a {@link
 * TokenizerException} naming the file. Anything else (an index error, a hang, an out-of-memory) is
 * a finding.
 */
class TokenizerFilesFuzzTest {
  @FuzzTest(maxDuration = "8s")
  void loadAndUse(FuzzedDataProvider in) throws IOException {
    String name = in.consumeBoolean() ? "tokenizer.json" : "tokenizer.model";
    Path dir = Files.createTempDirectory("fuzz-tokenizer");
    try {
      Files.write(dir.resolve(name), in.consumeRemainingAsBytes());
      try {
        Tokenizer t = Tokenizers.load(dir);
        int[] ids = t.encode("Hello, world 123 ünï", true);
        for (int id : ids) {
          assertThat(id).isBetween(0, t.vocabSize() - 1);
        }
        assertThat(t.decode(ids, true)).isNotNull();
      } catch (TokenizerException e) {
        assertThat(e.getMessage()).contains(name);
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
