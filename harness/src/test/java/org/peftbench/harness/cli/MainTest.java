package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void versionAndHelp() {
    Run v = run("--version");
    assertThat(v.code()).isEqualTo(ExitCodes.OK);
    assertThat(v.out()).startsWith("peftbench ");
    Run h = run("--help");
    assertThat(h.code()).isEqualTo(ExitCodes.OK);
    assertThat(h.out()).contains("run", "report", "pscp");
  }

  @Test
  void unknownCommandIsAUsageErrorOnOneLine() {
    Run r = run("frobnicate");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("peftbench: ");
  }

  @Test
  void badFlagValueIsAUsageError() {
    Run r =
        run(
            "pscp",
            "--performance",
            "abc",
            "--params",
            "1",
            "--flops-delta",
            "0",
            "--memory-gb",
            "1");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    Run both =
        run(
            "pscp",
            "--performance",
            "50",
            "--params",
            "1",
            "--flops-delta",
            "0",
            "--memory-gb",
            "1",
            "--beta",
            "1",
            "--beta-flops",
            "2");
    assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(both.err()).contains("either --beta");
  }

  @Test
  void pscpJson() throws Exception {
    Run r =
        run(
            "pscp",
            "--performance",
            "80",
            "--params",
            "5e8",
            "--flops-delta",
            "10",
            "--memory-gb",
            "94",
            "--json");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    JsonNode n = new ObjectMapper().readTree(r.out());
    assertThat(n.get("pscp").asDouble()).isEqualTo(10.0);
    Run b2 =
        run(
            "pscp",
            "--performance",
            "50",
            "--params",
            "1e9",
            "--flops-delta",
            "0",
            "--memory-gb",
            "47",
            "--beta",
            "2",
            "--json");
    assertThat(new ObjectMapper().readTree(b2.out()).get("pscp").asDouble())
        .isCloseTo(50 / 9.0 / 2.25, org.assertj.core.api.Assertions.within(1e-12));
    Run sep =
        run(
            "pscp",
            "--performance",
            "90",
            "--params",
            "5e8",
            "--flops-delta",
            "30",
            "--memory-gb",
            "0",
            "--beta-params",
            "2",
            "--beta-flops",
            "0.5",
            "--json");
    assertThat(new ObjectMapper().readTree(sep.out()).get("pscp").asDouble())
        .isCloseTo(11.25, org.assertj.core.api.Assertions.within(1e-12));
  }

  @Test
  void tornadoWithoutTornadoVmFallsBackToCpuWithOneWarning() {
    Run r =
        run(
            "--backend",
            "tornado",
            "pscp",
            "--performance",
            "50",
            "--params",
            "1",
            "--flops-delta",
            "0",
            "--memory-gb",
            "1");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.err().lines().toList())
        .singleElement()
        .asString()
        .contains("backend tornado is not in this build", "using cpu");
    assertThat(org.peftbench.tensor.backend.Backends.current().name()).isEqualTo("cpu");
    assertThat(run("--backend", "nonsense", "tasks").code()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void negativeCostIsAOneLineFailure() {
    Run r =
        run(
            "pscp",
            "--performance",
            "50",
            "--params",
            "-5",
            "--flops-delta",
            "0",
            "--memory-gb",
            "1");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).startsWith("peftbench: --params -5.0 is out of range: must be at least 0");
    assertThat(r.err()).doesNotContain("at org.");
  }

  @Test
  void reportOnAMissingFolderFails(@TempDir Path tmp) {
    Run r = run("report", "--results", tmp.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("does not exist");
    Run empty = run("report", "--results", tmp.toString());
    assertThat(empty.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(empty.err()).contains("runs/");
  }

  @Test
  void unknownSuiteFailsWithTheBundledNames() {
    Run r = run("run", "--suite", "no-such-suite");
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("smoke", "peft-bench");
  }

  @Test
  void aSuiteWhoseModelHasNoWeightsFailsBeforeRunning(@TempDir Path tmp) {
    Path shared = Path.of(System.getProperty("peftbench.shared", "../../shared"));
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.Files.isRegularFile(
            shared.resolve("models/llama-3.2-1b-instruct/config.json")));
    Run r = run("run", "--suite", "peft-bench", "--out", tmp.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("has no weights");
    assertThat(tmp.resolve("runs")).doesNotExist();
  }
}
