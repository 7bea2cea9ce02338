package org.peftbench.harness.run;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locations of the shared test assets; tests skip when ../shared is absent. */
final class Stories {
  private Stories() {}

  static Path shared() {
    String s = System.getProperty("peftbench.shared", "../../shared");
    Path p = Path.of(s);
    Assumptions.assumeTrue(
        Files.isDirectory(p.resolve("models/stories260K"))
            && Files.isDirectory(p.resolve("datasets")),
        "../shared (stories260K, datasets) not available");
    return p.toAbsolutePath().normalize();
  }

  static Path model() {
    return shared().resolve("models/stories260K");
  }

  static Path data() {
    return shared().resolve("datasets");
  }
}
