package org.peftbench.harness.cli;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.harness.slurm.SlurmArray;
import picocli.CommandLine.Option;

/** {@code run}'s options for submitting the suite to Slurm as one job array. */
public final class SlurmOptions {
  @Option(
      names = "--slurm",
      description =
          "Submit the runs as one Slurm job array (one array task per run) instead of running"
              + " them here; prints the job id. Follow with 'peftbench slurm status DIR'.")
  boolean enabled;

  @Option(
      names = "--prepare-only",
      description =
          "With --slurm: write the manifest and batch script into the results folder but submit"
              + " nothing; prints the array indices to run (with run-one --index I).")
  boolean prepareOnly;

  @Option(names = "--partition", paramLabel = "P", description = "Slurm partition (--slurm).")
  String partition;

  @Option(
      names = "--time",
      paramLabel = "T",
      description = "Time limit of each array task, e.g. 4:00:00 (--slurm).")
  String time;

  @Option(names = "--gres", paramLabel = "G", description = "Generic resources, e.g. gpu:1.")
  String gres;

  @Range(min = 1, max = 4096)
  @Option(
      names = "--cpus-per-task",
      paramLabel = "N",
      description = "CPUs of each array task; the run uses that many threads (--slurm).")
  Integer cpusPerTask;

  @Option(names = "--mem", paramLabel = "M", description = "Memory of each array task, e.g. 16G.")
  String mem;

  @Range(min = 1, max = 1_000_000)
  @Option(
      names = "--array-parallelism",
      paramLabel = "K",
      description = "At most K array tasks running at once (sbatch --array=...%%K).")
  Integer arrayParallelism;

  @Option(
      names = "--sbatch-arg",
      paramLabel = "ARG",
      description = "Any other sbatch option, e.g. --sbatch-arg=--account=abc (repeatable).")
  List<String> sbatchArgs = new ArrayList<>();

  /** True when a Slurm-only option was given without --slurm (a likely mistake). */
  boolean slurmOnlyOptionsWithoutSlurm() {
    return !enabled
        && (prepareOnly
            || partition != null
            || time != null
            || gres != null
            || cpusPerTask != null
            || mem != null
            || arrayParallelism != null
            || !sbatchArgs.isEmpty());
  }

  SlurmArray.Resources resources() {
    if (cpusPerTask != null && cpusPerTask < 1) {
      throw new UserError("--cpus-per-task must be at least 1, got " + cpusPerTask);
    }
    if (arrayParallelism != null && arrayParallelism < 1) {
      throw new UserError("--array-parallelism must be at least 1, got " + arrayParallelism);
    }
    return new SlurmArray.Resources(
        partition, time, gres, cpusPerTask, mem, arrayParallelism, List.copyOf(sbatchArgs));
  }
}
