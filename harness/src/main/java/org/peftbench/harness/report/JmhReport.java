package org.peftbench.harness.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.peftbench.bench.JmhResults;
import org.peftbench.bench.JmhResults.Comparison;
import org.peftbench.bench.JmhResults.Result;

/**
 * A comparison of JMH result files ({@link JmhResults}) as a self-contained HTML page: a bar chart
 * of the ratios of the last file's scores to the first's, and the table.
 */
public final class JmhReport {
  private JmhReport() {}

  /** A self-contained HTML page: the table and, for two or more files, a chart of the ratios. */
  public static String html(Comparison c) {
    StringBuilder sb =
        new StringBuilder(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>JMH results</title>"
                + "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
                + "td:first-child{text-align:left}</style></head><body><h1>JMH results</h1>\n");
    if (c.labels().size() > 1) {
      List<String> cats = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      for (String k : c.rows().keySet()) {
        double q = c.ratio(k);
        if (!Double.isNaN(q)) {
          cats.add(k);
          ratios.add(q);
        }
      }
      String last = c.labels().get(c.labels().size() - 1);
      sb.append(
          SvgPlots.bars(
              last + " / " + c.labels().get(0) + " (score ratio)",
              "ratio",
              cats,
              Map.of(last + " / " + c.labels().get(0), ratios)));
    }
    sb.append("<table><tr><th>benchmark</th><th>mode</th><th>unit</th>");
    for (String l : c.labels()) {
      sb.append("<th>").append(SvgPlots.esc(l)).append("</th>");
    }
    sb.append(c.labels().size() > 1 ? "<th>ratio</th>" : "").append("</tr>\n");
    for (Map.Entry<String, Result[]> e : c.rows().entrySet()) {
      Result any = JmhResults.first(e.getValue());
      sb.append("<tr><td>").append(SvgPlots.esc(e.getKey())).append("</td><td>");
      sb.append(SvgPlots.esc(any.mode())).append("</td><td>").append(SvgPlots.esc(any.unit()));
      sb.append("</td>");
      for (Result r : e.getValue()) {
        sb.append("<td>").append(r == null ? "—" : JmhResults.score(r)).append("</td>");
      }
      if (c.labels().size() > 1) {
        double q = c.ratio(e.getKey());
        sb.append("<td>")
            .append(Double.isNaN(q) ? "—" : String.format(Locale.ROOT, "%.3f", q))
            .append("</td>");
      }
      sb.append("</tr>\n");
    }
    return sb.append("</table></body></html>\n").toString();
  }
}
