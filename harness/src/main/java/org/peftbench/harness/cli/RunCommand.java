package org.peftbench.harness.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.peftbench.harness.run.SuiteRunner;
import org.peftbench.harness.suite.Suite;
import org.peftbench.harness.suite.SuiteLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peftbench run}: runs a benchmark suite (the default job). */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run a benchmark suite (default: the bundled 'smoke' suite) and write its results and report."
          + " Re-running skips completed runs and resumes interrupted ones."
    })
public final class RunCommand implements Callable<Integer> {
  @Option(
      names = "--suite",
      paramLabel = "FILE|NAME",
      defaultValue = "smoke",
      description =
          "Suite YAML file or bundled suite name: smoke, peft-bench (default: ${DEFAULT-VALUE}).")
  String suite;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Results folder (default: results/<suite name>).")
  Path out;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Datasets folder <task>/<split>.jsonl (default: the suite's data_dir, ../shared/datasets).")
  Path data;

  @Mixin SlurmOptions slurm;

  @Option(
      names = "--retry-failed",
      description = "Run the runs whose result is FAILED again (by default a rerun skips them).")
  boolean retryFailed;

  @Option(
      names = "--force",
      description =
          "Run into a results folder that holds another suite's results (refused by default).")
  boolean force;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Suite s;
    SuiteRunner runner;
    Path suiteDir =
        Files.isRegularFile(Path.of(suite)) ? Path.of(suite).toAbsolutePath().getParent() : null;
    try {
      s = SuiteLoader.load(suite);
      Path outDir = out != null ? out : Path.of("results", s.name());
      runner =
          new SuiteRunner(
              s,
              suiteDir,
              outDir,
              data,
              spec.commandLine().getOut(),
              System.console() != null,
              new SuiteRunner.Options(retryFailed, force));
      runner.resolveModels();
      runner.dataDir();
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    if (slurm.slurmOnlyOptionsWithoutSlurm()) {
      throw new UserError("Slurm options (--partition, --time, ...) need --slurm");
    }
    if (slurm.enabled) {
      return SlurmSubmit.submit(
          s, runner, suiteDir, out != null ? out : Path.of("results", s.name()), slurm, spec);
    }
    SuiteRunner.Summary sum = runner.run();
    PrintWriter o = spec.commandLine().getOut();
    o.println();
    o.print(sum.report().markdown());
    o.println();
    for (Path f : sum.report().files()) {
      o.println("wrote " + f);
    }
    o.printf(
        Locale.ROOT,
        "%d runs: %d completed now, %d skipped (done before), %d did not complete; wall time %.1f s%n",
        sum.total(),
        sum.completed(),
        sum.skipped(),
        sum.failed(),
        sum.seconds());
    return sum.failed() == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
