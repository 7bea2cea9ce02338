package org.peftbench.harness.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peftbench.harness.slurm.ArrayStatus;
import org.peftbench.harness.slurm.SlurmArray;
import org.peftbench.harness.slurm.SlurmClient;
import org.peftbench.harness.slurm.SlurmManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peftbench slurm}: follow (and repair) a suite submitted with {@code run --slurm}. */
@Command(
    name = "slurm",
    mixinStandardHelpOptions = true,
    description = "Follow a suite submitted with 'run --slurm'.",
    subcommands = SlurmCommand.Status.class)
public final class SlurmCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code peftbench slurm status DIR [--retry-failed]}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Show each run of a submitted array as done, running, pending or failed, from the results"
            + " folder and squeue/sacct (scontrol without accounting).",
        "Exit code: 3 while runs are still pending or running; then 0 when every run is done, 1"
            + " when any failed or was never submitted."
      })
  public static final class Status implements Callable<Integer> {
    /** Exit code while runs are still pending or running. */
    static final int STILL_QUEUED = 3;

    @Parameters(index = "0", paramLabel = "DIR", description = "Results folder of the suite.")
    Path dir;

    @Option(
        names = "--retry-failed",
        description = "Resubmit only the failed runs (same batch script and resources).")
    boolean retryFailed;

    @Option(names = "--quiet", description = "Print only the counts, not one line per run.")
    boolean quiet;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter o = spec.commandLine().getOut();
      Path d = dir.toAbsolutePath().normalize();
      SlurmClient slurm = new SlurmClient();
      SlurmManifest m;
      List<ArrayStatus.Entry> entries;
      try {
        m = SlurmManifest.read(d);
        entries = ArrayStatus.of(d, m, slurm);
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new UserError(e.getMessage(), e);
      }
      Map<ArrayStatus.State, Integer> counts = new EnumMap<>(ArrayStatus.State.class);
      for (ArrayStatus.Entry e : entries) {
        counts.merge(e.state(), 1, Integer::sum);
        if (!quiet) {
          o.printf(
              "%4d  %-13s %-44s %s%n",
              e.index(),
              e.state().name().toLowerCase(java.util.Locale.ROOT),
              e.runId(),
              e.detail());
        }
      }
      String jobs = String.join(",", m.jobs.stream().map(j -> j.jobId).toList());
      o.printf(
          "suite '%s' (jobs %s): %d runs: %d done, %d running, %d pending, %d failed%s%n",
          m.suite,
          jobs.isEmpty() ? "none" : jobs,
          entries.size(),
          counts.getOrDefault(ArrayStatus.State.DONE, 0),
          counts.getOrDefault(ArrayStatus.State.RUNNING, 0),
          counts.getOrDefault(ArrayStatus.State.PENDING, 0),
          counts.getOrDefault(ArrayStatus.State.FAILED, 0),
          counts.containsKey(ArrayStatus.State.NOT_SUBMITTED)
              ? ", " + counts.get(ArrayStatus.State.NOT_SUBMITTED) + " not submitted"
              : "");
      List<Integer> failed =
          entries.stream()
              .filter(e -> e.state() == ArrayStatus.State.FAILED)
              .map(ArrayStatus.Entry::index)
              .toList();
      if (!failed.isEmpty() && !retryFailed) {
        o.println("logs: " + d.resolve("logs") + "/<index>.log; resubmit with --retry-failed");
      }
      if (retryFailed) {
        if (failed.isEmpty()) {
          o.println("no failed runs to resubmit");
        } else {
          SlurmArray.Submitted sub;
          try {
            sub = SlurmArray.submitIndices(d, m, failed, slurm);
          } catch (IllegalStateException e) {
            throw new UserError(e.getMessage(), e);
          }
          o.println(
              "Submitted batch job "
                  + sub.jobId()
                  + ": "
                  + failed.size()
                  + " failed runs "
                  + failed);
          return STILL_QUEUED;
        }
      }
      boolean queued =
          counts.containsKey(ArrayStatus.State.PENDING)
              || counts.containsKey(ArrayStatus.State.RUNNING);
      if (queued) {
        return STILL_QUEUED;
      }
      boolean allDone = counts.getOrDefault(ArrayStatus.State.DONE, 0) == entries.size();
      return allDone ? ExitCodes.OK : ExitCodes.FAILURE;
    }
  }
}
