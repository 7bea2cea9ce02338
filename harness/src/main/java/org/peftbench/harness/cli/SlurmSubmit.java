package org.peftbench.harness.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.peftbench.harness.run.SuiteRunner;
import org.peftbench.harness.slurm.SlurmArray;
import org.peftbench.harness.slurm.SlurmClient;
import org.peftbench.harness.suite.Suite;
import picocli.CommandLine.Model.CommandSpec;

/** {@code run --slurm}: submits the suite as a job array and says what to do next. */
final class SlurmSubmit {
  private SlurmSubmit() {}

  static int submit(
      Suite suite,
      SuiteRunner runner,
      Path suiteDir,
      Path outDir,
      SlurmOptions opts,
      CommandSpec spec) {
    PrintWriter o = spec.commandLine().getOut();
    SlurmArray.Submitted sub;
    Path dir = outDir.toAbsolutePath().normalize();
    try {
      SlurmArray.Prepared p = SlurmArray.prepare(suite, runner, suiteDir, outDir, opts.resources());
      if (opts.prepareOnly) {
        o.printf(
            "Prepared %s for array tasks (batch script %s); indices to run: %s%n",
            dir,
            SlurmArray.script(dir),
            p.todo().isEmpty() ? "none, every run is done" : SlurmArray.ranges(p.todo()));
        o.println("run one with: peftbench run-one --results " + dir + " --index I");
        return ExitCodes.OK;
      }
      sub = SlurmArray.submitIndices(dir, p.manifest(), p.todo(), new SlurmClient());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new UserError(e.getMessage(), e);
    }
    if (sub.indices().isEmpty()) {
      o.println("Suite '" + suite.name() + "': every run is done already; nothing submitted.");
      o.println("report: peftbench report " + dir);
      return ExitCodes.OK;
    }
    o.printf(
        "Submitted batch job %s: suite '%s', %d of %d runs as array tasks, results in %s%n",
        sub.jobId(), suite.name(), sub.indices().size(), suite.runs().size(), dir);
    o.println("status: peftbench slurm status " + dir);
    o.println("report (as results arrive): peftbench report " + dir);
    return ExitCodes.OK;
  }
}
