package org.peftbench.harness.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peftbench.datasets.DataDir;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.RunResult;
import org.peftbench.harness.run.Progress;
import org.peftbench.harness.run.SuiteRunner;
import org.peftbench.harness.slurm.SlurmManifest;
import org.peftbench.harness.suite.Suite;
import org.peftbench.harness.suite.SuiteLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench run-one}: executes one run of a submitted suite, the body of a Slurm array task.
 * It writes the run's result file exactly as {@code run} does, so skip-completed, resume from a
 * checkpoint (after a requeue or preemption) and {@code report} work unchanged.
 */
@Command(
    name = "run-one",
    mixinStandardHelpOptions = true,
    description = {
      "Run one run of a suite submitted with 'run --slurm' (what each array task executes).",
      "A run already done is skipped; an interrupted one resumes from its checkpoint."
    })
public final class RunOneCommand implements Callable<Integer> {
  @Option(
      names = "--results",
      required = true,
      paramLabel = "DIR",
      description = "Results folder holding slurm/manifest.json and suite.yaml.")
  Path results;

  @Range(min = 0, max = Integer.MAX_VALUE)
  @Option(
      names = "--index",
      paramLabel = "I",
      description = "Array index of the run (default: $SLURM_ARRAY_TASK_ID).")
  Integer index;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    Path dir = results.toAbsolutePath().normalize();
    int i = index != null ? index : indexFromSlurm();
    applySlurmThreads(o);
    SlurmManifest m;
    Suite suite;
    SlurmManifest.Run run;
    try {
      m = SlurmManifest.read(dir);
      run = m.run(i);
      suite = SuiteLoader.load(dir.resolve("suite.yaml").toString());
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    Suite.RunSpec runSpec =
        suite.runs().stream()
            .filter(r -> r.id().equals(run.runId))
            .findFirst()
            .orElseThrow(
                () -> new UserError(dir.resolve("suite.yaml") + " has no run " + run.runId));
    if (!runSpec.configHash().equals(run.configHash)) {
      throw new UserError(
          dir.resolve("suite.yaml")
              + " changed since the array was submitted (config of "
              + run.runId
              + "); submit again with 'run --slurm'");
    }
    ResultStore store = new ResultStore(dir);
    if (SuiteRunner.isDone(store.read(run.runId), runSpec)) {
      o.println("run " + run.runId + " is done already; nothing to do");
      return ExitCodes.OK;
    }
    Map<String, Path> models = new LinkedHashMap<>();
    m.models.forEach((name, p) -> models.put(name, Path.of(p)));
    if (!Files.isDirectory(Path.of(m.dataDir))) {
      throw new UserError("data folder " + m.dataDir + " (from the manifest) does not exist here");
    }
    SuiteRunner runner =
        new SuiteRunner(
            suite,
            m.suiteDir == null ? null : Path.of(m.suiteDir),
            dir,
            Path.of(m.dataDir),
            o,
            false);
    String restarts = System.getenv("SLURM_RESTART_COUNT");
    if (restarts != null && !restarts.equals("0")) {
      o.println("requeued (restart " + restarts + "): resuming from the run's checkpoint");
    }
    Progress progress = new Progress(o, false, 1);
    progress.startRun(1, "[" + i + "] " + run.runId);
    RunResult r = runner.runOne(runSpec, models, new DataDir(Path.of(m.dataDir)), store, progress);
    if (r.status == RunResult.Status.COMPLETED) {
      progress.endRun(
          String.format(
              Locale.ROOT,
              "%s %.2f%%, %d steps",
              r.test.mainMetric,
              r.test.scorePercent,
              r.train.steps));
    } else {
      progress.endRun(r.status + ": " + r.statusMessage);
    }
    o.println("wrote " + store.resultFile(run.runId));
    return SuiteRunner.isFinal(r) ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private static int indexFromSlurm() {
    String id = System.getenv("SLURM_ARRAY_TASK_ID");
    if (id == null) {
      throw new UserError(
          "no --index given and SLURM_ARRAY_TASK_ID is not set (not an array task)");
    }
    try {
      return Integer.parseInt(id.trim());
    } catch (NumberFormatException e) {
      throw new UserError("SLURM_ARRAY_TASK_ID='" + id + "' is not an array index");
    }
  }

  /** Slurm's CPU allocation sets the thread count, unless --threads said otherwise. */
  private static void applySlurmThreads(PrintWriter o) {
    String cpus = System.getenv("SLURM_CPUS_PER_TASK");
    if (cpus == null || System.getProperty("peftbench.threads") != null) {
      return;
    }
    try {
      int n = Integer.parseInt(cpus.trim());
      if (n >= 1) {
        GlobalOptions.Runtime.applyThreads(n);
        o.println("threads: " + n + " (SLURM_CPUS_PER_TASK)");
      }
    } catch (NumberFormatException e) {
      o.println("warning: SLURM_CPUS_PER_TASK='" + cpus + "' is not a number; threads unchanged");
    }
  }
}
