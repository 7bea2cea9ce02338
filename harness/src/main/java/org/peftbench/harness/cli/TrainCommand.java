package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.peftbench.datasets.BenchmarkSplits;
import org.peftbench.datasets.DataDir;
import org.peftbench.datasets.SplitOptions;
import org.peftbench.datasets.TaskRegistry;
import org.peftbench.harness.cost.ProcessMemory;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.run.PeftRunModel;
import org.peftbench.harness.run.RunLog;
import org.peftbench.harness.run.TokenizedExample;
import org.peftbench.harness.run.TrainFile;
import org.peftbench.harness.run.Trainer;
import org.peftbench.harness.run.TrainingRun;
import org.peftbench.harness.suite.ModelPaths;
import org.peftbench.harness.suite.TrainingSettings;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.SequenceLimits;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench train}: one training run. Writes the adapter (HF PEFT format) into {@code
 * --out}, a per-step log {@code train_log.jsonl}, and a checkpoint (a killed run restarts from it
 * when the same command is run again).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Fine-tune a model with a PEFT method on a task (PEFT-Bench splits; the adapter with the "
          + "best validation loss is written) or on a pre-tokenized JSONL file (the final "
          + "adapter). Defaults are PEFT-Bench's."
    })
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF model folder.")
  String model;

  static final class Source {
    @Option(
        names = "--task",
        paramLabel = "T",
        description = "A PEFT-Bench task (see 'peftbench tasks').")
    String task;

    @Option(
        names = "--train-file",
        paramLabel = "FILE.jsonl",
        description =
            "Pre-tokenized lines {\"input_ids\": [...], \"labels\": [...]} (labels aligned, -100 ignored, default = input_ids).")
    Path trainFile;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(
      names = "--peft",
      paramLabel = "adapter_config.json",
      description =
          "The method as HF PEFT's adapter_config.json (default with --adapter: the adapter's).")
  Path peft;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
  Path out;

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description = "Start from this adapter's weights (HF PEFT format).")
  Path adapter;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Datasets folder (default ../shared/datasets).")
  String data = "../shared/datasets";

  @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
  @Option(
      names = "--seed",
      description = "Seed of initialisation, data split and order, dropout (default 42).")
  long seed = 42;

  @Range(min = 1)
  @Option(names = "--max-steps", paramLabel = "N", description = "Stop after N optimizer steps.")
  Integer maxSteps;

  @Range(min = 1, max = 1_000_000)
  @Option(names = "--epochs", paramLabel = "E", description = "Epochs (default 10).")
  Integer epochs;

  @Range(min = 1, max = 4096)
  @Option(names = "--batch-size", paramLabel = "B", description = "Micro-batch size (default 4).")
  Integer batchSize;

  @Range(min = 1, max = 1_000_000)
  @Option(
      names = "--grad-accum",
      paramLabel = "G",
      description = "Micro-batches per optimizer step (default 1).")
  Integer gradAccum;

  @Range(min = 0, max = 10)
  @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default 5e-5).")
  Double lr;

  @Option(
      names = "--scheduler",
      paramLabel = "NAME",
      description = "constant, linear or cosine (default cosine), after a linear warmup.")
  String scheduler;

  @Range(min = 0, max = 1)
  @Option(
      names = "--warmup-ratio",
      paramLabel = "R",
      description = "Warmup steps as a share of all steps (default 0.1).")
  Double warmupRatio;

  @Range(min = 0, max = 10)
  @Option(
      names = "--weight-decay",
      paramLabel = "W",
      description = "AdamW weight decay (default 1e-5).")
  Double weightDecay;

  @Range(min = 0)
  @Option(
      names = "--max-grad-norm",
      paramLabel = "M",
      description = "0 = no clipping (default 1.0).")
  Double maxGradNorm;

  @Option(
      names = "--shuffle",
      paramLabel = "true|false",
      arity = "1",
      description = "false: consume rows in file order (default true).")
  Boolean shuffle;

  @Option(
      names = "--gradient-checkpointing",
      description =
          "Recompute each layer's activations in backward instead of keeping them: less memory,"
              + " the same losses (training setting gradient_checkpointing; default off).")
  boolean gradientCheckpointing;

  @Range(min = 1)
  @Option(
      names = "--eval-every",
      paramLabel = "N",
      description = "Validate (--task) / checkpoint every N steps (default: each epoch).")
  Integer evalEvery;

  @Range(min = 1)
  @Option(
      names = "--max-train-examples",
      paramLabel = "N",
      description = "A seeded sample of the train split (--task).")
  int maxTrain;

  @Range(min = 1)
  @Option(
      names = "--max-validation-examples",
      paramLabel = "N",
      description = "A seeded sample of the validation split (--task).")
  int maxValidation;

  @Range(min = 1)
  @Option(
      names = "--max-seq-len",
      paramLabel = "N",
      description = "Truncate sequences (prompt from the left).")
  int maxSeqLen;

  @Option(names = "--json", description = "Print {\"losses\": [...], ...} as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Path modelDir;
    TrainingSettings settings;
    try {
      modelDir = ModelPaths.resolveModel(model, null);
      settings =
          new TrainingSettings(
                  null,
                  lr,
                  scheduler,
                  warmupRatio,
                  weightDecay,
                  batchSize,
                  gradAccum,
                  epochs,
                  maxGradNorm,
                  evalEvery,
                  shuffle)
              .withGradientCheckpointing(gradientCheckpointing ? true : null)
              .resolved();
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    if (peft == null && adapter == null) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "give --peft adapter_config.json (or --adapter DIR to continue one)");
    }
    PrintWriter o = spec.commandLine().getOut();
    // pre-tokenized ids need no tokenizer: a model folder without one is fine then
    try (TrainingRun run = TrainingRun.open(modelDir, model, source.trainFile == null)) {
      CausalLM lm = run.model();
      PeftConfig config;
      try {
        config = PeftConfigs.read(peft != null ? peft : adapter.resolve(PeftModel.CONFIG_FILE));
      } catch (RuntimeException e) {
        throw new UserError(e.getMessage(), e);
      }
      PeftModel pm = run.adapt(config, seed);
      if (adapter != null) {
        PeftRunModel.loadWeights(pm, adapter);
      }
      List<TokenizedExample> train;
      List<TokenizedExample> validation = List.of();
      try {
        if (source.trainFile != null) {
          train =
              TrainFile.read(
                  source.trainFile,
                  lm.config().vocabSize(),
                  SequenceLimits.maxTokens(lm.config(), pm.reservedPositions()),
                  lm.config().maxPositionEmbeddings(),
                  pm.reservedPositions());
        } else {
          DataDir dd = new DataDir(ModelPaths.resolveData(data, null, List.of(source.task)));
          BenchmarkSplits s =
              run.splits(
                  dd,
                  TaskRegistry.byName(source.task),
                  new SplitOptions(seed, maxTrain, maxValidation, 1));
          train = run.tokenize(s.train(), maxSeqLen);
          validation = run.tokenize(s.validation(), maxSeqLen);
        }
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage(), e);
      }
      Files.createDirectories(out);
      Path stepLog = out.resolve("train_log.jsonl");
      ObjectMapper m = new ObjectMapper();
      List<String> logLines = new ArrayList<>();
      Trainer.Listener listener =
          new Trainer.Listener() {
            @Override
            public void onStep(int step, int total, double loss) {
              logLines.add(
                  String.format(
                      Locale.ROOT, "{\"step\": %d, \"loss\": %s}", step, Double.toString(loss)));
              if (!json) {
                o.printf(Locale.ROOT, "step %d/%d loss %.6f%n", step, total, loss);
                o.flush();
              }
            }

            @Override
            public void onEvaluation(int step, double val) {
              logLines.add(
                  String.format(
                      Locale.ROOT,
                      "{\"step\": %d, \"validation_loss\": %s}",
                      step,
                      Double.toString(val)));
              if (!json) {
                o.printf(Locale.ROOT, "step %d validation loss %.6f%n", step, val);
              }
            }
          };
      Trainer.Outcome res;
      try (RunLog log = new RunLog(out.resolve("run.log"))) {
        res =
            run.trainer(
                    train,
                    validation,
                    new Trainer.Plan(settings, seed, maxSteps, settings.evalEverySteps()),
                    out.resolve(".work"),
                    RunLog.both(log, listener))
                .run();
      }
      // the full per-step trajectory (a resumed run includes the steps before the kill)
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < res.state().losses.size(); i++) {
        sb.append(
            String.format(
                Locale.ROOT,
                "{\"step\": %d, \"loss\": %s}%n",
                i + 1,
                Double.toString(res.state().losses.get(i))));
      }
      ResultStore.writeAtomically(stepLog, sb.toString());
      if (res.nonFinite() != null) {
        // a diverged adapter is no result: keep the log and the last finite checkpoint only
        throw new UserError(
            res.nonFinite() + "; no adapter written (lower --lr); the step log is in " + stepLog);
      }
      pm.save(out, model);
      if (res.nonFinite() == null) {
        org.peftbench.harness.results.ResultStore.deleteTree(out.resolve(".work"));
      }
      ObjectNode n = m.createObjectNode();
      var losses = n.putArray("losses");
      res.state().losses.forEach(losses::add);
      n.put("steps", res.state().step);
      n.put("trainable_params", pm.count().trainable());
      n.put("total_params", pm.count().total());
      if (res.state().bestStep != null) {
        n.put("best_step", res.state().bestStep);
        n.put("best_validation_loss", res.state().bestValidationLoss);
      }
      if (!Double.isNaN(res.secondsPerStep())) {
        n.put("seconds_per_step", res.secondsPerStep());
      }
      n.put("peak_tensor_gb", res.peakTensorBytes() / 1e9);
      n.put("peak_rss_gb", ProcessMemory.peakRssBytes() / 1e9);
      n.put("resumed", res.resumed());
      n.put("status", res.nonFinite() == null ? "completed" : "nonfinite_loss");
      if (res.nonFinite() != null) {
        n.put("status_message", res.nonFinite());
      }
      n.put("adapter", out.toAbsolutePath().toString());
      if (json) {
        o.println(m.writeValueAsString(n));
      } else {
        o.println("wrote adapter to " + out + " (" + pm.count() + ")");
      }
      if (res.nonFinite() != null) {
        throw new UserError(res.nonFinite());
      }
      return ExitCodes.OK;
    }
  }
}
