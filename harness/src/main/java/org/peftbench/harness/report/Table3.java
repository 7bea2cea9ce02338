package org.peftbench.harness.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.peftbench.harness.pscp.Pscp;

/**
 * The paper's Table 3 layout (PEFT-Bench's {@code scripts/peftbench/cal_psqp.py}): one row per
 * method with {@code P_avg}, the three cost factors {@code cost^−β} and PSCP, each rounded to two
 * decimals as the script does; in LaTeX the best PSCP bold and the second underlined. {@code P_avg}
 * is the reference aggregation's (one run per task, see {@link SeedAggregation}).
 */
public final class Table3 {
  private Table3() {}

  /** The rows of one model for one β: method, P, f_p, f_f, f_m, PSCP. */
  public record Row(String method, double p, double fp, double ff, double fm, double pscp) {}

  public static List<Row> rows(SeedAggregation s, String model, double beta) {
    List<Row> out = new ArrayList<>();
    for (SeedAggregation.MethodRow m : s.methodRows()) {
      if (!m.model().equals(model)) {
        continue;
      }
      Pscp.Breakdown b = m.referencePscp().get(beta);
      out.add(
          new Row(
              m.method(),
              b.performance(),
              round2(b.paramsFactor()),
              round2(b.flopsFactor()),
              round2(b.memoryFactor()),
              round2(b.pscp())));
    }
    return out;
  }

  /** Python's {@code round(x, 2)} as numpy does it (half to even on the scaled value). */
  static double round2(double x) {
    return Math.rint(x * 100) / 100;
  }

  public static Tables.Table table(SeedAggregation s, String model, double beta) {
    String b = SummaryJson.betaKey(beta);
    List<List<String>> rows = new ArrayList<>();
    for (Row r : rows(s, model, beta)) {
      rows.add(
          List.of(
              r.method(),
              fmt(r.p(), 1),
              fmt(r.fp(), 2),
              fmt(r.ff(), 2),
              fmt(r.fm(), 2),
              fmt(r.pscp(), 2)));
    }
    return new Tables.Table(
        "Table 3 layout, " + shortModel(model) + ", β = " + b + " (P_avg: one run per task)",
        List.of("PEFT method", "P_avg", "cost_p^-" + b, "cost_f^-" + b, "cost_m^-" + b, "PSCP"),
        rows);
  }

  /** LaTeX as cal_psqp.py prints it: booktabs, best PSCP bold, second underlined. */
  public static String latex(SeedAggregation s, String model, double beta) {
    List<Row> rows = rows(s, model, beta);
    List<Double> sorted = rows.stream().map(Row::pscp).sorted(Comparator.reverseOrder()).toList();
    double best = sorted.isEmpty() ? Double.NaN : sorted.get(0);
    double second = sorted.size() < 2 ? Double.NaN : sorted.get(1);
    String b = SummaryJson.betaKey(beta);
    StringBuilder t = new StringBuilder();
    t.append("\\begin{table}[ht]\n\\centering\n\\resizebox{\\columnwidth}{!}{%\n");
    t.append("\\begin{tabular}{@{}l|lllll@{}}\n\\toprule\n");
    t.append("PEFT Method & $P_{avg}$ & $cost_p^{-")
        .append(b)
        .append("}$ & $cost_f^{-")
        .append(b)
        .append("}$ & $cost_m^{-")
        .append(b)
        .append("}$ & PSCP \\\\ \\midrule\n");
    for (Row r : rows) {
      String pscp = fmt(r.pscp(), 2);
      if (r.pscp() == best) {
        pscp = "\\textbf{" + pscp + "}";
      } else if (r.pscp() == second) {
        pscp = "\\underline{" + pscp + "}";
      }
      t.append(
              String.join(
                  " & ",
                  Tables.tex(r.method()),
                  fmt(r.p(), 1),
                  fmt(r.fp(), 2),
                  fmt(r.ff(), 2),
                  fmt(r.fm(), 2),
                  pscp))
          .append(" \\\\\n");
    }
    t.append("\\bottomrule\n\\end{tabular}%\n}\n");
    t.append("\\caption{PSCP, ")
        .append(Tables.tex(shortModel(model)))
        .append(", $\\beta = ")
        .append(b)
        .append("$}\n\\end{table}\n");
    return t.toString();
  }

  private static String fmt(double v, int digits) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : "";
  }

  private static String shortModel(String model) {
    return java.nio.file.Path.of(model).getFileName().toString();
  }
}
