package org.peftbench.datasets;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared benchmark datasets (system property peftbench.shared, set by surefire). */
final class SharedData {
  private SharedData() {}

  /** The datasets folder; skips the calling test when it is absent. */
  static Path datasets() {
    String shared = System.getProperty("peftbench.shared", "../../shared");
    Path dir = Path.of(shared, "datasets");
    assumeTrue(Files.isDirectory(dir), "no shared datasets at " + dir);
    return dir;
  }
}
