package org.peftbench.harness.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.peftbench.harness.pscp.Pscp;

/**
 * The report's tables as Markdown and LaTeX: task × method test scores (mean ± std over seeds, in
 * percent) per model, and the PSCP table with its cost factors for every β.
 */
public final class Tables {
  private Tables() {}

  /** A plain table: a header row and body rows of cells. */
  public record Table(String caption, List<String> header, List<List<String>> rows) {}

  /** One table per model: rows = tasks (+ the mean), columns = methods. */
  public static List<Table> scoreTables(Aggregate a) {
    List<Table> out = new ArrayList<>();
    for (String model : a.models()) {
      List<String> header = new ArrayList<>();
      header.add("task (metric)");
      header.addAll(a.methods());
      List<List<String>> rows = new ArrayList<>();
      for (String task : a.tasks()) {
        List<String> row = new ArrayList<>();
        String metric = a.mainMetric(task);
        row.add(metric.isEmpty() ? task : task + " (" + metric + ")");
        for (String method : a.methods()) {
          row.add(cell(a.score(model, method, task)));
        }
        rows.add(row);
      }
      List<String> mean = new ArrayList<>();
      mean.add("mean P");
      for (String method : a.methods()) {
        mean.add(
            a.methodSummaries().stream()
                .filter(s -> s.model().equals(model) && s.method().equals(method))
                .findFirst()
                .map(s -> fmt(s.performance(), 2))
                .orElse("–"));
      }
      rows.add(mean);
      out.add(new Table("Test score (%) of " + model + ", mean ± std over seeds", header, rows));
    }
    return out;
  }

  /** The PSCP table: P, the three costs, and per β the three factors and PSCP. */
  public static Table pscpTable(Aggregate a) {
    List<String> header =
        new ArrayList<>(List.of("model", "method", "P (%)", "M_p params", "M_f TFLOPs", "M_m GB"));
    List<Double> betas = a.pscpSettings().betas();
    for (double beta : betas) {
      String b = fmt(beta, 0);
      header.add("f_p β=" + b);
      header.add("f_f β=" + b);
      header.add("f_m β=" + b);
      header.add("PSCP β=" + b);
    }
    List<List<String>> rows = new ArrayList<>();
    for (Aggregate.MethodSummary s : a.methodSummaries()) {
      List<String> row = new ArrayList<>();
      row.add(shortModel(s.model()));
      row.add(s.method());
      row.add(fmt(s.performance(), 2));
      row.add(String.format(Locale.ROOT, "%,.0f", s.trainableParams()));
      row.add(sci(s.flopsDeltaTflops()));
      row.add(sci(s.memoryGb()));
      for (double beta : betas) {
        Pscp.Breakdown b = s.pscpByBeta().get(beta);
        row.add(fmt(b.paramsFactor(), 6));
        row.add(fmt(b.flopsFactor(), 6));
        row.add(fmt(b.memoryFactor(), 6));
        row.add(fmt(b.pscp(), 3));
      }
      rows.add(row);
    }
    var c = a.pscpSettings();
    return new Table(
        String.format(
            Locale.ROOT,
            "PSCP (C_p = %.3g params, C_f = %.3g TFLOPs, C_m = %.3g GB; M_m = peak %s memory)",
            c.cParams(),
            c.cFlops(),
            c.cMemory(),
            switch (c.memory()) {
              case "rss" -> "process RSS";
              case "resident" -> "resident device step";
              case "tensor" -> "live tensor";
              default -> "device-equivalent";
            }),
        header,
        rows);
  }

