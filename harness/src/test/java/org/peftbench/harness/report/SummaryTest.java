package org.peftbench.harness.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.RunResult;
import org.peftbench.harness.suite.PscpSettings;

/** summary.json, results.csv's PSCP columns, both aggregations and the Table 3 layout. */
class SummaryTest {
  static final double BASE = 8.38;

  /** The paper's Llama-3-8B numbers, as scripts/peftbench/cal_psqp.py lists them. */
  record Paper(String method, double p, long params, double flops, double memory) {}

  static final List<Paper> PAPER =
      List.of(
          new Paper("ia3", 74.7, 196_608, 8.69 - BASE, 28.41),
          new Paper("prompt-tuning", 50, 409_600, 10.05 - BASE, 42.47),
          new Paper("prefix-tuning", 45.9, 34_177_536, 8.39 - BASE, 27.61),
          new Paper("p-tuning", 51.7, 53_130_752, 10.06 - BASE, 34.53),
          new Paper("lora", 80.1, 14_680_064, 8.38 - BASE, 27.75),
          new Paper("lntuning", 77.8, 266_240, 8.38 - BASE, 27.43),
          new Paper("bitfit", 75.3, 163_840, 8.38 - BASE, 27.20));

  static RunResult run(String method, String task, long seed, double score, Paper cost) {
    RunResult r = ReportTest.result(method, task, seed, score, cost.params());
    r.model = "models/llama-3-8b-instruct";
    r.cost.flopsDeltaTflops = cost.flops();
    r.measurements.peakTensorGb = cost.memory();
    return r;
  }

  @Test
  void table3IsReproducedFromThePapersFactors() {
    List<RunResult> runs = new ArrayList<>();
    for (Paper p : PAPER) {
      runs.add(run(p.method(), "sst2", 42, p.p(), p));
    }
    SeedAggregation s = new SeedAggregation(new Aggregate(runs, PscpSettings.DEFAULTS));
    // cal_psqp.py's output (np.round(..., 2)) for beta 1 and beta 2
    Map<Double, double[][]> expected =
        Map.of(
            1.0,
            new double[][] {
              {1.0, 0.97, 0.77, 55.62},
              {1.0, 0.86, 0.69, 29.49},
              {0.94, 1.0, 0.77, 33.18},
              {0.9, 0.86, 0.73, 29.26},
              {0.97, 1.0, 0.77, 60.08},
              {1.0, 1.0, 0.77, 60.19},
              {1.0, 1.0, 0.78, 58.38}
            },
            2.0,
            new double[][] {
              {1.0, 0.94, 0.59, 41.41},
              {1.0, 0.73, 0.47, 17.39},
              {0.88, 1.0, 0.6, 23.98},
              {0.82, 0.73, 0.53, 16.56},
              {0.94, 1.0, 0.6, 45.06},
              {1.0, 1.0, 0.6, 46.57},
              {1.0, 1.0, 0.6, 45.26}
            });
    for (double beta : List.of(1.0, 2.0)) {
      List<Table3.Row> rows = Table3.rows(s, "models/llama-3-8b-instruct", beta);
      assertThat(rows)
          .extracting(Table3.Row::method)
          .containsExactly(PAPER.stream().map(Paper::method).toArray(String[]::new));
      for (int i = 0; i < rows.size(); i++) {
        double[] e = expected.get(beta)[i];
        Table3.Row r = rows.get(i);
        assertThat(new double[] {r.fp(), r.ff(), r.fm(), r.pscp()})
            .as("beta %s %s", beta, r.method())
            .containsExactly(e);
        assertThat(r.p()).isEqualTo(PAPER.get(i).p());
      }
    }
    String tex = Table3.latex(s, "models/llama-3-8b-instruct", 2.0);
    assertThat(tex)
        .contains("$cost_p^{-2}$")
        .contains("lntuning & 77.8 & 1.00 & 1.00 & 0.60 & \\textbf{46.57}")
        .contains("\\underline{45.26}");
  }

