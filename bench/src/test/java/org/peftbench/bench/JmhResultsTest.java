package org.peftbench.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JmhResultsTest {
  /** Two entries in JMH's -rf json layout (fields we do not read left out). */
  private static String jmhJson(double gemm, double rms) {
    return """
        [ {"benchmark": "org.peftbench.bench.GemmBenchmark.matmul", "mode": "avgt",
           "params": {"shape": "1024x1024x1024", "variant": "nn"},
           "primaryMetric": {"score": %s, "scoreError": 0.5, "scoreUnit": "ms/op"}},
          {"benchmark": "org.peftbench.bench.RowOpsBenchmark.rmsNormForward", "mode": "avgt",
           "primaryMetric": {"score": %s, "scoreError": "NaN", "scoreUnit": "us/op"}} ]
        """
        .formatted(gemm, rms);
  }

  @Test
  void comparesTwoFilesRowByRow(@TempDir Path tmp) throws Exception {
    Path before = Files.writeString(tmp.resolve("before.json"), jmhJson(10, 4));
    Path after = Files.writeString(tmp.resolve("after.json"), jmhJson(8, 5));
    JmhResults.Comparison c =
        JmhResults.compare(
            List.of("before", "after"), List.of(JmhResults.read(before), JmhResults.read(after)));
    assertThat(c.rows().keySet())
        .containsExactly(
            "GemmBenchmark.matmul [shape=1024x1024x1024, variant=nn]",
            "RowOpsBenchmark.rmsNormForward");
    assertThat(c.ratio("GemmBenchmark.matmul [shape=1024x1024x1024, variant=nn]")).isEqualTo(0.8);
    String md = JmhResults.markdown(c);
    assertThat(md)
        .contains("| benchmark | mode | unit | before | after | ratio |")
        .contains("| 10.00 ± 0.50 | 8.000 ± 0.50 | 0.800 |")
        .contains("| RowOpsBenchmark.rmsNormForward | avgt | us/op | 4.000 | 5.000 | 1.250 |");
  }

  @Test
  void aRowMissingFromOneFileHasNoRatio(@TempDir Path tmp) throws Exception {
    Path before = Files.writeString(tmp.resolve("b.json"), jmhJson(10, 4));
    Path empty = Files.writeString(tmp.resolve("e.json"), "[]");
    JmhResults.Comparison c =
        JmhResults.compare(
            List.of("b", "e"), List.of(JmhResults.read(before), JmhResults.read(empty)));
    assertThat(c.ratio("RowOpsBenchmark.rmsNormForward")).isNaN();
    assertThat(JmhResults.markdown(c)).contains("| 4.000 | — | — |");
  }

  @Test
  void aFileThatIsNotJmhJsonIsNamedInTheError(@TempDir Path tmp) throws Exception {
    Path obj = Files.writeString(tmp.resolve("obj.json"), "{\"a\": 1}");
    assertThatThrownBy(() -> JmhResults.read(obj))
        .hasMessageContaining(obj.toString())
        .hasMessageContaining("not a JMH result file");
    Path broken = Files.writeString(tmp.resolve("broken.json"), "[{");
    assertThatThrownBy(() -> JmhResults.read(broken))
        .hasMessageContaining(broken.toString())
        .hasMessageContaining("not readable as JSON");
  }
}