  /**
   * Measured costs per (model, method), means over its completed runs: seconds per training step,
   * peak memory, and inference speed of the base and the adapted model (FLOPs unmerged, as trained;
   * speeds merged where possible).
   */
  public static Table costTable(Aggregate a) {
    List<String> header =
        List.of(
            "model",
            "method",
            "trainable params",
            "fwd GFLOPs base",
            "fwd GFLOPs adapted",
            "s/step",
            "device-equiv. GB",
            "peak RSS GB",
            "peak tensors GB",
            "prefill tok/s base",
            "prefill tok/s adapted",
            "decode tok/s base",
            "decode tok/s adapted");
    List<List<String>> rows = new ArrayList<>();
    for (String model : a.models()) {
      for (String method : a.methods()) {
        List<org.peftbench.harness.results.RunResult> runs =
            a.completed().stream()
                .filter(r -> r.model.equals(model) && r.method.equals(method))
                .toList();
        if (runs.isEmpty()) {
          continue;
        }
        rows.add(
            List.of(
                shortModel(model),
                method,
                String.format(
                    Locale.ROOT, "%,.0f", mean(runs, r -> (double) r.cost.trainableParams)),
                fmt(mean(runs, r -> r.cost.forwardFlopsBase / 1e9), 3),
                fmt(mean(runs, r -> r.cost.forwardFlopsAdapted / 1e9), 3),
                fmt(mean(runs, r -> r.measurements.secondsPerStep), 3),
                fmt(mean(runs, r -> r.cost.deviceMemoryGb), 3),
                fmt(mean(runs, r -> r.measurements.peakRssGb), 3),
                fmt(mean(runs, r -> r.measurements.peakTensorGb), 3),
                fmt(mean(runs, r -> r.measurements.prefillTokensPerSecondBase), 0),
                fmt(mean(runs, r -> r.measurements.prefillTokensPerSecondAdapted), 0),
                fmt(mean(runs, r -> r.measurements.decodeTokensPerSecondBase), 0),
                fmt(mean(runs, r -> r.measurements.decodeTokensPerSecondAdapted), 0)));
      }
    }
    return new Table(
        "Measured costs (means over runs; forward FLOPs of one 512-token sequence, adapted ="
            + " unmerged, as trained; speeds as served, merged where the method allows)",
        header,
        rows);
  }

  /** Mean of the non-null values, NaN when there are none. */
  private static double mean(
      List<org.peftbench.harness.results.RunResult> runs,
      java.util.function.Function<org.peftbench.harness.results.RunResult, Double> f) {
    double s = 0;
    int n = 0;
    for (var r : runs) {
      Double v = f.apply(r);
      if (v != null && !v.isNaN()) {
        s += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }

  public static String markdown(Table t) {
    StringBuilder sb = new StringBuilder();
    sb.append("**").append(t.caption()).append("**\n\n");
    sb.append("| ").append(String.join(" | ", t.header())).append(" |\n");
    sb.append("|").append(" --- |".repeat(t.header().size())).append("\n");
    for (List<String> row : t.rows()) {
      sb.append("| ")
          .append(String.join(" | ", row.stream().map(c -> c.replace("|", "\\|")).toList()))
          .append(" |\n");
    }
    return sb.toString();
  }

  public static String latex(Table t) {
    StringBuilder sb = new StringBuilder();
    sb.append("\\begin{table}[t]\n\\centering\n\\small\n");
    sb.append("\\begin{tabular}{l").append("r".repeat(t.header().size() - 1)).append("}\n");
    sb.append("\\toprule\n");
    sb.append(String.join(" & ", t.header().stream().map(Tables::tex).toList()))
        .append(" \\\\\n\\midrule\n");
    for (List<String> row : t.rows()) {
      sb.append(String.join(" & ", row.stream().map(Tables::tex).toList())).append(" \\\\\n");
    }
    sb.append("\\bottomrule\n\\end{tabular}\n");
    sb.append("\\caption{").append(tex(t.caption())).append("}\n\\end{table}\n");
    return sb.toString();
  }

  /** Escapes LaTeX specials and maps ±, β, – to math/text forms. */
  static String tex(String s) {
    StringBuilder sb = new StringBuilder();
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '\\' -> sb.append("\\textbackslash{}");
        case '_', '%', '&', '#', '$', '{', '}' -> sb.append('\\').append(ch);
        case '~' -> sb.append("\\textasciitilde{}");
        case '^' -> sb.append("\\textasciicircum{}");
        case '±' -> sb.append("$\\pm$");
        case 'β' -> sb.append("$\\beta$");
        case '–' -> sb.append("--");
        case '×' -> sb.append("$\\times$");
        default -> sb.append(ch);
      }
    }
    return sb.toString();
  }

  static String cell(Aggregate.Stat s) {
    if (s.n() == 0) {
      return "–";
    }
    return s.n() == 1 ? fmt(s.mean(), 2) : fmt(s.mean(), 2) + " ± " + fmt(s.std(), 2);
  }

  static String fmt(double v, int decimals) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  static String sci(double v) {
    return v == 0 ? "0" : String.format(Locale.ROOT, "%.3e", v);
  }

  static String shortModel(String model) {
    int slash = Math.max(model.lastIndexOf('/'), model.lastIndexOf('\\'));
    return slash >= 0 ? model.substring(slash + 1) : model;
  }
}
