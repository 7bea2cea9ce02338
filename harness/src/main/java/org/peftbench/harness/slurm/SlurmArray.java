package org.peftbench.harness.slurm;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.run.SuiteRunner;
import org.peftbench.harness.suite.Suite;
import org.peftbench.harness.suite.SuiteLoader;
import org.peftbench.tensor.backend.Backends;

/**
 * Submits a suite's runs to Slurm as one job array: array task {@code I} executes {@code peftbench
 * run-one --results DIR} for run {@code I} of {@code DIR/slurm/manifest.json}.
 *
 * <p>What it writes into the results folder: {@code suite.yaml} (the suite as run, which every
 * array task reads back), {@code slurm/manifest.json} (index to run, resolved models and data,
 * submitted jobs), {@code slurm/array.sbatch} (the batch script, resources as {@code #SBATCH}
 * lines, so a retry asks for the same) and, once tasks start, {@code logs/<index>.log}.
 */
public final class SlurmArray {
  /** The resources asked of Slurm; null fields are left to the cluster's defaults. */
  public record Resources(
      String partition,
      String time,
      String gres,
      Integer cpusPerTask,
      String mem,
      Integer arrayParallelism,
      List<String> extraArgs) {}

  /** A submission: the array job id and the indices it runs (empty id when nothing was left). */
  public record Submitted(String jobId, List<Integer> indices) {}

  private SlurmArray() {}

  /** A results folder ready for array tasks: its manifest and the indices not done yet. */
  public record Prepared(Path dir, SlurmManifest manifest, List<Integer> todo) {}