  @Test
  void residentMemoryIsTheDeviceStepsAndARunWithoutOneIsRefused() {
    RunResult a = run("lora", "sst2", 42, 80.0, PAPER.get(4));
    RunResult b = run("ia3", "sst2", 42, 75.0, PAPER.get(0));
    a.measurements.residentStepDeviceGb = 12.5;
    b.measurements.residentStepDeviceGb = 7.25;
    PscpSettings resident = new PscpSettings(null, null, null, null, "resident").resolved();
    Aggregate agg = new Aggregate(List.of(a, b), resident);
    assertThat(agg.memoryGb(a)).isEqualTo(12.5);
    assertThat(agg.memoryGb(b)).isEqualTo(7.25);
    b.measurements.residentStepDeviceGb = null; // trained per operation: no device step measured
    assertThatThrownBy(() -> agg.memoryGb(b))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ia3")
        .hasMessageContaining("without a resident device step");
    assertThatThrownBy(() -> new PscpSettings(null, null, null, null, "gpu").resolved())
        .hasMessageContaining("'resident'");
  }

  @Test
  void referenceKeepsTheSeedThatSortsLastAsTextAndSeedsGetAConfidenceInterval(@TempDir Path dir)
      throws Exception {
    ResultStore store = new ResultStore(dir);
    Paper lora = PAPER.get(4);
    double[] scores = {60, 62, 64, 66, 68};
    long[] seeds = {42, 123, 456, 789, 101112};
    for (int i = 0; i < seeds.length; i++) {
      store.write(run("lora", "cb", seeds[i], scores[i], lora));
      store.write(run("lora", "copa", seeds[i], scores[i] + 10, lora));
    }
    Report.Written w = Report.write(dir);
    assertThat(w.files()).contains(dir.resolve("summary.json"));
    JsonNode j = new ObjectMapper().readTree(Files.readString(dir.resolve("summary.json")));
    assertThat(j.get("schema").asText()).isEqualTo("peftbench.summary/1");
    JsonNode cb = j.get("tasks").get(0);
    assertThat(cb.get("task").asText()).isEqualTo("cb");
    // sorted(["..._101112_...", "..._123_...", "..._42_...", "..._456_...", "..._789_..."])[-1]
    assertThat(cb.at("/reference/seed").asLong()).isEqualTo(789);
    assertThat(cb.at("/reference/score").asDouble()).isEqualTo(66.0);
    JsonNode st = cb.get("over_seeds");
    assertThat(st.get("n").asInt()).isEqualTo(5);
    assertThat(st.get("mean").asDouble()).isEqualTo(64.0);
    double s = Math.sqrt(10); // sample std of 60..68 step 2
    assertThat(st.get("std").asDouble()).isCloseTo(s, within(1e-12));
    assertThat(st.get("std_population").asDouble()).isCloseTo(Math.sqrt(8), within(1e-12));
    double half = 2.7764451051977934 * s / Math.sqrt(5); // scipy t.ppf(0.975, 4)
    assertThat(st.get("ci95_low").asDouble()).isCloseTo(64 - half, within(1e-9));
    assertThat(st.get("ci95_high").asDouble()).isCloseTo(64 + half, within(1e-9));

    JsonNode m = j.get("methods").get(0);
    assertThat(m.at("/reference/performance").asDouble()).isEqualTo((66.0 + 76.0) / 2);
    assertThat(m.at("/over_seeds/performance/mean").asDouble()).isEqualTo(69.0);
    assertThat(m.at("/reference/pscp/1/pscp").asDouble())
        .isCloseTo(71.0 / (1 + 14_680_064 / 5e8) / (1 + 27.75 / 94), within(1e-9));
    assertThat(m.at("/reference/pscp/2/cost_memory_factor").asDouble())
        .isCloseTo(Math.pow(1 + 27.75 / 94, -2), within(1e-12));
    assertThat(m.at("/over_seeds/pscp/2/n").asInt()).isEqualTo(5);

    List<CSVRecord> csv =
        CSVFormat.DEFAULT
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .get()
            .parse(new StringReader(Files.readString(dir.resolve("results.csv"))))
            .getRecords();
    assertThat(csv).hasSize(10);
    CSVRecord first = csv.get(0);
    for (String col :
        List.of(
            "pscp_beta1",
            "pscp_beta2",
            "cost_params_factor_beta1",
            "cost_flops_factor_beta2",
            "cost_memory_factor_beta2",
            "pscp_memory_gb",
            "protocol")) {
      assertThat(first.isMapped(col)).as(col).isTrue();
    }
    double score = Double.parseDouble(first.get("score_percent"));
    assertThat(Double.parseDouble(first.get("pscp_beta1")))
        .isCloseTo(score / (1 + 14_680_064 / 5e8) / (1 + 27.75 / 94), within(1e-9));
    assertThat(w.markdown()).contains("Table 3 layout, llama-3-8b-instruct, β = 2");
  }
}
