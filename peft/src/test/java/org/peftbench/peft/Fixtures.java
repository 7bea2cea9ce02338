package org.peftbench.peft;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Test resources and shared data. */
final class Fixtures {
  private Fixtures() {}

  /** {@code src/test/resources/peft-fixtures} (written by tools/gen_peft_fixtures.py). */
  static Path dir() {
    try {
      return Path.of(Fixtures.class.getResource("/peft-fixtures/model/config.json").toURI())
          .getParent()
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code ../shared} (skips the test when absent). */
  static Path shared() {
    String p = System.getProperty("peftbench.shared", "../../shared");
    Path dir = Path.of(p);
    Assumptions.assumeTrue(Files.isDirectory(dir), "shared data not found at " + dir);
    return dir;
  }

  /** Row-wise log-softmax of {@code [N, V]} values. */
  static float[] logSoftmax(float[] logits, int v) {
    float[] out = new float[logits.length];
    for (int r = 0; r < logits.length / v; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < v; i++) {
        max = Math.max(max, logits[r * v + i]);
      }
      double sum = 0;
      for (int i = 0; i < v; i++) {
        sum += Math.exp(logits[r * v + i] - max);
      }
      double lse = max + Math.log(sum);
      for (int i = 0; i < v; i++) {
        out[r * v + i] = (float) (logits[r * v + i] - lse);
      }
    }
    return out;
  }
}
