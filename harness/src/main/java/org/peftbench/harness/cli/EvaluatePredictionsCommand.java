package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peftbench.datasets.DatasetException;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskRegistry;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.io.RowStream;
import org.peftbench.datasets.io.Rows;
import org.peftbench.datasets.metrics.Normalize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench evaluate-predictions}: scores a JSONL of {@code {"label": ..., "predict": ...}}
 * lines (PEFT-Factory's generated_predictions.jsonl) with a task's metrics.
 */
@Command(
    name = "evaluate-predictions",
    mixinStandardHelpOptions = true,
    description = {
      "Score a predictions file: JSONL lines {\"label\": ..., \"predict\": ...}",
      "(PEFT-Factory's generated_predictions.jsonl). For ReCoRD \"label\" may be a list of answers."
    })
public final class EvaluatePredictionsCommand implements Callable<Integer> {
  @Option(names = "--task", required = true, paramLabel = "T", description = "Task name.")
  String taskName;

  @Option(
      names = "--predictions",
      required = true,
      paramLabel = "FILE",
      description = "JSONL with one {\"label\", \"predict\"} object per line.")
  Path predictions;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Task task;
    try {
      task = TaskRegistry.byName(taskName);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    if (!Files.isRegularFile(predictions)) {
      throw new UserError(predictions + ": no such file");
    }
    List<String> predicted = new ArrayList<>();
    List<List<String>> golds = new ArrayList<>();
    List<String> labelSet = task.labels().stream().map(l -> l.toLowerCase(Locale.ROOT)).toList();
    try (RowStream rows = Rows.open(predictions)) {
      while (rows.hasNext()) {
        Row row = rows.next();
        List<String> gold = labels(row);
        for (String g : gold) {
          if (!labelSet.isEmpty() && !labelSet.contains(Normalize.answer(g))) {
            throw new UserError(
                row.where()
                    + ": unknown label '"
                    + g
                    + "' for task "
                    + task.name()
                    + " (expected one of "
                    + task.labels()
                    + ")");
          }
        }
        golds.add(gold);
        JsonNode p = row.fields().get("predict");
        if (p == null || !p.isValueNode() || p.isNull()) {
          throw new UserError(row.where() + ": missing text field 'predict'");
        }
        predicted.add(p.asText());
      }
    } catch (DatasetException e) {
      throw new UserError(e.getMessage(), e);
    }
    if (predicted.isEmpty()) {
      throw new UserError(predictions + ": empty file (no predictions)");
    }
    Map<String, Double> scores;
    try {
      scores = task.score(predicted, golds);
    } catch (IllegalArgumentException e) {
      throw new UserError(predictions + ": " + e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode node = mapper.createObjectNode();
      node.put("task", task.name());
      node.put("predictions", predicted.size());
      node.put("primary_metric", task.primaryMetric());
      ObjectNode metrics = node.putObject("metrics");
      scores.forEach(
          (k, v) -> {
            if (v.isNaN()) {
              metrics.putNull(k);
            } else {
              metrics.put(k, v);
            }
          });
      out.println(mapper.writeValueAsString(node));
    } else {
      out.printf("%s: %d predictions%n", task.name(), predicted.size());
      scores.forEach(
          (k, v) ->
              out.printf(
                  "  %-22s %s%s%n",
                  k,
                  k.equals("format_errors") ? String.format("%.0f", v) : String.format("%.4f", v),
                  k.equals(task.primaryMetric()) ? "  (primary)" : ""));
    }
    return ExitCodes.OK;
  }

  private static List<String> labels(Row row) {
    JsonNode label = row.fields().get("label");
    if (label == null || label.isNull()) {
      throw new UserError(row.where() + ": missing field 'label'");
    }
    List<String> out = new ArrayList<>();
    if (label.isArray()) {
      label.forEach(v -> out.add(v.asText()));
      if (out.isEmpty()) {
        throw new UserError(row.where() + ": 'label' is an empty list");
      }
    } else if (label.isValueNode()) {
      out.add(label.asText());
    } else {
      throw new UserError(row.where() + ": 'label' should be text or a list of texts");
    }
    return out;
  }
}
