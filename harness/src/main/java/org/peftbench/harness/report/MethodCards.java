package org.peftbench.harness.report;

import static org.peftbench.harness.report.SvgPlots.esc;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.peftbench.harness.results.RunResult;

/**
 * The report's teaching part: per model and method, a link to the method's guide in {@code
 * docs/methods/} and its cost breakdown (parameters, forward FLOPs, training memory, merging); and
 * the training curves with their validation points.
 */
final class MethodCards {
  private MethodCards() {}

  /** Bytes of training state per trainable parameter: F32 value, gradient, two AdamW moments. */
  static final int TRAINING_BYTES_PER_PARAMETER = 16;

  /** The guide's file name (without .md) for a run's resolved PEFT config, or null. */
  static String guide(String peftType, JsonNode peft) {
    if (peftType == null) {
      return null;
    }
    return switch (peftType.toUpperCase(Locale.ROOT)) {
      case "LORA" ->
          peft != null && peft.path("use_dora").asBoolean()
              ? "dora"
              : peft != null && peft.path("use_rslora").asBoolean() ? "rslora" : "lora";
      case "IA3" -> "ia3";
      case "PROMPT_TUNING" -> "prompt-tuning";
      case "PREFIX_TUNING" -> "prefix-tuning";
      case "P_TUNING" -> "p-tuning";
      case "LN_TUNING" -> "ln-tuning";
      case "BITFIT" -> "bitfit";
      case "VERA" -> "vera";
      case "LOHA" -> "loha";
      case "LOKR" -> "lokr";
      case "FULL" -> "full";
      case "NONE" -> "none";
      default -> null;
    };
  }

  /**
   * Where the guides are: the checkout's {@code docs/methods/} as a file URI when the report is
   * written from a checkout (the jar sits in {@code harness/target/}), else the path inside the
   * repository.
   */
  static String guidesBase() {
    try {
      Path jar =
          Path.of(MethodCards.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = jar; p != null; p = p.getParent()) {
        Path docs = p.resolve("docs").resolve("methods");
        if (Files.isDirectory(docs)) {
          return docs.toUri().toString();
        }
      }
    } catch (URISyntaxException | RuntimeException e) {
      // no code source (an unusual class loader): fall back to the repository path
    }
    return "docs/methods/";
  }

  /** The "Methods" section: one row per model and method with its guide and cost breakdown. */
  static void section(StringBuilder sb, Aggregate a) {
    String guides = guidesBase();
    sb.append("<h2>Methods</h2>\n<p>What each method changes inside the model, with its equations,")
        .append(" parameter arithmetic and code, is in its guide. Training memory is the adapter's")
        .append(" training state (")
        .append(TRAINING_BYTES_PER_PARAMETER)
        .append(" bytes per trainable parameter: value, gradient, two AdamW moments), without")
        .append(" the frozen model and activations; peak RSS is measured.</p>\n");
    sb.append("<table class=\"methods\">\n<tr><th>model</th><th>method</th><th>guide</th>")
        .append("<th>trainable params</th><th>% of total</th><th>fwd GFLOPs base</th>")
        .append("<th>fwd GFLOPs adapted</th><th>extra FLOPs</th><th>merges</th>")
        .append("<th>training state MB</th><th>peak RSS GB</th></tr>\n");
    for (String model : a.models()) {
      for (String method : a.methods()) {
        List<RunResult> runs =
            a.completed().stream()
                .filter(r -> r.model.equals(model) && r.method.equals(method))
                .toList();
        if (runs.isEmpty()) {
          continue;
        }
        RunResult r = runs.get(0);
        String g = guide(r.peftType, r.config == null ? null : r.config.get("peft"));
        double base = r.cost.forwardFlopsBase, adapted = r.cost.forwardFlopsAdapted;
        double extra = base > 0 ? 100.0 * (adapted - base) / base : Double.NaN;
        Double rss =
            runs.stream()
                .map(x -> x.measurements.peakRssGb)
                .filter(x -> x != null)
                .max(Double::compare)
                .orElse(null);
        sb.append("<tr><td>")
            .append(esc(Tables.shortModel(model)))
            .append("</td><td>")
            .append(esc(method))
            .append("</td><td>")
            .append(
                g == null
                    ? "–"
                    : "<a class=\"guide\" href=\""
                        + esc(guides + g + ".md")
                        + "\">"
                        + g
                        + ".md</a>")
            .append("</td><td>")
            .append(String.format(Locale.ROOT, "%,d", r.cost.trainableParams))
            .append("</td><td>")
            .append(
                r.cost.totalParams > 0
                    ? String.format(
                        Locale.ROOT, "%.4f", 100.0 * r.cost.trainableParams / r.cost.totalParams)
                    : "–")
            .append("</td><td>")
            .append(String.format(Locale.ROOT, "%.3f", base / 1e9))
            .append("</td><td>")
            .append(String.format(Locale.ROOT, "%.3f", adapted / 1e9))
            .append("</td><td>")
            .append(Double.isNaN(extra) ? "–" : String.format(Locale.ROOT, "%+.2f%%", extra))
            .append("</td><td>")
            .append(r.cost.mergedForInference ? "yes" : "no")
            .append("</td><td>")
            .append(
                String.format(
                    Locale.ROOT,
                    "%.1f",
                    TRAINING_BYTES_PER_PARAMETER * (double) r.cost.trainableParams / 1e6))
            .append("</td><td>")
            .append(rss == null ? "–" : String.format(Locale.ROOT, "%.2f", rss))
            .append("</td></tr>\n");
      }
    }
    sb.append("</table>\n");
  }

  /** A run's training loss per step and its validation losses at their steps. */
  static SvgPlots.Curve curve(RunResult r) {
    List<double[]> validation = new ArrayList<>();
    for (RunResult.Evaluation e : r.evaluations) {
      validation.add(new double[] {e.step(), e.validationLoss()});
    }
    return new SvgPlots.Curve(method(r), r.train.losses, validation);
  }

  private static String method(RunResult r) {
    return r.method + " (seed " + r.seed + ")";
  }
}
