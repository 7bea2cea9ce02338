package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peftbench.harness.plan.SuitePlan;
import org.peftbench.harness.suite.Suite;
import org.peftbench.harness.suite.SuiteLoader;
import org.peftbench.harness.suite.TrainingSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench plan}: a suite's grid as a dry run (runs, per-method settings, protocol, steps
 * per run from the real dataset sizes, estimated FLOPs), without loading any weights.
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Dry run: print a suite's grid (runs, per-method settings, protocol, steps per run from the",
      "real dataset sizes, trainable parameters, estimated FLOPs) without loading weights."
    })
public final class PlanCommand implements Callable<Integer> {
  @Option(
      names = "--suite",
      paramLabel = "FILE|NAME",
      defaultValue = "smoke",
      description = "Suite YAML file or bundled suite name (default: ${DEFAULT-VALUE}).")
  String suite;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Datasets folder (default: the suite's data_dir).")
  Path data;

  @Option(names = "--json", description = "Print the plan as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    SuitePlan.Plan plan;
    Path suiteDir =
        Files.isRegularFile(Path.of(suite)) ? Path.of(suite).toAbsolutePath().getParent() : null;
    try {
      Suite s = SuiteLoader.load(suite);
      plan = SuitePlan.of(s, suiteDir, data);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(m.writeValueAsString(plan));
      return ExitCodes.OK;
    }
    print(plan, out);
    return ExitCodes.OK;
  }

  static void print(SuitePlan.Plan p, PrintWriter out) {
    out.printf(
        Locale.ROOT,
        "suite %s, protocol %s: %d model(s) x %d tasks x %d methods x %d seeds = %d runs%n",
        p.suite(),
        p.protocol(),
        p.models(),
        p.tasks(),
        p.methods(),
        p.seeds(),
        p.runs());
    out.printf(
        Locale.ROOT,
        "data %s; sequence cutoff %s, generation limit %s new tokens%n%n",
        p.dataDir(),
        p.cutoff() > 0 ? p.cutoff() + " tokens" : "none",
        p.maxNewTokens() > 0 ? String.valueOf(p.maxNewTokens()) : "adaptive");
    out.println("Methods (settings after the suite's defaults and the method's overrides):");
    out.printf(
        Locale.ROOT,
        "%-22s %-16s %-14s %10s %8s %6s %6s %5s %7s %12s %9s  %s%n",
        "model",
        "method",
        "peft_type",
        "lr",
        "warmup",
        "epochs",
        "batch",
        "val",
        "eval/%",
        "trainable",
        "ΔTFLOPs",
        "peft block");
    for (SuitePlan.MethodRow r : p.methodRows()) {
      TrainingSettings t = r.training();
      out.printf(
          Locale.ROOT,
          "%-22s %-16s %-14s %10.1e %8.2f %6d %6d %5.2f %7s %,12d %9.2f  %s%n",
          r.model(),
          r.method(),
          r.peftType(),
          t.learningRate(),
          t.warmupRatio(),
          t.epochs(),
          t.batchSize() * t.gradAccum(),
          t.validationFraction(),
          t.evalEverySteps() != null
              ? t.evalEverySteps() + "st"
              : String.format(Locale.ROOT, "%.0f%%", 100 * t.evalEveryFraction()),
          r.trainableParams(),
          Math.max(0, r.forwardFlopsAdapted() - r.forwardFlopsBase()) / 1e12,
          r.peft());
    }
    out.println();
    out.println("Optimizer steps per run (rows: task; columns: method) from the data files:");
    List<String> methods =
        p.methodRows().stream().map(SuitePlan.MethodRow::method).distinct().toList();
    Map<String, Map<String, SuitePlan.Cell>> byTask = new LinkedHashMap<>();
    for (SuitePlan.Cell c : p.cells()) {
      if (c.model().equals(p.methodRows().get(0).model())) {
        byTask.computeIfAbsent(c.task(), k -> new LinkedHashMap<>()).put(c.method(), c);
      }
    }
    StringBuilder head =
        new StringBuilder(String.format(Locale.ROOT, "%-12s %9s %7s", "task", "rows", "test"));
    for (String m : methods) {
      head.append(String.format(Locale.ROOT, " %14s", shorten(m)));
    }
    out.println(head);
    for (Map.Entry<String, Map<String, SuitePlan.Cell>> e : byTask.entrySet()) {
      SuitePlan.Cell any = e.getValue().values().iterator().next();
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "%-12s %9s %7s",
                  e.getKey(),
                  any.trainRows() == null
                      ? "-"
                      : String.format(Locale.ROOT, "%,d", any.trainRows()),
                  any.testExamples() == null ? "-" : String.valueOf(any.testExamples())));
      for (String m : methods) {
        SuitePlan.Cell c = e.getValue().get(m);
        line.append(
            String.format(
                Locale.ROOT,
                " %14s",
                c == null || c.steps() == null
                    ? "no data"
                    : String.format(Locale.ROOT, "%,d/%d", c.steps(), c.evalEverySteps())));
      }
      out.println(line);
    }
    out.println("(steps/eval interval: optimizer steps of one run / steps between evaluations)");
    long missing = p.cells().stream().filter(c -> c.missing() != null).count();
    if (missing > 0) {
      out.printf(Locale.ROOT, "%d model x method x task cells have no data here:%n", missing);
      p.cells().stream()
          .filter(c -> c.missing() != null)
          .map(SuitePlan.Cell::missing)
          .distinct()
          .forEach(m -> out.println("  " + m));
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "Estimated compute of the whole grid: %.3g PFLOPs (%d-token sequences; training 3x"
            + " forward, see docs/protocol.md)%n",
        p.totalFlops() / 1e15,
        org.peftbench.peft.ForwardFlops.PSCP_TOKENS);
  }

  private static String shorten(String s) {
    return s.length() <= 14 ? s : s.substring(0, 14);
  }
}
