package org.peftbench.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.RunResult;

class ReportTest {
  static RunResult result(String method, String task, long seed, double score, long params) {
    RunResult r = new RunResult();
    r.runId = "m__" + method + "__" + task + "__s" + seed;
    r.suite = "t";
    r.status = RunResult.Status.COMPLETED;
    r.model = "models/m";
    r.method = method;
    r.peftType = method.toUpperCase();
    r.task = task;
    r.seed = seed;
    r.train.steps = 3;
    r.train.losses = List.of(2.0, 1.5 + seed * 0.01, 1.2);
    r.test = new RunResult.Test();
    r.test.mode = "generate";
    r.test.examples = 10;
    r.test.mainMetric = "accuracy";
    r.test.metrics.put("accuracy", score / 100);
    r.test.scorePercent = score;
    r.cost.trainableParams = params;
    r.cost.flopsDeltaTflops = method.equals("prompt") ? 0.01 : 0;
    r.measurements.peakTensorGb = 0.5;
    r.measurements.peakRssGb = 1.0;
    return r;
  }

  static Path writeResults(Path dir) {
    ResultStore store = new ResultStore(dir);
    store.write(result("lora", "sst2", 1, 60, 1000));
    store.write(result("lora", "sst2", 2, 70, 1000));
    store.write(result("lora", "rte", 1, 50, 1000));
    store.write(result("lora", "rte", 2, 54, 1000));
    store.write(result("prompt", "sst2", 1, 40, 100));
    store.write(result("prompt", "sst2", 2, 44, 100));
    RunResult bad = result("prompt", "rte", 1, 0, 100);
    bad.status = RunResult.Status.NONFINITE_LOSS;
    bad.statusMessage = "loss became NaN at step 2";
    bad.test = null;
    store.write(bad);
    return dir;
  }

  @Test
  void aggregatesMeanAndSampleStdOverSeeds(@TempDir Path tmp) {
    Report.Written w = Report.write(writeResults(tmp));
    Aggregate a = w.aggregate();
    Aggregate.Stat s = a.score("models/m", "lora", "sst2");
    assertThat(s.mean()).isEqualTo(65.0);
    assertThat(s.std()).isCloseTo(Math.sqrt(50), org.assertj.core.api.Assertions.within(1e-12));
    assertThat(a.score("models/m", "prompt", "rte").n()).isZero(); // failed run excluded
    Aggregate.MethodSummary lora = a.methodSummaries().get(0);
    assertThat(lora.performance()).isEqualTo((65.0 + 52.0) / 2);
    // P · (1 + 1000/5e8)^-1 · 1 · (1 + 0.5/94)^-1
    assertThat(lora.pscpByBeta().get(1.0).pscp())
        .isCloseTo(
            58.5 / (1 + 1000 / 5e8) / (1 + 0.5 / 94), org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void writesCsvMarkdownLatexAndHtml(@TempDir Path tmp) throws Exception {
    Report.Written w = Report.write(writeResults(tmp));
    assertThat(w.files()).allMatch(Files::isRegularFile);
    List<String> csv = Files.readAllLines(tmp.resolve("results.csv"));
    assertThat(csv).hasSize(1 + 7);
    assertThat(csv.get(0)).startsWith("run_id,model,method").contains("metric_accuracy");
    String md = Files.readString(tmp.resolve("report.md"));
    assertThat(md).contains("| sst2 (accuracy) | 65.00 ± 7.07 | 42.00 ± 2.83 |", "PSCP β=2");
    assertThat(md).contains("Measured costs").contains("| m | lora | 1,000 |");
    String tex = Files.readString(tmp.resolve("tables.tex"));
    assertThat(tex).contains("65.00 $\\pm$ 7.07", "\\toprule", "PSCP $\\beta$=1");
    String html = Files.readString(tmp.resolve("report.html"));
    assertThat(html).doesNotContain("http://cdn", "https://", "<script src");
    for (String kind : List.of("pareto", "pscp", "heatmap", "loss")) {
      assertThat(html).contains("data-plot=\"" + kind + "\"");
    }
    assertThat(html).contains("loss became NaN at step 2");
    // every SVG is well-formed XML with drawn marks
    Matcher m = Pattern.compile("(?s)<svg .*?</svg>").matcher(html);
    int svgs = 0;
    while (m.find()) {
      var doc =
          DocumentBuilderFactory.newInstance()
              .newDocumentBuilder()
              .parse(new ByteArrayInputStream(m.group().getBytes(StandardCharsets.UTF_8)));
      assertThat(doc.getDocumentElement().getNodeName()).isEqualTo("svg");
      assertThat(m.group()).contains("class=\"mark\"");
      svgs++;
    }
    assertThat(svgs).isEqualTo(1 + 1 + 1 + 2); // pareto, pscp, heatmap, a loss chart per task
  }

  @Test
  void paretoFrontKeepsTheUndominated() {
    var pts =
        List.of(
            new SvgPlots.Point("a", 10, 50),
            new SvgPlots.Point("b", 100, 70),
            new SvgPlots.Point("c", 1000, 60),
            new SvgPlots.Point("d", 5, 40));
    assertThat(SvgPlots.paretoFront(pts))
        .extracting(SvgPlots.Point::label)
        .containsExactly("d", "a", "b");
  }

  /**
   * Loads the report in headless Chromium when it is installed (tools/check_report_in_browser.sh).
   */
  @Test
  void everyPlotRendersInAHeadlessBrowser(@TempDir Path tmp) throws Exception {
    Path script = Path.of("..", "tools", "check_report_in_browser.sh");
    boolean chromium =
        Files.isExecutable(Path.of("/usr/bin/chromium"))
            || Files.isExecutable(Path.of("/usr/bin/chromium-browser"));
    Assumptions.assumeTrue(chromium && Files.isRegularFile(script), "chromium not installed");
    Report.write(writeResults(tmp));
    Process p =
        new ProcessBuilder("bash", script.toString(), tmp.resolve("report.html").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("5 of 5 plots rendered");
  }
}
