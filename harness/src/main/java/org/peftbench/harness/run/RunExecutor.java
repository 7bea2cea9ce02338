package org.peftbench.harness.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.peftbench.datasets.BenchmarkSplits;
import org.peftbench.datasets.DataDir;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitOptions;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskRegistry;
import org.peftbench.harness.results.Provenance;
import org.peftbench.harness.results.RunResult;
import org.peftbench.harness.suite.Caps;
import org.peftbench.harness.suite.Suite;
import org.peftbench.peft.DeviceMemory;
import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.ParameterCount;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftMethods;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;

/**
 * Executes one run of a suite end to end and returns its result: load the model, measure the base
 * model's inference speed, apply the PEFT method (seeded), train with periodic validation, keep the
 * best adapter, evaluate it on the test split, measure the adapted model's speed (merged where the
 * method allows), and record costs and provenance.
 */
public final class RunExecutor {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Prompt and continuation lengths of the throughput measurement. */
  static final int THROUGHPUT_PROMPT = 64;

  static final int THROUGHPUT_NEW = 16;

  private RunExecutor() {}

  /**
   * @param modelDir the resolved model folder
   * @param work the run's work folder (checkpoints, best adapter, log)
   * @param listener progress display (may be null)
   */
  public static RunResult execute(
      String suiteName,
      Suite.RunSpec spec,
      Path modelDir,
      DataDir data,
      Path work,
      Trainer.Listener listener,
      java.util.function.Consumer<String> phase) {
    java.util.function.Consumer<String> say = phase == null ? s -> {} : phase;
    RunResult r = new RunResult();
    r.runId = spec.id();
    r.configHash = spec.configHash();
    r.suite = suiteName;
    r.model = spec.model();
    r.method = spec.method().name();
    r.peftType = spec.method().peftType();
    r.task = spec.task();
    r.seed = spec.seed();
    r.provenance = Provenance.current(Parallel.threads(), Backends.current().name());
    r.provenance.startedAt = Instant.now().toString();
    Caps caps = spec.caps();
    try (RunLog log = new RunLog(work.resolve("run.log"));
        TrainingRun run = TrainingRun.open(modelDir, spec.model())) {
      log.info("run " + r.runId + " model " + modelDir);
      CausalLM model = run.model();
      Tokenizer tok = run.tokenizer();
      Task task = TaskRegistry.byName(spec.task());

      // data: PEFT-Bench splits, seeded caps, file checksums
      say.accept("loading " + task.name());
      SplitOptions opts =
          new SplitOptions(
              spec.seed(),
              orZero(caps.maxTrainExamples()),
              orZero(caps.maxValidationExamples()),
              orZero(caps.maxTestExamples()),
              spec.training().validationFraction());
      PromptStyle style = run.style();
      BenchmarkSplits splits = run.splits(data, task, opts, spec.protocol());
      for (String split : List.of(task.trainSplit(), task.testSplit())) {
        for (Path f : data.require(task, split)) {
          r.provenance.datasetFiles.put(data.root().relativize(f).toString(), Provenance.sha256(f));
        }
      }
      GenerationLengths lengths = GenerationLengths.of(spec.protocol(), caps);
      int maxLen = lengths.cutoff();
      Truncation truncation = Truncation.of(spec.protocol());
      List<TokenizedExample> train = run.tokenize(splits.train(), maxLen, truncation);
      List<TokenizedExample> validation = run.tokenize(splits.validation(), maxLen, truncation);

      // base model speed, before any adapter is in place
      if (spec.evaluation().measureThroughput()) {
        say.accept("measuring base throughput");
        Throughput.Result base =
            Throughput.measure(model, null, THROUGHPUT_PROMPT, THROUGHPUT_NEW, 2);
        r.measurements.prefillTokensPerSecondBase = base.prefillTokensPerSecond();
        r.measurements.decodeTokensPerSecondBase = base.decodeTokensPerSecond();
      }

      // the adapter, seeded by the run's seed
      PeftConfig config;
      try {
        config =
            PeftConfigs.fromJson(spec.method().peft(), "method '" + spec.method().name() + "'");
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "method '" + spec.method().name() + "': " + e.getMessage(), e);
      }
      PeftModel pm = run.adapt(config, spec.seed());
      ObjectNode resolvedPeft = PeftConfigs.toJson(pm.config(), spec.model());
      ParameterCount count = pm.count();
      r.cost.trainableParams = count.trainable();
      r.cost.totalParams = count.total();
      ForwardFlops flops =
          PeftMethods.forwardFlops(pm.config(), model.structure(), ForwardFlops.PSCP_TOKENS);
      r.cost.forwardFlopsBase = flops.base();
      r.cost.forwardFlopsAdapted = flops.adapted();
      r.cost.mergedForInference = flops.merged();
      r.cost.flopsDeltaTflops = flops.deltaTflops();
      // M_m as the reference's GPU would hold it: this run's batch, its longest training sequence
      int longest = 1;
      for (TokenizedExample e : train) {
        longest = Math.max(longest, e.inputIds().length);
      }
      int batch = spec.training().batchSize();
      DeviceMemory.Estimate device =
          DeviceMemory.estimate(pm.config(), model.structure(), batch, longest);
      r.cost.deviceMemoryGb = device.totalGb();
      r.cost.deviceMemoryBatch = batch;
      r.cost.deviceMemorySequenceLength = longest;
      r.config = JSON.createObjectNode();
      r.config.set("peft", resolvedPeft);
      r.config.set("training", JSON.valueToTree(spec.training()));
      r.config.set("caps", JSON.valueToTree(caps));
      r.config.set("evaluation", JSON.valueToTree(spec.evaluation()));
      r.config.put("prompt_style", style.isChat() ? "chat_template" : "plain");
      r.config.put("protocol", spec.protocol().key());

      // training
      say.accept("training");
      // checkpoint selection every eval_every_steps, else every 5% of the steps (HF's fractional
      // eval_steps: ceil(0.05 · max_steps))
      int evalEvery =
          spec.training()
              .evalIntervalSteps(
                  Trainer.totalSteps(train.size(), spec.training(), caps.maxSteps()));
      Trainer trainer =
          run.trainer(
              train,
              validation,
              new Trainer.Plan(spec.training(), spec.seed(), caps.maxSteps(), evalEvery),
              work,
              listener == null ? log : RunLog.both(log, listener));
      long t0 = System.nanoTime();
      Trainer.Outcome o = trainer.run();
      r.measurements.trainSeconds = (System.nanoTime() - t0) / 1e9;
      r.train.steps = o.state().step;
      r.train.plannedSteps = o.totalSteps();
      r.train.trainExamples = train.size();
      r.train.losses = new ArrayList<>(o.state().losses);
      r.train.bestStep = o.state().bestStep;
      r.train.bestValidationLoss = o.state().bestValidationLoss;
      for (double[] e : o.state().evaluations) {
        r.evaluations.add(new RunResult.Evaluation((int) e[0], e[1], e[2], e[3]));
      }
      r.measurements.secondsPerStep = Double.isNaN(o.secondsPerStep()) ? null : o.secondsPerStep();
      r.measurements.peakTensorGb = o.peakTensorBytes() / 1e9;
      r.measurements.peakRssGb = o.peakRssBytes() < 0 ? null : o.peakRssBytes() / 1e9;
      r.measurements.residentStepDeviceGb =
          o.residentDeviceBytes() < 0 ? null : o.residentDeviceBytes() / 1e9;
      r.measurements.resumed = o.resumed();
      if (o.nonFinite() != null) {
        r.status = RunResult.Status.NONFINITE_LOSS;
        r.statusMessage = o.nonFinite();
        log.info("stopped: " + o.nonFinite());
        return finish(r);
      }

      // test with the best adapter (the trainer has loaded it)
      say.accept("evaluating (" + spec.evaluation().mode() + ")");
      long e0 = System.nanoTime();
      int maxNew =
          lengths.fixedNewTokens() ? lengths.maxNewTokens() : maxNewTokens(splits, tok, caps);
      Evaluator ev = new Evaluator(model, tok, pm::prepare, style, maxLen, maxNew, 8, truncation);
      Evaluator.Evaluation eval = ev.evaluate(task, splits.test(), spec.evaluation().mode());
      PredictionsFile.write(work.resolve(PredictionsFile.NAME), splits.test(), eval.predictions());
      r.measurements.evalSeconds = (System.nanoTime() - e0) / 1e9;
      r.test = new RunResult.Test();
      r.test.mode = eval.mode();
      r.test.examples = eval.examples();
      r.test.metrics.putAll(eval.metrics());
      r.test.mainMetric = eval.mainMetric();
      r.test.scorePercent = eval.scorePercent();
      r.test.samples = eval.samples();
      log.info("test " + eval.metrics());

      // adapted model speed, merged where the method allows
      if (spec.evaluation().measureThroughput()) {
        say.accept("measuring adapted throughput");
        Throughput.Result adapted;
        if (pm.canMerge()) {
          pm.merge();
          adapted = Throughput.measure(model, null, THROUGHPUT_PROMPT, THROUGHPUT_NEW, 2);
          pm.unmerge();
        } else {
          UnaryOperator<ModelInput> hook = pm::prepare;
          adapted = Throughput.measure(model, hook, THROUGHPUT_PROMPT, THROUGHPUT_NEW, 2);
        }
        r.measurements.prefillTokensPerSecondAdapted = adapted.prefillTokensPerSecond();
        r.measurements.decodeTokensPerSecondAdapted = adapted.decodeTokensPerSecond();
      }
      r.status = RunResult.Status.COMPLETED;
      return finish(r);
    }
  }

  private static RunResult finish(RunResult r) {
    r.provenance.finishedAt = Instant.now().toString();
    return r;
  }

  /** Room for the longest reference answer (+ EOS and a margin), within the cap. */
  static int maxNewTokens(BenchmarkSplits splits, Tokenizer tok, Caps caps) {
    int longest = 1;
    for (List<Example> split : List.of(splits.train(), splits.test())) {
      for (Example e : split) {
        for (String g : e.gold()) {
          longest = Math.max(longest, tok.encode(g, false).length);
        }
        if (!e.gold().contains(e.target())) { // usually the target is one of the golds
          longest = Math.max(longest, tok.encode(e.target(), false).length);
        }
      }
    }
    int want = longest + 2;
    return caps.maxNewTokens() == null ? want : Math.min(want, caps.maxNewTokens());
  }

  private static int orZero(Integer v) {
    return v == null ? 0 : v;
  }
}
