package org.peftbench.harness.report;

import static org.peftbench.harness.report.SvgPlots.esc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.peftbench.harness.results.RunResult;

/**
 * The self-contained HTML report: the tables and four kinds of plots, all inline SVG (no scripts or
 * styles from elsewhere, so it opens offline and can be mailed as one file).
 *
 * <p>Each plot is a {@code <figure class="plot" data-plot="...">}. A few lines of inline script
 * mark each figure {@code data-rendered="ok"} once its SVG has laid out with a non-empty box and
 * drawn marks; {@code tools/check_report_in_browser.sh} loads the page in headless Chromium and
 * counts those marks.
 */
public final class HtmlReport {
  private HtmlReport() {}

  public static String html(String title, Aggregate a) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
        .append(esc(title))
        .append("</title>\n<style>\n")
        .append(
            "body{font-family:sans-serif;margin:2em;max-width:1200px}"
                + "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
                + "th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}"
                + "th:first-child,td:first-child{text-align:left}"
                + "figure{margin:1.5em 0}svg{max-width:100%;height:auto}"
                + ".failed{color:#b00}\n")
        .append("</style>\n</head>\n<body>\n<h1>")
        .append(esc(title))
        .append("</h1>\n");
    long ok = a.completed().size();
    sb.append("<p>")
        .append(a.all().size())
        .append(" runs, ")
        .append(ok)
        .append(" completed.</p>\n");
    failures(sb, a);

    sb.append("<h2>Scores</h2>\n");
    for (Tables.Table t : Tables.scoreTables(a)) {
      table(sb, t);
    }
    sb.append("<h2>PSCP</h2>\n");
    table(sb, Tables.pscpTable(a));
    sb.append("<h2>Costs</h2>\n");
    table(sb, Tables.costTable(a));

    MethodCards.section(sb, a);

    sb.append("<h2>Plots</h2>\n");
    List<Aggregate.MethodSummary> summaries = a.methodSummaries();
    for (String model : a.models()) {
      String m = Tables.shortModel(model);
      List<Aggregate.MethodSummary> ms =
          summaries.stream().filter(s -> s.model().equals(model)).toList();
      List<SvgPlots.Point> pts = new ArrayList<>();
      for (var s : ms) {
        pts.add(new SvgPlots.Point(s.method(), Math.max(1, s.trainableParams()), s.performance()));
      }
      figure(
          sb,
          "pareto",
          SvgPlots.pareto(
              "Score vs trainable parameters, " + m + " (dashed: Pareto front)",
              "trainable parameters",
              "mean score P (%)",
              pts));

      List<String> methods = ms.stream().map(Aggregate.MethodSummary::method).toList();
      Map<String, List<Double>> series = new LinkedHashMap<>();
      for (double beta : a.pscpSettings().betas()) {
        series.put(
            "PSCP β=" + Tables.fmt(beta, 0),
            ms.stream().map(s -> s.pscpByBeta().get(beta).pscp()).toList());
      }
      figure(sb, "pscp", SvgPlots.bars("PSCP by method, " + m, "PSCP", methods, series));

      List<String> tasks = a.tasks();
      List<String> allMethods = a.methods();
      double[][] v = new double[tasks.size()][allMethods.size()];
      for (int t = 0; t < tasks.size(); t++) {
        for (int k = 0; k < allMethods.size(); k++) {
          v[t][k] = a.score(model, allMethods.get(k), tasks.get(t)).mean();
        }
      }
      figure(
          sb,
          "heatmap",
          SvgPlots.heatmap("Test score (%) per task and method, " + m, tasks, allMethods, v));

      for (String task : tasks) {
        List<SvgPlots.Curve> curves = new ArrayList<>();
        for (String method : allMethods) {
          a.all().stream()
              .filter(
                  r ->
                      r.model.equals(model)
                          && r.task.equals(task)
                          && r.method.equals(method)
                          && (!r.train.losses.isEmpty() || !r.evaluations.isEmpty()))
              .findFirst()
              .ifPresent(r -> curves.add(MethodCards.curve(r)));
        }
        figure(
            sb,
            "loss",
            SvgPlots.trainingCurves("Training and validation loss, " + task + ", " + m, curves));
      }
    }
    sb.append(RENDER_CHECK);
    sb.append("</body>\n</html>\n");
    return sb.toString();
  }

  /**
   * Marks every figure whose SVG laid out with a positive size and contains drawn marks; the body
   * gets data-plots="rendered/total".
   */
  static final String RENDER_CHECK =
      """
      <script>
      window.addEventListener('load', function () {
        var figs = document.querySelectorAll('figure.plot');
        var ok = 0;
        figs.forEach(function (f) {
          var svg = f.querySelector('svg');
          if (!svg) { f.setAttribute('data-rendered', 'missing'); return; }
          var box = svg.getBoundingClientRect();
          var marks = svg.querySelectorAll('.mark');
          var drawn = 0;
          marks.forEach(function (m) { var b = m.getBBox(); if (b.width > 0 || b.height > 0) drawn++; });
          if (box.width > 0 && box.height > 0 && drawn > 0) { f.setAttribute('data-rendered', 'ok'); ok++; }
          else { f.setAttribute('data-rendered', 'empty'); }
        });
        document.body.setAttribute('data-plots', ok + '/' + figs.length);
      });
      </script>
      """;

  private static void figure(StringBuilder sb, String kind, String svg) {
    sb.append("<figure class=\"plot\" data-plot=\"").append(kind).append("\">\n");
    sb.append(svg);
    sb.append("</figure>\n");
  }

  private static void table(StringBuilder sb, Tables.Table t) {
    sb.append("<table>\n<caption>").append(esc(t.caption())).append("</caption>\n<tr>");
    for (String h : t.header()) {
      sb.append("<th>").append(esc(h)).append("</th>");
    }
    sb.append("</tr>\n");
    for (List<String> row : t.rows()) {
      sb.append("<tr>");
      for (String c : row) {
        sb.append("<td>").append(esc(c)).append("</td>");
      }
      sb.append("</tr>\n");
    }
    sb.append("</table>\n");
  }

  private static void failures(StringBuilder sb, Aggregate a) {
    List<RunResult> bad =
        a.all().stream().filter(r -> r.status != RunResult.Status.COMPLETED).toList();
    if (bad.isEmpty()) {
      return;
    }
    sb.append("<h2 class=\"failed\">Runs that did not complete</h2>\n<ul>\n");
    for (RunResult r : bad) {
      sb.append(
          String.format(
              Locale.ROOT,
              "<li class=\"failed\">%s: %s — %s</li>\n",
              esc(r.runId),
              r.status,
              esc(r.statusMessage)));
    }
    sb.append("</ul>\n");
  }
}
