package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.backend.Backends;

/**
 * Without the SDK's JVM flags the TornadoVM runtime cannot start: asking for the {@code tornado}
 * backend then gives one clear line and the CPU backend. Checked in a child JVM started without
 * {@code @tornado-argfile}.
 */
class FallbackTest {
  /** Child JVM entry point: prints the class of the backend {@code tornado} resolves to. */
  public static void main(String[] args) {
    System.out.println("backend=" + Backends.byName("tornado").getClass().getSimpleName());
  }

  @Test
  void withoutTheTornadoRuntimeTheCpuBackendIsUsedWithOneMessage() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                FallbackTest.class.getName())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out)
        .contains(
            "peftbench: TornadoVM runtime not loaded (start the JVM with"
                + " @$TORNADOVM_HOME/tornado-argfile); using the CPU backend")
        .contains("backend=CpuBackend");
    assertThat(p.exitValue()).isZero();
  }
}
