package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchJmhReportCommandTest {
  private static final String ONE =
      """
      [ {"benchmark": "org.peftbench.bench.RowOpsBenchmark.rmsNormForward", "mode": "avgt",
         "params": {"shape": "s"},
         "primaryMetric": {"score": 4.0, "scoreError": 0.5, "scoreUnit": "us/op"}} ]
      """;

  @Test
  void printsTheTableAndWritesThePage(@TempDir Path tmp) throws Exception {
    Path a = Files.writeString(tmp.resolve("a.json"), ONE);
    Path b = Files.writeString(tmp.resolve("b.json"), ONE.replace("4.0", "2.0"));
    Path html = tmp.resolve("cmp.html");
    MainTest.Run r =
        MainTest.run(
            "bench",
            "jmh-report",
            a.toString(),
            b.toString(),
            "--labels",
            "before,after",
            "--html",
            html.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("| benchmark | mode | unit | before | after | ratio |")
        .contains("| RowOpsBenchmark.rmsNormForward [shape=s] | avgt | us/op |")
        .contains("0.500 |");
    assertThat(Files.readString(html)).contains("<svg");
  }

  @Test
  void aFileThatIsNotJmhOutputIsOneLine(@TempDir Path tmp) throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.json"), "{}");
    MainTest.Run r = MainTest.run("bench", "jmh-report", bad.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    // one line naming the file (then the CLI's usual hint about --debug), no stack trace
    assertThat(r.err().lines().findFirst().orElseThrow())
        .startsWith("peftbench: ")
        .contains(bad.toString())
        .contains("not a JMH result file");
    assertThat(r.err()).doesNotContain("\tat ");
  }
}
