package org.peftbench.harness.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.cli.Main;
import org.peftbench.harness.results.ResultStore;

/**
 * A suite submitted to a real Slurm cluster as a job array (the single-node cluster .ci/run
 * starts): the results equal a local run of the same suite byte for byte in losses and scores, a
 * task cancelled with scancel shows as failed, and --retry-failed resubmits only that one.
 */
class SlurmArrayOnRealSlurmTest {
  /** Longest wait for an array to drain (the whole test stays well below it when healthy). */
  private static final long WAIT_SECONDS = 300;

  static String suiteYaml(Path shared) {
    return """
        name: slurm-it
        models: [%s]
        tasks: [copa, cb]
        seeds: [7]
        data_dir: %s
        training: {learning_rate: 1.0e-2, batch_size: 2, eval_every_steps: 1}
        caps: {max_steps: 2, max_train_examples: 4, max_validation_examples: 2, max_test_examples: 3, max_seq_len: 64, max_new_tokens: 3}
        evaluation: {mode: rank, measure_throughput: false}
        methods:
          - name: lora
            peft: {peft_type: LORA, r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj]}
          - name: ia3
            peft: {peft_type: IA3, target_modules: [k_proj, v_proj, down_proj], feedforward_modules: [down_proj]}
        """
        .formatted(shared.resolve("models/stories260K"), shared.resolve("datasets"));
  }

  static Path shared() {
    Path p = Path.of(System.getProperty("peftbench.shared", "../../shared"));
    Assumptions.assumeTrue(
        Files.isDirectory(p.resolve("models/stories260K")), "../shared not available");
    return p.toAbsolutePath().normalize();
  }

  @Test
  void arrayResultsEqualALocalRunAndACancelledTaskIsRetried(@TempDir Path tmp) throws Exception {
    Path shared = shared();
    if (!SlurmClient.available()) {
      String why =
          "SKIPPED Slurm integration test: no Slurm cluster answers here (sinfo lists no usable"
              + " node); .ci/run installs and starts a single-node one";
      System.err.println(why);
      Assumptions.abort(why);
    }
    Path suite = tmp.resolve("suite.yaml");
    Files.writeString(suite, suiteYaml(shared));
    Path onSlurm = tmp.resolve("slurm");
    Path local = tmp.resolve("local");

    // at most 2 tasks at once: indices 2 and 3 wait, so 3 can be cancelled while pending
    Cli submit =
        cli(
            "run",
            "--suite",
            suite.toString(),
            "--out",
            onSlurm.toString(),
            "--slurm",
            "--cpus-per-task",
            "1",
            "--array-parallelism",
            "2",
            "--time",
            "10:00");
    assertThat(submit.code).as(submit.text).isZero();
    Matcher m = Pattern.compile("Submitted batch job (\\d+)").matcher(submit.text);
    assertThat(m.find()).as(submit.text).isTrue();
    String job = m.group(1);
    List<String> jobs = new ArrayList<>(List.of(job));
    try {
      exec("scancel", job + "_3");

      // the local run of the same suite, meanwhile, with another thread count
      Cli run =
          cli("--threads", "2", "run", "--suite", suite.toString(), "--out", local.toString());
      assertThat(run.code).as(run.text).isZero();

      Cli first = waitUntilNothingQueued(onSlurm);
      assertThat(first.code).as(first.text).isEqualTo(1); // one failed
      assertThat(first.text)
          .containsPattern("0\\s+done\\s+stories260K__lora__copa__s7")
          .containsPattern("1\\s+done\\s+stories260K__ia3__copa__s7")
          .containsPattern("2\\s+done\\s+stories260K__lora__cb__s7")
          .containsPattern(
              "3\\s+failed\\s+stories260K__ia3__cb__s7-[0-9a-f]+\\s+job " + job + "_3 ended")
          .contains("4 runs: 3 done, 0 running, 0 pending, 1 failed");
      assertThat(runFile(onSlurm, "stories260K__ia3__cb__s7")).isNull();

      Cli retry = cli("slurm", "status", onSlurm.toString(), "--retry-failed", "--quiet");
      Matcher r =
          Pattern.compile("Submitted batch job (\\d+): 1 failed runs \\[3]").matcher(retry.text);
      assertThat(r.find()).as(retry.text).isTrue();
      jobs.add(r.group(1));

      Cli second = waitUntilNothingQueued(onSlurm);
      assertThat(second.code).as(second.text).isZero();
      assertThat(second.text).contains("4 runs: 4 done, 0 running, 0 pending, 0 failed");
    } finally {
      for (String j : jobs) {
        exec("scancel", j);
      }
    }

    // byte for byte: losses, validation evaluations and test scores/predictions of every run
    for (String id :
        List.of(
            "stories260K__lora__copa__s7",
            "stories260K__ia3__copa__s7",
            "stories260K__lora__cb__s7",
            "stories260K__ia3__cb__s7")) {
      JsonNode a = ResultStore.JSON.readTree(runFile(onSlurm, id).toFile());
      JsonNode b = ResultStore.JSON.readTree(runFile(local, id).toFile());
      assertThat(a.get("status").asText()).isEqualTo("COMPLETED");
      assertThat(a.get("provenance").get("threads").asInt()).isEqualTo(1); // SLURM_CPUS_PER_TASK
      for (String field : List.of("config_hash", "train", "evaluations", "test")) {
        assertThat(a.get(field).toString()).as(id + " " + field).isEqualTo(b.get(field).toString());
      }
      assertThat(onSlurm.resolve("logs")).isDirectory();
    }
    assertThat(Files.readString(onSlurm.resolve("logs/3.log")))
        .contains("stories260K__ia3__cb__s7")
        .contains("wrote ");
    // the report merges whatever the array wrote; a local re-run finds everything done
    Cli report = cli("report", "--results", onSlurm.toString());
    assertThat(report.code).as(report.text).isZero();
    Cli again = cli("run", "--suite", suite.toString(), "--out", onSlurm.toString());
    assertThat(again.text).contains("0 completed now, 4 skipped");
  }

  /** Polls {@code slurm status} until no run is pending or running; returns the last answer. */
  private static Cli waitUntilNothingQueued(Path dir) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (true) {
      Cli s = cli("slurm", "status", dir.toString());
      if (s.code != 3) {
        return s;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("array still queued after " + WAIT_SECONDS + " s:\n" + s.text);
      }
      Thread.sleep(1000);
    }
  }

  record Cli(int code, String text) {}

  static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(out, true));
    return new Cli(code, out.toString());
  }

  static void exec(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * The result file of the run whose id starts with {@code readable} (ids end in a hash of the
   * model entry and method), or null when there is none.
   */
  private static Path runFile(Path results, String readable) throws IOException {
    try (var files = Files.list(results.resolve("runs"))) {
      List<Path> found =
          files
              .filter(
                  f -> {
                    String n = f.getFileName().toString();
                    return n.startsWith(readable + "-") && n.endsWith(".json");
                  })
              .toList();
      assertThat(found).as("result files of " + readable).hasSizeLessThanOrEqualTo(1);
      return found.isEmpty() ? null : found.get(0);
    }
  }
}
