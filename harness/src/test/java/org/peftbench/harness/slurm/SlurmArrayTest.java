package org.peftbench.harness.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.RunResult;

/** The parts of the Slurm support that need no cluster: array syntax, script, status logic. */
class SlurmArrayTest {
  @Test
  void indicesBecomeSbatchArrayRanges() {
    assertThat(SlurmArray.ranges(List.of(0, 1, 2, 5, 7, 8))).isEqualTo("0-2,5,7-8");
    assertThat(SlurmArray.ranges(List.of(3))).isEqualTo("3");
    assertThat(SlurmArray.ranges(List.of(4, 2, 3, 3))).isEqualTo("2-4");
  }

  @Test
  void theScriptAsksForTheResourcesAndStartsThisJvmByAbsolutePath(@TempDir Path tmp) {
    String s =
        SlurmArray.scriptText(
            tmp,
            "my suite",
            new SlurmArray.Resources(
                "gpu", "4:00:00", "gpu:1", 8, "32G", 4, List.of("--account=abc")));
    assertThat(s)
        .startsWith("#!/bin/bash\n")
        .contains("#SBATCH --job-name=peftbench-my_suite\n")
        .contains("#SBATCH --output=" + tmp.resolve("logs") + "/%a.log\n")
        .contains("#SBATCH --requeue\n")
        .contains("#SBATCH --partition=gpu\n")
        .contains("#SBATCH --time=4:00:00\n")
        .contains("#SBATCH --gres=gpu:1\n")
        .contains("#SBATCH --cpus-per-task=8\n")
        .contains("#SBATCH --mem=32G\n")
        .contains("#SBATCH --account=abc\n")
        .contains("exec " + Path.of(System.getProperty("java.home"), "bin", "java"))
        .contains(" org.peftbench.harness.cli.Main run-one --results " + tmp);
    assertThat(SlurmArray.shellQuote("a b'c")).isEqualTo("'a b'\\''c'");
    assertThat(SlurmArray.shellQuote("/x/y.jar:/z")).isEqualTo("/x/y.jar:/z");
  }

  @Test
  void squeueAndScontrolLinesGiveArrayIndices() {
    assertThat(SlurmClient.arrayIndex("123_4")).isEqualTo(4);
    assertThat(SlurmClient.arrayIndex("123_[5-7%2]")).isNull();
    assertThat(SlurmClient.arrayIndex("123")).isNull();
  }

  /** Answers for Slurm as a cluster would at one moment. */
  static final class Answers extends SlurmClient {
    final Map<Integer, TaskState> queued;
    final Map<Integer, TaskState> finished;

    Answers(Map<Integer, TaskState> queued, Map<Integer, TaskState> finished) {
      this.queued = queued;
      this.finished = finished;
    }

    @Override
    public Map<Integer, TaskState> queued(List<String> jobIds) {
      return queued;
    }

    @Override
    public Map<Integer, TaskState> finished(String jobId) {
      return finished;
    }
  }

  @Test
  void statusCombinesResultFilesAndTheQueue(@TempDir Path dir) {
    SlurmManifest m = new SlurmManifest();
    m.suite = "s";
    for (int i = 0; i < 6; i++) {
      m.runs.add(new SlurmManifest.Run(i, "run" + i, "h" + i));
    }
    m.jobs.add(new SlurmManifest.Job("41", List.of(0, 1, 2, 3, 4), "t"));
    m.write(dir);
    ResultStore store = new ResultStore(dir);
    store.write(result("run0", "h0", RunResult.Status.COMPLETED));
    store.write(result("run3", "h3", RunResult.Status.FAILED));
    store.write(result("run4", "other", RunResult.Status.COMPLETED)); // an older config
    SlurmClient slurm =
        new Answers(
            Map.of(1, new SlurmClient.TaskState("RUNNING", "None")),
            Map.of(2, new SlurmClient.TaskState("CANCELLED", "exit 0:15")));

    List<ArrayStatus.Entry> s = ArrayStatus.of(dir, SlurmManifest.read(dir), slurm);
    assertThat(s)
        .extracting(ArrayStatus.Entry::state)
        .containsExactly(
            ArrayStatus.State.DONE,
            ArrayStatus.State.RUNNING,
            ArrayStatus.State.FAILED,
            ArrayStatus.State.FAILED,
            ArrayStatus.State.FAILED,
            ArrayStatus.State.NOT_SUBMITTED);
    assertThat(s.get(2).detail())
        .isEqualTo("job 41_2 ended without a result (CANCELLED, exit 0:15)");
    assertThat(s.get(3).detail()).startsWith("FAILED: ");
    assertThat(s.get(4).detail()).isEqualTo("job 41_4 ended without a result");
  }

  static RunResult result(String id, String hash, RunResult.Status status) {
    RunResult r = new RunResult();
    r.runId = id;
    r.configHash = hash;
    r.status = status;
    r.statusMessage = status == RunResult.Status.FAILED ? "boom" : null;
    return r;
  }
}
