package org.peftbench.tensor.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.peftbench.tensor.Tensor;

/**
 * Coverage-guided fuzzing of the safetensors reader: any byte string, written as a file, either
 * opens and every tensor in it reads back, or fails with a {@link SafetensorsException} whose
 * message names the file. Anything else (an index error, a negative size, an out-of-memory, a hang)
 * is a finding. The build fuzzes it briefly (see the parent pom's {@code fuzz} execution); its
 * crash inputs under {@code SafetensorsFuzzTestInputs/} replay in every test run.
 */
class SafetensorsFuzzTest {
  @FuzzTest(maxDuration = "8s")
  void openAndReadEveryTensor(byte[] data) throws IOException {
    Path file = Files.createTempFile("fuzz", ".safetensors");
    try {
      Files.write(file, data);
      try (SafetensorsFile f = SafetensorsFile.open(file)) {
        for (String name : f.names()) {
          Tensor t = f.tensor(name);
          for (long i = 0; i < t.size(); i += Math.max(1, t.size() / 64)) {
            t.get(i);
          }
        }
      } catch (SafetensorsException e) {
        assertThat(e.getMessage()).contains(file.getFileName().toString());
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
