package org.peftbench.harness.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small inline-SVG charts for the HTML report, drawn by hand so the report needs no JavaScript
 * library and no network: a scatter plot with its Pareto front, grouped bars, a heatmap, line
 * charts. Every chart is a complete {@code <svg>} element with a viewBox (it scales with the page).
 */
public final class SvgPlots {
  private SvgPlots() {}

  static final String[] PALETTE = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf"
  };

  static final int W = 640;
  static final int H = 380;
  static final int LEFT = 70;
  static final int RIGHT = 170;
  static final int TOP = 30;
  static final int BOTTOM = 50;

  /** A labelled point. */
  public record Point(String label, double x, double y) {}

  /** A named line. */
  public record Series(String name, List<Double> ys) {}

  /**
   * Score (y) against a cost (x, log10 scale) with the Pareto front: the points no other point
   * beats on both lower cost and higher score, joined by a step line.
   */
  public static String pareto(String title, String xLabel, String yLabel, List<Point> points) {
    StringBuilder sb = open(title);
    if (points.isEmpty()) {
      return empty(sb);
    }
    double[] xs = points.stream().mapToDouble(p -> Math.log10(Math.max(p.x(), 1e-12))).toArray();
    double xmin = min(xs) - 0.3;
    double xmax = max(xs) + 0.3;
    double ymin = Math.min(0, points.stream().mapToDouble(Point::y).min().orElse(0));
    double ymax = Math.max(1, points.stream().mapToDouble(Point::y).max().orElse(1)) * 1.1;
    axes(sb, xLabel + " (log10)", yLabel, xmin, xmax, ymin, ymax);
    List<Point> front = paretoFront(points);
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < front.size(); i++) {
      Point p = front.get(i);
      double px = sx(Math.log10(Math.max(p.x(), 1e-12)), xmin, xmax);
      double py = sy(p.y(), ymin, ymax);
      if (i > 0) {
        path.append(" H").append(f(px));
      }
      path.append(i == 0 ? "M" : " V").append(i == 0 ? f(px) + "," + f(py) : f(py));
    }
    sb.append("<path class=\"front\" d=\"")
        .append(path)
        .append("\" fill=\"none\" stroke=\"#444\" stroke-dasharray=\"4 3\"/>\n");
    for (int i = 0; i < points.size(); i++) {
      Point p = points.get(i);
      double px = sx(xs[i], xmin, xmax);
      double py = sy(p.y(), ymin, ymax);
      String color = PALETTE[i % PALETTE.length];
      sb.append(
          String.format(
              Locale.ROOT,
              "<circle class=\"mark\" cx=\"%s\" cy=\"%s\" r=\"6\" fill=\"%s\"><title>%s: %s = %.4g, %s = %.2f</title></circle>\n",
              f(px),
              f(py),
              color,
              esc(p.label()),
              esc(xLabel),
              p.x(),
              esc(yLabel),
              p.y()));
      legend(sb, i, p.label(), color);
    }
    return close(sb);
  }

  /** The Pareto-optimal points (min x, max y), sorted by x. */
  public static List<Point> paretoFront(List<Point> points) {
    List<Point> sorted = new ArrayList<>(points);
    sorted.sort(Comparator.comparingDouble(Point::x).thenComparing(p -> -p.y()));
    List<Point> front = new ArrayList<>();
    double best = Double.NEGATIVE_INFINITY;
    for (Point p : sorted) {
      if (p.y() > best) {
        front.add(p);
        best = p.y();
      }
    }
    return front;
  }

  /** Grouped vertical bars: one group per category, one bar per series. */
  public static String bars(
      String title, String yLabel, List<String> categories, Map<String, List<Double>> series) {
    StringBuilder sb = open(title);
    if (categories.isEmpty()) {
      return empty(sb);
    }
    double ymax = 1;
    for (List<Double> v : series.values()) {
      for (double d : v) {
        ymax = Math.max(ymax, d);
      }
    }
    ymax *= 1.1;
    axes(sb, "", yLabel, 0, categories.size(), 0, ymax);
    double groupW = (double) (W - LEFT - RIGHT) / categories.size();
    double barW = groupW * 0.8 / Math.max(1, series.size());
    int s = 0;
    for (Map.Entry<String, List<Double>> e : series.entrySet()) {
      String color = PALETTE[s % PALETTE.length];
      for (int c = 0; c < categories.size(); c++) {
        double v = e.getValue().get(c);
        double x = LEFT + c * groupW + groupW * 0.1 + s * barW;
        double y = sy(v, 0, ymax);
        sb.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"mark\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"><title>%s, %s: %.3f</title></rect>\n",
                f(x),
                f(y),
                f(barW),
                f(Math.max(0.5, H - BOTTOM - y)),
                color,
                esc(categories.get(c)),
                esc(e.getKey()),
                v));
      }
      legend(sb, s, e.getKey(), color);
      s++;
    }
    for (int c = 0; c < categories.size(); c++) {
      double x = LEFT + (c + 0.5) * groupW;
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%s\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-30 %s %d)\">%s</text>\n",
              f(x),
              H - BOTTOM + 14,
              f(x),
              H - BOTTOM + 14,
              esc(categories.get(c))));
    }
    return close(sb);
  }

  /** A rows × columns grid coloured by value (NaN = grey), values written in the cells. */
  public static String heatmap(
      String title, List<String> rows, List<String> cols, double[][] values) {
    int cellW = Math.max(50, Math.min(90, 560 / Math.max(1, cols.size())));
    int cellH = 24;
    int left = 150;
    int top = 70;
    int w = left + cellW * cols.size() + 20;
    int h = top + cellH * rows.size() + 20;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double[] r : values) {
      for (double v : r) {
        if (!Double.isNaN(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    StringBuilder sb = open(title, w, h, 10);
    for (int c = 0; c < cols.size(); c++) {
      int x = left + c * cellW + cellW / 2;
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"start\" transform=\"rotate(-30 %d %d)\">%s</text>\n",
              x,
              top - 6,
              x,
              top - 6,
              esc(cols.get(c))));
    }
    for (int r = 0; r < rows.size(); r++) {
      int y = top + r * cellH;
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
              left - 6,
              y + 16,
              esc(rows.get(r))));
      for (int c = 0; c < cols.size(); c++) {
        double v = values[r][c];
        String fill = Double.isNaN(v) ? "#dddddd" : color(hi > lo ? (v - lo) / (hi - lo) : 0.5);
        int x = left + c * cellW;
        sb.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"mark\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"><title>%s / %s: %s</title></rect>\n",
                x,
                y,
                cellW,
                cellH,
                fill,
                esc(rows.get(r)),
                esc(cols.get(c)),
                Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v)));
        sb.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
                x + cellW / 2,
                y + 16,
                Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v)));
      }
    }
    return sb.append("</svg>\n").toString();
  }

  /** Line chart of several series against their index (e.g. training loss per step). */
  public static String lines(String title, String xLabel, String yLabel, List<Series> series) {
    StringBuilder sb = open(title);
    List<Series> nonEmpty = series.stream().filter(s -> !s.ys().isEmpty()).toList();
    if (nonEmpty.isEmpty()) {
      return empty(sb);
    }
    int n = nonEmpty.stream().mapToInt(s -> s.ys().size()).max().orElse(1);
    double ymin = Double.POSITIVE_INFINITY;
    double ymax = Double.NEGATIVE_INFINITY;
    for (Series s : nonEmpty) {
      for (double y : s.ys()) {
        if (Double.isFinite(y)) {
          ymin = Math.min(ymin, y);
          ymax = Math.max(ymax, y);
        }
      }
    }
    if (!(ymax > ymin)) {
      ymax = ymin + 1;
    }
    axes(sb, xLabel, yLabel, 1, Math.max(2, n), ymin, ymax);
    for (int i = 0; i < nonEmpty.size(); i++) {
      Series s = nonEmpty.get(i);
      String color = PALETTE[i % PALETTE.length];
      StringBuilder pts = new StringBuilder();
      for (int k = 0; k < s.ys().size(); k++) {
        double y = s.ys().get(k);
        if (!Double.isFinite(y)) {
          continue;
        }
        pts.append(f(sx(k + 1, 1, Math.max(2, n))))
            .append(',')
            .append(f(sy(y, ymin, ymax)))
            .append(' ');
      }
      sb.append("<polyline class=\"mark\" fill=\"none\" stroke-width=\"1.5\" stroke=\"")
          .append(color)
          .append("\" points=\"")
          .append(pts.toString().trim())
          .append("\"><title>")
          .append(esc(s.name()))
          .append("</title></polyline>\n");
      legend(sb, i, s.name(), color);
    }
    return close(sb);
  }

  /** A training curve: the loss per optimizer step and the validation losses at their steps. */
  public record Curve(String name, List<Double> trainLoss, List<double[]> validation) {}

  /**
   * Training curves: each run's loss per step as a line, its validation losses as dots (same
   * colour) at the steps they were measured.
   */
  public static String trainingCurves(String title, List<Curve> curves) {
    StringBuilder sb = open(title);
    List<Curve> nonEmpty =
        curves.stream().filter(c -> !c.trainLoss().isEmpty() || !c.validation().isEmpty()).toList();
    if (nonEmpty.isEmpty()) {
      return empty(sb);
    }
    double n = 2, ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
    for (Curve c : nonEmpty) {
      n = Math.max(n, c.trainLoss().size());
      for (double y : c.trainLoss()) {
        if (Double.isFinite(y)) {
          ymin = Math.min(ymin, y);
          ymax = Math.max(ymax, y);
        }
      }
      for (double[] v : c.validation()) {
        n = Math.max(n, v[0]);
        if (Double.isFinite(v[1])) {
          ymin = Math.min(ymin, v[1]);
          ymax = Math.max(ymax, v[1]);
        }
      }
    }
    if (!(ymax > ymin)) {
      ymax = ymin + 1;
    }
    axes(sb, "optimizer step", "loss (line: training, dots: validation)", 1, n, ymin, ymax);
    for (int i = 0; i < nonEmpty.size(); i++) {
      Curve c = nonEmpty.get(i);
      String color = PALETTE[i % PALETTE.length];
      StringBuilder pts = new StringBuilder();
      for (int k = 0; k < c.trainLoss().size(); k++) {
        double y = c.trainLoss().get(k);
        if (Double.isFinite(y)) {
          pts.append(f(sx(k + 1, 1, n))).append(',').append(f(sy(y, ymin, ymax))).append(' ');
        }
      }
      if (pts.length() > 0) {
        sb.append("<polyline class=\"mark\" fill=\"none\" stroke-width=\"1.5\" stroke=\"")
            .append(color)
            .append("\" points=\"")
            .append(pts.toString().trim())
            .append("\"><title>")
            .append(esc(c.name()))
            .append(" training loss</title></polyline>\n");
      }
      for (double[] v : c.validation()) {
        if (!Double.isFinite(v[1])) {
          continue;
        }
        sb.append(
            String.format(
                Locale.ROOT,
                "<circle class=\"mark validation\" cx=\"%s\" cy=\"%s\" r=\"3.5\" fill=\"%s\">"
                    + "<title>%s validation loss %.4f at step %.0f</title></circle>\n",
                f(sx(v[0], 1, n)),
                f(sy(v[1], ymin, ymax)),
                color,
                esc(c.name()),
                v[1],
                v[0]));
      }
      legend(sb, i, c.name(), color);
    }
    return close(sb);
  }

  // ---- helpers ----

  private static StringBuilder open(String title) {
    return open(title, W, H, LEFT);
  }

  /** The svg element of a {@code w × h} plot, its tooltip and its heading at {@code titleX}. */
  private static StringBuilder open(String title, int w, int h, int titleX) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n<title>%s</title>\n",
            w,
            h,
            w,
            h,
            esc(title)));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
            titleX,
            esc(title)));
    return sb;
  }

  private static String close(StringBuilder sb) {
    return sb.append("</svg>\n").toString();
  }

  private static String empty(StringBuilder sb) {
    sb.append("<text x=\"")
        .append(W / 2)
        .append("\" y=\"")
        .append(H / 2)
        .append("\" text-anchor=\"middle\">no data</text>\n");
    return close(sb);
  }

  private static void axes(
      StringBuilder sb,
      String xLabel,
      String yLabel,
      double xmin,
      double xmax,
      double ymin,
      double ymax) {
    int x0 = LEFT;
    int y0 = H - BOTTOM;
    sb.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n",
            x0,
            y0,
            W - RIGHT,
            y0));
    sb.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n",
            x0,
            y0,
            x0,
            TOP));
    for (int i = 0; i <= 4; i++) {
      double v = ymin + (ymax - ymin) * i / 4;
      double y = sy(v, ymin, ymax);
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\" stroke=\"#eee\"/>\n",
              x0 + 1,
              f(y),
              W - RIGHT,
              f(y)));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%s\" font-size=\"10\" text-anchor=\"end\">%s</text>\n",
              x0 - 4,
              f(y + 3),
              tick(v)));
    }
    if (!xLabel.isEmpty()) {
      for (int i = 0; i <= 4; i++) {
        double v = xmin + (xmax - xmin) * i / 4;
        double x = sx(v, xmin, xmax);
        sb.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%s\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n",
                f(x),
                y0 + 14,
                tick(v)));
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
              (x0 + W - RIGHT) / 2,
              H - 10,
              esc(xLabel)));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"14\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>\n",
            (TOP + y0) / 2,
            (TOP + y0) / 2,
            esc(yLabel)));
  }

  private static void legend(StringBuilder sb, int i, String label, String color) {
    int x = W - RIGHT + 12;
    int y = TOP + 8 + i * 16;
    sb.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>\n",
            x,
            y - 9,
            color));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n",
            x + 14,
            y,
            esc(label)));
  }

  private static double sx(double v, double lo, double hi) {
    return LEFT + (v - lo) / (hi - lo) * (W - LEFT - RIGHT);
  }

  private static double sy(double v, double lo, double hi) {
    return H - BOTTOM - (v - lo) / (hi - lo) * (H - BOTTOM - TOP);
  }

  /** Sequential colour from light yellow (0) to dark blue (1). */
  static String color(double t) {
    int[] a = {255, 255, 204};
    int[] b = {37, 52, 148};
    int r = (int) Math.round(a[0] + (b[0] - a[0]) * t);
    int g = (int) Math.round(a[1] + (b[1] - a[1]) * t);
    int bl = (int) Math.round(a[2] + (b[2] - a[2]) * t);
    return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, bl);
  }

  private static String tick(double v) {
    double a = Math.abs(v);
    if (a != 0 && (a < 0.01 || a >= 1e5)) {
      return String.format(Locale.ROOT, "%.1e", v);
    }
    return String.format(Locale.ROOT, a >= 100 ? "%.0f" : "%.2f", v);
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static double min(double[] a) {
    double m = Double.POSITIVE_INFINITY;
    for (double v : a) {
      m = Math.min(m, v);
    }
    return m;
  }

  private static double max(double[] a) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : a) {
      m = Math.max(m, v);
    }
    return m;
  }

  /** XML/HTML text escaping. */
  public static String esc(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
