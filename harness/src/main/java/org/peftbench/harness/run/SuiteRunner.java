package org.peftbench.harness.run;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.peftbench.datasets.DataDir;
import org.peftbench.datasets.TaskRegistry;
import org.peftbench.harness.report.Report;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.ResultsFolder;
import org.peftbench.harness.results.RunResult;
import org.peftbench.harness.suite.ModelPaths;
import org.peftbench.harness.suite.Suite;
import org.peftbench.harness.suite.SuiteLoader;

/**
 * Runs every (model, method, task, seed) of a suite into a results folder, then writes the report.
 *
 * <p>Re-running is cheap and safe: a run whose result file says COMPLETED (or NONFINITE_LOSS, a
 * deterministic outcome) is skipped; a run that was killed resumes from its last checkpoint; a run
 * that FAILED is skipped too unless {@link Options#retryFailed} asks for it (so a run that fails
 * the same way every time, out of memory say, does not stop every rerun at the same place). Any
 * throwable of one run, Errors such as OutOfMemoryError included, is recorded as a FAILED result
 * with its reason, and the suite goes on to the next run and writes the report.
 *
 * <p>The results folder is locked for the whole run ({@link ResultsFolder}): a second run into it
 * stops at once, and a folder that holds another suite's results is refused unless {@link
 * Options#force}.
 */
public final class SuiteRunner {
  /** What the suite did. */
  public record Summary(
      int total, int skipped, int completed, int failed, double seconds, Report.Written report) {}

  /**
   * @param retryFailed run the runs whose stored result is FAILED again
   * @param force run into a results folder that holds another suite's results
   */
  public record Options(boolean retryFailed, boolean force) {
    public static final Options DEFAULTS = new Options(false, false);
  }

  /** Runs one cell of the grid: {@link RunExecutor#execute} (tests put failures in its place). */
  @FunctionalInterface
  interface CellExecutor {
    RunResult execute(
        Suite.RunSpec spec, Path modelDir, DataDir data, Path work, Progress progress);
  }

  private final Suite suite;
  private final Path suiteDir;
  private final Path outDir;
  private final Path dataOverride;
  private final PrintWriter out;
  private final boolean tty;
  private final Options options;
  private CellExecutor executor;

  public SuiteRunner(
      Suite suite, Path suiteDir, Path outDir, Path dataOverride, PrintWriter out, boolean tty) {
    this(suite, suiteDir, outDir, dataOverride, out, tty, Options.DEFAULTS);
  }

  public SuiteRunner(
      Suite suite,
      Path suiteDir,
      Path outDir,
      Path dataOverride,
      PrintWriter out,
      boolean tty,
      Options options) {
    this.options = options;
    this.executor =
        (spec, modelDir, data, work, progress) ->
            RunExecutor.execute(
                suite.name(), spec, modelDir, data, work, progress, progress::phase);
    this.suite = suite;
    this.suiteDir = suiteDir;
    this.outDir = outDir;
    this.dataOverride = dataOverride;
    this.out = out;
    this.tty = tty;
  }

  /** Replaces how one cell runs (tests: a failing or instant executor). */
  SuiteRunner withExecutor(CellExecutor e) {
    this.executor = e;
    return this;
  }

  /** Checks models, data and task names before anything runs; IllegalArgumentException if not. */
  public Map<String, Path> resolveModels() {
    Map<String, Path> models = new LinkedHashMap<>();
    for (String m : suite.models()) {
      Path p = ModelPaths.resolveModel(m, suiteDir);
      if (!Files.isRegularFile(p.resolve("config.json"))) {
        throw new IllegalArgumentException("model folder " + p + " has no config.json");
      }
      if (!Files.isRegularFile(p.resolve("model.safetensors"))
          && !Files.isRegularFile(p.resolve("model.safetensors.index.json"))) {
        throw new IllegalArgumentException(
            "model folder "
                + p
                + " has no weights (model.safetensors or model.safetensors.index.json);"
                + " point the suite's 'models' at a HF model folder with weights");
      }
      models.put(m, p);
    }
    for (String t : suite.tasks()) {
      TaskRegistry.byName(t);
    }
    return models;
  }

  public DataDir dataDir() {
    if (dataOverride != null) {
      if (!Files.isDirectory(dataOverride)) {
        throw new IllegalArgumentException("data folder " + dataOverride + " does not exist");
      }
      return new DataDir(dataOverride);
    }
    String d = suite.dataDir() == null ? "../shared/datasets" : suite.dataDir();
    return new DataDir(ModelPaths.resolveData(d, suiteDir, suite.tasks()));
  }

  public Summary run() {
    long t0 = System.nanoTime();
    Map<String, Path> models = resolveModels();
    DataDir data = dataDir();
    try (ResultsFolder folder = ResultsFolder.open(outDir, suite.name(), options.force())) {
      return runLocked(t0, models, data);
    }
  }

