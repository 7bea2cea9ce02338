package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.peftbench.datasets.DataDir;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitLoader;
import org.peftbench.datasets.SplitOptions;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskRegistry;
import org.peftbench.harness.run.Evaluator;
import org.peftbench.harness.run.PromptStyle;
import org.peftbench.harness.suite.ModelPaths;
import org.peftbench.peft.PeftModel;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.tokenizers.Tokenizers;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peftbench eval}: test-set metrics of a model, with or without an adapter. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Evaluate a model (and adapter) on a task's test split: 'generate' = greedy generation then"
          + " the task's metrics (PEFT-Bench); 'rank' = the most likely option by log-likelihood"
          + " (lm-evaluation-harness; classification and multiple-choice tasks)."
    })
public final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR")
  String model;

  @Option(names = "--adapter", paramLabel = "DIR", description = "An adapter in HF PEFT format.")
  Path adapter;

  @Option(names = "--task", required = true, paramLabel = "T")
  String task;

  @Option(names = "--mode", paramLabel = "generate|rank", description = "Default: generate.")
  String mode = "generate";

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Datasets folder (default ../shared/datasets).")
  String data = "../shared/datasets";

  @Range(min = 1)
  @Option(
      names = "--max-test-examples",
      paramLabel = "N",
      description = "A seeded sample of the test split.")
  int maxTest;

  @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
  @Option(names = "--seed", description = "Seed of the test sample (default 42).")
  long seed = 42;

  @Range(min = 1)
  @Option(names = "--max-seq-len", paramLabel = "N", description = "Keep the last N prompt tokens.")
  int maxSeqLen;

  @Range(min = 1, max = 1 << 20)
  @Option(names = "--max-new-tokens", paramLabel = "N", description = "Default 32.")
  int maxNewTokens = 32;

  @Option(names = "--json", description = "Print the metrics as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!mode.equals("generate") && !mode.equals("rank")) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--mode must be generate or rank, got '" + mode + "'");
    }
    Path modelDir;
    Task t;
    List<Example> test;
    PromptStyle style;
    try {
      modelDir = ModelPaths.resolveModel(model, null);
      t = TaskRegistry.byName(task);
      DataDir dd = new DataDir(ModelPaths.resolveData(data, null, List.of(task)));
      style = PromptStyle.forModel(modelDir);
      test =
          new SplitLoader(dd, new SplitOptions(seed, 0, 0, maxTest), style.formatter()).loadTest(t);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    try (CausalLM lm = CausalLM.load(modelDir)) {
      Tokenizer tok = Tokenizers.load(modelDir);
      UnaryOperator<ModelInput> hook = null;
      if (adapter != null) {
        PeftModel pm;
        try {
          pm = PeftModel.load(lm, adapter);
        } catch (IllegalArgumentException e) {
          throw new UserError(e.getMessage(), e);
        }
        hook = pm::prepare;
      }
      Evaluator.Evaluation ev =
          new Evaluator(lm, tok, hook, style, maxSeqLen, maxNewTokens, 8).evaluate(t, test, mode);
      PrintWriter o = spec.commandLine().getOut();
      if (json) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        n.put("task", t.name());
        n.put("mode", ev.mode());
        n.put("examples", ev.examples());
        n.put("main_metric", ev.mainMetric());
        n.put("score_percent", ev.scorePercent());
        ObjectNode metrics = n.putObject("metrics");
        ev.metrics().forEach(metrics::put);
        n.set("samples", m.valueToTree(ev.samples()));
        o.println(m.writeValueAsString(n));
      } else {
        o.printf(Locale.ROOT, "%s (%s, %d examples)%n", t.name(), ev.mode(), ev.examples());
        for (Map.Entry<String, Double> e : ev.metrics().entrySet()) {
          o.printf(Locale.ROOT, "  %-20s %.4f%n", e.getKey(), e.getValue());
        }
      }
      return ExitCodes.OK;
    }
  }
}
