package org.peftbench.harness.report;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.peftbench.harness.pscp.Pscp;
import org.peftbench.harness.results.RunResult;

/**
 * {@code results.csv}: one row per run with its score, every test metric, every cost, and, with an
 * {@link Aggregate}'s PSCP settings, the run's own PSCP factors and PSCP for every β (its score as
 * P; M_m is the memory measurement the settings name).
 */
public final class CsvExport {
  private CsvExport() {}

  public static String csv(List<RunResult> runs) {
    return csv(runs, null);
  }

  public static String csv(List<RunResult> runs, Aggregate pscpSource) {
    TreeSet<String> metricNames = new TreeSet<>();
    for (RunResult r : runs) {
      if (r.test != null) {
        metricNames.addAll(r.test.metrics.keySet());
      }
    }
    List<String> header =
        new ArrayList<>(
            List.of(
                "run_id",
                "model",
                "method",
                "peft_type",
                "task",
                "seed",
                "status",
                "eval_mode",
                "main_metric",
                "score_percent",
                "steps",
                "best_step",
                "best_validation_loss",
                "trainable_params",
                "total_params",
                "forward_flops_base",
                "forward_flops_adapted",
                "flops_delta_tflops",
                "device_memory_gb",
                "peak_rss_gb",
                "peak_tensor_gb",
                "resident_step_device_gb",
                "seconds_per_step",
                "prefill_tok_s_base",
                "decode_tok_s_base",
                "prefill_tok_s_adapted",
                "decode_tok_s_adapted"));
    for (String m : metricNames) {
      header.add("metric_" + m);
    }
    header.add("protocol");
    List<Double> betas = pscpSource == null ? List.of() : pscpSource.pscpSettings().betas();
    if (pscpSource != null) {
      header.add("pscp_memory_gb");
      for (double beta : betas) {
        String b = SummaryJson.betaKey(beta);
        header.add("cost_params_factor_beta" + b);
        header.add("cost_flops_factor_beta" + b);
        header.add("cost_memory_factor_beta" + b);
        header.add("pscp_beta" + b);
      }
    }
    StringWriter w = new StringWriter();
    try (CSVPrinter p =
        new CSVPrinter(
            w, CSVFormat.DEFAULT.builder().setHeader(header.toArray(String[]::new)).get())) {
      for (RunResult r : runs) {
        List<Object> row = new ArrayList<>();
        row.add(r.runId);
        row.add(r.model);
        row.add(r.method);
        row.add(r.peftType);
        row.add(r.task);
        row.add(r.seed);
        row.add(r.status);
        row.add(r.test == null ? "" : r.test.mode);
        row.add(r.test == null ? "" : r.test.mainMetric);
        row.add(r.test == null ? "" : r.test.scorePercent);
        row.add(r.train.steps);
        row.add(blank(r.train.bestStep));
        row.add(blank(r.train.bestValidationLoss));
        row.add(r.cost.trainableParams);
        row.add(r.cost.totalParams);
        row.add(r.cost.forwardFlopsBase);
        row.add(r.cost.forwardFlopsAdapted);
        row.add(r.cost.flopsDeltaTflops);
        row.add(blank(r.cost.deviceMemoryGb));
        var m = r.measurements;
        row.add(blank(m.peakRssGb));
        row.add(blank(m.peakTensorGb));
        row.add(blank(m.residentStepDeviceGb));
        row.add(blank(m.secondsPerStep));
        row.add(blank(m.prefillTokensPerSecondBase));
        row.add(blank(m.decodeTokensPerSecondBase));
        row.add(blank(m.prefillTokensPerSecondAdapted));
        row.add(blank(m.decodeTokensPerSecondAdapted));
        Map<String, Double> metrics = r.test == null ? Map.of() : r.test.metrics;
        for (String name : metricNames) {
          row.add(blank(metrics.get(name)));
        }
        row.add(r.config == null ? "" : r.config.path("protocol").asText(""));
        if (pscpSource != null) {
          double memory = pscpSource.memoryGb(r);
          row.add(memory);
          for (double beta : betas) {
            if (r.test == null) {
              row.addAll(List.of("", "", "", ""));
              continue;
            }
            Pscp.Breakdown b =
                pscpSource
                    .pscpSettings()
                    .pscp(beta)
                    .breakdown(
                        r.test.scorePercent,
                        new Pscp.Costs(
                            r.cost.trainableParams, Math.max(0, r.cost.flopsDeltaTflops), memory));
            row.add(b.paramsFactor());
            row.add(b.flopsFactor());
            row.add(b.memoryFactor());
            row.add(b.pscp());
          }
        }
        p.printRecord(row);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return w.toString();
  }

  private static Object blank(Object o) {
    return o == null ? "" : o;
  }
}