  private Summary runLocked(long t0, Map<String, Path> models, DataDir data) {
    ResultStore store = new ResultStore(outDir, w -> out.println("warning: " + w));
    try {
      ResultStore.writeAtomically(outDir.resolve("suite.yaml"), SuiteLoader.toYaml(suite));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write into " + outDir + ": " + e, e);
    }
    List<Suite.RunSpec> todo = new ArrayList<>();
    int skipped = 0;
    int failedBefore = 0;
    for (Suite.RunSpec spec : suite.runs()) {
      RunResult prev = store.read(spec.id());
      boolean failedAlready =
          prev != null && prev.status == RunResult.Status.FAILED && !options.retryFailed();
      if (isDone(prev, spec) || (failedAlready && spec.configHash().equals(prev.configHash))) {
        skipped++;
        failedBefore += failedAlready ? 1 : 0;
      } else {
        if (prev != null && isFinal(prev)) {
          out.println("config of " + spec.id() + " changed since its result: running it again");
        }
        todo.add(spec);
      }
    }
    for (String t : suite.tasks()) {
      var task = TaskRegistry.byName(t);
      for (String split : List.of(task.trainSplit(), task.testSplit())) {
        try {
          data.require(task, split);
        } catch (RuntimeException e) {
          out.println("warning: the runs of task " + t + " will fail: " + e.getMessage());
        }
      }
    }
    out.printf(
        Locale.ROOT,
        "Suite '%s': %d runs (%d already done), results in %s%n",
        suite.name(),
        suite.runs().size(),
        skipped,
        outDir.toAbsolutePath().normalize());
    if (failedBefore > 0) {
      out.printf(
          Locale.ROOT,
          "%d run(s) FAILED before and are skipped; 'run --retry-failed' runs them again%n",
          failedBefore);
    }
    out.flush();
    Progress progress = new Progress(out, tty, todo.size());
    int completed = 0;
    int failed = 0;
    for (int i = 0; i < todo.size(); i++) {
      Suite.RunSpec spec = todo.get(i);
      String label = spec.method().name() + " · " + spec.task() + " · seed " + spec.seed();
      progress.startRun(i + 1, label);
      RunResult r = runOne(spec, models, data, store, progress);
      if (r.status == RunResult.Status.COMPLETED) {
        completed++;
        progress.endRun(
            String.format(
                Locale.ROOT,
                "%s %.2f%%, %d steps, final loss %.4f",
                r.test.mainMetric,
                r.test.scorePercent,
                r.train.steps,
                r.train.losses.isEmpty() ? Double.NaN : r.train.losses.getLast()));
      } else {
        failed++;
        progress.endRun(r.status + ": " + r.statusMessage);
      }
    }
    Report.Written report = Report.write(outDir);
    double secs = (System.nanoTime() - t0) / 1e9;
    return new Summary(suite.runs().size(), skipped, completed, failed, secs, report);
  }

  /** True when a stored result is a deterministic outcome (COMPLETED or NONFINITE_LOSS). */
  public static boolean isFinal(RunResult r) {
    return r.status == RunResult.Status.COMPLETED || r.status == RunResult.Status.NONFINITE_LOSS;
  }

  /** True when {@code prev} (may be null) is a final result of exactly this run's config. */
  public static boolean isDone(RunResult prev, Suite.RunSpec spec) {
    return prev != null && isFinal(prev) && spec.configHash().equals(prev.configHash);
  }

  /**
   * Executes one run of the suite and writes its result atomically into {@code store}: a run that
   * throws is recorded as FAILED (its stack trace goes to the run's log), and a completed run's
   * checkpoint is dropped. The local loop and a Slurm array task ({@code run-one}) both run through
   * here, so their result files are the same.
   */
  public RunResult runOne(
      Suite.RunSpec spec,
      Map<String, Path> models,
      DataDir data,
      ResultStore store,
      Progress progress) {
    Path work = store.workDir(spec.id());
    RunResult r;
    try {
      r = executor.execute(spec, models.get(spec.model()), data, work, progress);
    } catch (Throwable e) { // Errors too: an OutOfMemoryError ends this run, not the suite
      r = failed(spec, e);
      logFailure(work, e);
    }
    store.write(r);
    if (r.status == RunResult.Status.COMPLETED) {
      deleteQuietly(
          store.workDir(spec.id()).resolve("checkpoint")); // the best adapter and the log stay
    }
    return r;
  }

  /** The stack trace into the run's log; a log that cannot be written loses only the trace. */
  private static void logFailure(Path work, Throwable e) {
    try (RunLog log = new RunLog(work.resolve("run.log"))) {
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      log.info("FAILED: " + trace);
    } catch (RuntimeException | Error ignored) {
      // the FAILED result still records the reason
    }
  }

  private RunResult failed(Suite.RunSpec spec, Throwable e) {
    RunResult r = new RunResult();
    r.runId = spec.id();
    r.configHash = spec.configHash();
    r.suite = suite.name();
    r.model = spec.model();
    r.method = spec.method().name();
    r.peftType = spec.method().peftType();
    r.task = spec.task();
    r.seed = spec.seed();
    r.status = RunResult.Status.FAILED;
    r.statusMessage = FailureReason.of(e);
    return r;
  }

  private static void deleteQuietly(Path p) {
    try {
      Trainer.deleteTree(p);
    } catch (IOException e) {
      // leftovers only cost disk space
    }
  }
}