  /**
   * Writes suite.yaml, the manifest and the batch script without submitting anything: for {@code
   * run --slurm --prepare-only}, after which any launcher (sbatch by hand, xargs on one machine)
   * can run {@code run-one --index I} for the indices.
   */
  public static Prepared prepare(
      Suite suite, SuiteRunner runner, Path suiteDir, Path outDir, Resources res) {
    Path dir = outDir.toAbsolutePath().normalize();
    Map<String, Path> models = runner.resolveModels();
    Path data = runner.dataDir().root().toAbsolutePath().normalize();

    // The array tasks read the suite back from suite.yaml: index the runs of that very text.
    String yaml = SuiteLoader.toYaml(suite);
    Suite asRun =
        SuiteLoader.parse(
            new java.io.ByteArrayInputStream(
                yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            dir.resolve("suite.yaml").toString());
    List<SlurmManifest.Run> runs = new ArrayList<>();
    for (Suite.RunSpec spec : asRun.runs()) {
      runs.add(new SlurmManifest.Run(runs.size(), spec.id(), spec.configHash()));
    }
    SlurmManifest m;
    if (Files.isRegularFile(SlurmManifest.file(dir))) {
      m = SlurmManifest.read(dir);
      if (!m.sameRuns(runs)) {
        // a changed suite re-indexes the array: earlier jobs' indices would mean other runs
        m.jobs.clear();
      }
    } else {
      m = new SlurmManifest();
    }
    m.suite = suite.name();
    m.suiteDir = suiteDir == null ? null : suiteDir.toAbsolutePath().normalize().toString();
    m.dataDir = data.toString();
    m.models.clear();
    models.forEach((name, p) -> m.models.put(name, p.toAbsolutePath().normalize().toString()));
    m.runs = runs;
    m.arrayParallelism = res.arrayParallelism();

    ResultStore store = new ResultStore(dir);
    List<Integer> todo = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      if (!SuiteRunner.isDone(store.read(runs.get(i).runId), asRun.runs().get(i))) {
        todo.add(i);
      }
    }
    try {
      ResultStore.writeAtomically(dir.resolve("suite.yaml"), yaml);
      ResultStore.writeAtomically(script(dir), scriptText(dir, suite.name(), res));
      Files.createDirectories(dir.resolve("logs"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write into " + dir + ": " + e, e);
    }
    m.write(dir);
    return new Prepared(dir, m, todo);
  }

  /** Submits {@code indices} of an already prepared folder (a retry) with its batch script. */
  public static Submitted submitIndices(
      Path dir, SlurmManifest m, List<Integer> indices, SlurmClient slurm) {
    if (indices.isEmpty()) {
      m.write(dir);
      return new Submitted("", List.of());
    }
    String array = ranges(indices);
    if (m.arrayParallelism != null) {
      array += "%" + m.arrayParallelism;
    }
    String jobId = slurm.sbatch(List.of("--array=" + array), script(dir));
    m.jobs.add(new SlurmManifest.Job(jobId, indices, Instant.now().toString()));
    m.write(dir);
    return new Submitted(jobId, List.copyOf(indices));
  }

  public static Path script(Path dir) {
    return dir.resolve("slurm").resolve("array.sbatch");
  }

  /**
   * The batch script. The array task starts this very JVM again (same java binary, same JVM flags,
   * same class path or jar) by absolute path, so compute nodes need only the shared file system.
   */
  static String scriptText(Path dir, String suiteName, Resources res) {
    StringBuilder s = new StringBuilder();
    s.append("#!/bin/bash\n");
    s.append("# peftbench: array task I runs run I of slurm/manifest.json of suite '")
        .append(suiteName.replace('\n', ' '))
        .append("'.\n");
    s.append("# Submitted by 'peftbench run --slurm'; 'peftbench slurm status' reads its state.\n");
    sbatchLine(s, "--job-name=peftbench-" + suiteName.replaceAll("[^A-Za-z0-9._-]", "_"));
    sbatchLine(s, "--output=" + dir.resolve("logs") + "/%a.log");
    sbatchLine(s, "--open-mode=append"); // a requeued or retried run adds to its log
    sbatchLine(s, "--requeue"); // preempted or failed nodes: run again, resuming the checkpoint
    sbatchLine(s, "--chdir=" + Path.of("").toAbsolutePath());
    if (res.partition() != null) {
      sbatchLine(s, "--partition=" + res.partition());
    }
    if (res.time() != null) {
      sbatchLine(s, "--time=" + res.time());
    }
    if (res.gres() != null) {
      sbatchLine(s, "--gres=" + res.gres());
    }
    if (res.cpusPerTask() != null) {
      sbatchLine(s, "--cpus-per-task=" + res.cpusPerTask());
    }
    if (res.mem() != null) {
      sbatchLine(s, "--mem=" + res.mem());
    }
    for (String a : res.extraArgs() == null ? List.<String>of() : res.extraArgs()) {
      sbatchLine(s, a);
    }
    s.append("set -eu\n");
    s.append("echo \"== $(date -u +%FT%TZ) job ${SLURM_ARRAY_JOB_ID:-?}_${SLURM_ARRAY_TASK_ID:-?}")
        .append(" on $(hostname) (restart ${SLURM_RESTART_COUNT:-0})\"\n");
    s.append("exec");
    for (String word : selfCommand()) {
      s.append(' ').append(shellQuote(word));
    }
    s.append(" run-one --results ").append(shellQuote(dir.toString()));
    // the kernel backend chosen at submission (--backend) runs the tasks too
    String backend = Backends.current().name();
    if (!backend.equals("cpu")) {
      s.append(" --backend ").append(shellQuote(backend));
    }
    s.append('\n');
    return s.toString();
  }

  /** java, its flags and the class path of this JVM, then the CLI's main class. */
  static List<String> selfCommand() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // debugger and agents belong to the submitting process only
      if (!a.startsWith("-agentlib:") && !a.startsWith("-javaagent:")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(classPathAbsolute());
    cmd.add("org.peftbench.harness.cli.Main");
    return cmd;
  }

  private static String classPathAbsolute() {
    List<String> parts = new ArrayList<>();
    for (String p : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!p.isEmpty()) {
        parts.add(Path.of(p).toAbsolutePath().normalize().toString());
      }
    }
    return String.join(java.io.File.pathSeparator, parts);
  }

  private static void sbatchLine(StringBuilder s, String arg) {
    if (arg.contains("\n")) {
      throw new IllegalArgumentException("sbatch argument with a line break: '" + arg + "'");
    }
    s.append("#SBATCH ").append(arg).append('\n');
  }

  static String shellQuote(String w) {
    return w.matches("[A-Za-z0-9_@%+=:,./-]+") ? w : "'" + w.replace("'", "'\\''") + "'";
  }

  /** [0,1,2,5,7,8] to "0-2,5,7-8" (sbatch's --array syntax). */
  public static String ranges(List<Integer> indices) {
    List<Integer> sorted = new ArrayList<>(Set.copyOf(indices));
    java.util.Collections.sort(sorted);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < sorted.size(); ) {
      int j = i;
      while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
        j++;
      }
      if (!s.isEmpty()) {
        s.append(',');
      }
      s.append(sorted.get(i));
      if (j > i) {
        s.append('-').append(sorted.get(j));
      }
      i = j + 1;
    }
    return s.toString();
  }
}
