package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing of {@code config.json} loading: any bytes either load as a config whose
 * sizes are usable (positive, heads dividing the width) or fail with a {@link ModelException} that
 * names the file. A bare runtime exception, an arithmetic error or a hang is a finding.
 */
class ModelConfigFuzzTest {
  @FuzzTest(maxDuration = "8s")
  void loadConfig(byte[] data) throws IOException {
    Path dir = Files.createTempDirectory("fuzz-config");
    try {
      Path file = Files.write(dir.resolve("config.json"), data);
      try {
        ModelConfig c = ModelConfig.load(dir);
        assertThat(c.numLayers()).isPositive();
        assertThat(c.hiddenSize()).isPositive();
        assertThat(c.vocabSize()).isPositive();
        assertThat(c.numKvHeads()).isPositive();
        assertThat(c.numHeads() % c.numKvHeads()).isZero();
        assertThat(c.headDim()).isPositive();
      } catch (ModelException e) {
        assertThat(e.getMessage()).contains(file.toString());
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
