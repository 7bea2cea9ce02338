package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peftbench.datasets.DataDir;
import org.peftbench.datasets.DatasetException;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peftbench tasks}: the 27 tasks, their metrics and the rows found per split. */
@Command(
    name = "tasks",
    mixinStandardHelpOptions = true,
    description = "List the benchmark tasks with their metrics and the rows found per split.")
public final class TasksCommand implements Callable<Integer> {
  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Data directory laid out as DIR/<task>/<split>.<ext> (default: ../shared/datasets).")
  Path data = DataDir.DEFAULT;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(data)) {
      throw new UserError("data directory " + data + " does not exist (give one with --data DIR)");
    }
    DataDir dir = new DataDir(data);
    PrintWriter out = spec.commandLine().getOut();
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ArrayNode array = mapper.createArrayNode();
    if (!json) {
      out.printf(
          "%-11s %-22s %-26s %s%n", "task", "metrics", "splits used", "rows found per split");
    }
    for (Task task : TaskRegistry.all()) {
      Map<String, Long> counts;
      try {
        counts = dir.counts(task.name());
      } catch (DatasetException e) {
        throw new UserError(e.getMessage(), e);
      }
      if (json) {
        ObjectNode node = array.addObject();
        node.put("name", task.name());
        node.put("hf_dataset", task.hfDataset());
        node.put("kind", task.kind().name().toLowerCase(java.util.Locale.ROOT));
        node.putPOJO("metrics", task.metrics());
        node.put("primary_metric", task.primaryMetric());
        node.put("train_split", task.trainSplit());
        node.put("test_split", task.testSplit());
        ObjectNode splits = node.putObject("splits");
        counts.forEach(splits::put);
      } else {
        StringBuilder rows = new StringBuilder();
        counts.forEach((split, n) -> rows.append(split).append('=').append(n).append(' '));
        String used =
            "train/val<-"
                + mark(task.trainSplit(), counts)
                + " test<-"
                + mark(task.testSplit(), counts);
        out.printf(
            "%-11s %-35s %-44s %s%n",
            task.name(),
            String.join(",", task.metrics()),
            used,
            rows.isEmpty() ? "(no data)" : rows.toString().strip());
      }
    }
    if (json) {
      out.println(mapper.writeValueAsString(array));
    } else {
      out.println("(* = split missing from " + data + ")");
    }
    return ExitCodes.OK;
  }

  private static String mark(String split, Map<String, Long> counts) {
    return counts.containsKey(split) ? split : split + "*";
  }
}
