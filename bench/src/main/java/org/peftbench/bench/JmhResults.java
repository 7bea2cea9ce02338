package org.peftbench.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * JMH's JSON results ({@code -rf json}) as a comparison: one row per benchmark and parameter set,
 * the score ± error of each file side by side, and the ratio of the last file's score to the
 * first's, rendered as a Markdown table (for time-per-call modes a ratio below 1 is faster; for
 * throughput modes above 1). The harness's {@code JmhReport} draws the same comparison as an HTML
 * page with a chart.
 */
public final class JmhResults {
  /** One measured benchmark: its full name, parameters, mode and primary score. */
  public record Result(
      String benchmark,
      Map<String, String> params,
      String mode,
      double score,
      double error,
      String unit) {
    /** The row key: benchmark name without its package, then the parameters in name order. */
    public String key() {
      String name =
          benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
      if (params.isEmpty()) {
        return name;
      }
      StringBuilder sb = new StringBuilder(name).append(" [");
      String sep = "";
      for (Map.Entry<String, String> e : new TreeMap<>(params).entrySet()) {
        sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
        sep = ", ";
      }
      return sb.append(']').toString();
    }
  }

  private JmhResults() {}

  /** Reads one JMH JSON result file; the error names the file and what is wrong. */
  public static List<Result> read(Path file) {
    JsonNode root;
    try {
      root = JsonMapper.builder().build().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": not readable as JSON (" + e.getMessage() + ")", e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(file + ": not a JMH result file (expected a JSON array)");
    }
    List<Result> out = new ArrayList<>();
    for (JsonNode n : root) {
      JsonNode metric = n.get("primaryMetric");
      if (!n.hasNonNull("benchmark") || metric == null || !metric.hasNonNull("score")) {
        throw new IllegalArgumentException(
            file + ": entry without benchmark/primaryMetric.score: not a JMH result file");
      }
      Map<String, String> params = new LinkedHashMap<>();
      JsonNode p = n.get("params");
      if (p != null) {
        p.fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
      }
      double error = metric.path("scoreError").asDouble(Double.NaN);
      out.add(
          new Result(
              n.get("benchmark").asText(),
              params,
              n.path("mode").asText(""),
              metric.get("score").asDouble(),
              error,
              metric.path("scoreUnit").asText("")));
    }
    return out;
  }

  /** A comparison of several result files (labelled), rows in first-seen order. */
  public record Comparison(List<String> labels, Map<String, Result[]> rows) {
    /** Last file's score over the first's for a row, NaN when either is missing. */
    public double ratio(String key) {
      Result[] r = rows.get(key);
      if (r[0] == null || r[r.length - 1] == null || r[0].score() == 0) {
        return Double.NaN;
      }
      return r[r.length - 1].score() / r[0].score();
    }
  }

  /** Lines the files up by {@link Result#key()}. */
  public static Comparison compare(List<String> labels, List<List<Result>> files) {
    Map<String, Result[]> rows = new LinkedHashMap<>();
    for (int f = 0; f < files.size(); f++) {
      for (Result r : files.get(f)) {
        rows.computeIfAbsent(r.key(), k -> new Result[files.size()])[f] = r;
      }
    }
    return new Comparison(List.copyOf(labels), rows);
  }

  /** The Markdown table: benchmark, unit, each file's score ± error, and the ratio last/first. */
  public static String markdown(Comparison c) {
    StringBuilder sb = new StringBuilder("| benchmark | mode | unit |");
    for (String l : c.labels()) {
      sb.append(' ').append(l).append(" |");
    }
    boolean ratio = c.labels().size() > 1;
    if (ratio) {
      sb.append(" ratio |");
    }
    sb.append("\n| --- | --- | --- |").append(" ---: |".repeat(c.labels().size()));
    if (ratio) {
      sb.append(" ---: |");
    }
    sb.append('\n');
    for (Map.Entry<String, Result[]> e : c.rows().entrySet()) {
      Result any = first(e.getValue());
      sb.append("| ").append(e.getKey()).append(" | ").append(any.mode());
      sb.append(" | ").append(any.unit()).append(" |");
      for (Result r : e.getValue()) {
        sb.append(' ').append(r == null ? "—" : score(r)).append(" |");
      }
      if (ratio) {
        double q = c.ratio(e.getKey());
        sb.append(' ').append(Double.isNaN(q) ? "—" : String.format(Locale.ROOT, "%.3f", q));
        sb.append(" |");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** The first result present in a row. */
  public static Result first(Result[] rs) {
    for (Result r : rs) {
      if (r != null) {
        return r;
      }
    }
    throw new IllegalStateException("a row without results");
  }

  /** A score as the tables show it: {@code score ± error}, or the score alone. */
  public static String score(Result r) {
    return Double.isNaN(r.error())
        ? String.format(Locale.ROOT, "%.4g", r.score())
        : String.format(Locale.ROOT, "%.4g ± %.2g", r.score(), r.error());
  }
}
