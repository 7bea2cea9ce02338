package org.peftbench.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.bench.JmhResults;

class JmhReportTest {
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
  void drawsTheRatiosAndTheTable(@TempDir Path tmp) throws Exception {
    Path before = Files.writeString(tmp.resolve("before.json"), jmhJson(10, 4));
    Path after = Files.writeString(tmp.resolve("after.json"), jmhJson(8, 5));
    JmhResults.Comparison c =
        JmhResults.compare(
            List.of("before", "after"), List.of(JmhResults.read(before), JmhResults.read(after)));
    String html = JmhReport.html(c);
    assertThat(html).contains("<svg").contains("after / before").contains("0.800");
  }
}
