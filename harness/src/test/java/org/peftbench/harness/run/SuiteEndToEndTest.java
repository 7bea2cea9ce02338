package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.RunResult;
import org.peftbench.harness.suite.Suite;
import org.peftbench.harness.suite.SuiteLoader;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.TensorArena;

/** Tiny real runs on stories260K: every PEFT-Bench method, both evaluation modes. */
class SuiteEndToEndTest {
  static final String METHODS =
      """
      methods:
        - name: lora
          peft: {peft_type: LORA, r: 4, lora_alpha: 8, lora_dropout: 0.05, target_modules: [q_proj, v_proj]}
        - name: ia3
          peft: {peft_type: IA3, target_modules: [k_proj, v_proj, down_proj], feedforward_modules: [down_proj]}
        - name: prompt_tuning
          peft: {peft_type: PROMPT_TUNING, num_virtual_tokens: 4}
        - name: prefix_tuning
          peft: {peft_type: PREFIX_TUNING, num_virtual_tokens: 4}
        - name: p_tuning
          peft: {peft_type: P_TUNING, num_virtual_tokens: 4, encoder_hidden_size: 16}
        - name: ln_tuning
          peft: {peft_type: LN_TUNING}
        - name: bitfit
          peft: {peft_type: BITFIT, target_modules: [q_proj, v_proj]}
      """;

  static Suite suite(String mode, boolean throughput, String methods) {
    String yaml =
        """
        name: e2e
        models: [%s]
        tasks: [copa]
        seeds: [7]
        data_dir: %s
        training: {learning_rate: 1.0e-2, batch_size: 2, eval_every_steps: 2}
        caps: {max_steps: 3, max_train_examples: 6, max_validation_examples: 2, max_test_examples: 3, max_seq_len: 64, max_new_tokens: 3}
        evaluation: {mode: %s, measure_throughput: %s}
        """
                .formatted(Stories.model(), Stories.data(), mode, throughput)
            + methods;
    return SuiteLoader.parse(
        new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "e2e.yaml");
  }

  /** The id of the one result in {@code dir/runs} whose readable part is {@code readable}. */
  static String id(Path dir, String readable) {
    try (var files = Files.list(dir.resolve("runs"))) {
      List<String> ids =
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.startsWith(readable + "-") && n.endsWith(".json"))
              .map(n -> n.substring(0, n.length() - ".json".length()))
              .toList();
      assertThat(ids).as(readable).hasSize(1);
      return ids.getFirst();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static SuiteRunner.Summary run(Suite s, Path out) {
    return new SuiteRunner(s, null, out, null, new PrintWriter(new StringWriter()), false).run();
  }

  @Test
  void everyMethodTrainsAndEvaluatesByGenerationThenReRunsSkip(@TempDir Path tmp) throws Exception {
    SuiteRunner.Summary sum = run(suite("generate", false, METHODS), tmp);
    List<RunResult> results = new ResultStore(tmp).readAll();
    assertThat(results).hasSize(7);
    for (RunResult r : results) {
      assertThat(r.status)
          .as(r.runId + ": " + r.statusMessage)
          .isEqualTo(RunResult.Status.COMPLETED);
      assertThat(r.train.steps).isEqualTo(3);
      assertThat(r.train.losses).hasSize(3).allMatch(Double::isFinite);
      assertThat(r.evaluations).hasSize(2); // steps 2 and 3
      assertThat(r.test.mode).isEqualTo("generate");
      assertThat(r.test.examples).isEqualTo(3);
      assertThat(r.test.scorePercent).isBetween(0.0, 100.0);
      assertThat(r.cost.trainableParams).isPositive();
      assertThat(r.provenance.datasetFiles)
          .containsKeys("copa/train.jsonl", "copa/validation.jsonl");
    }
    assertThat(sum.completed()).isEqualTo(7);
    assertThat(Files.isRegularFile(tmp.resolve("report.html"))).isTrue();
    assertThat(
            Files.isRegularFile(
                tmp.resolve(
                    "work/"
                        + id(tmp, "stories260K__lora__copa__s7")
                        + "/best/adapter_model.safetensors")))
        .isTrue();
    assertThat(
            Files.exists(
                tmp.resolve("work/" + id(tmp, "stories260K__lora__copa__s7") + "/checkpoint")))
        .isFalse();

    SuiteRunner.Summary again = run(suite("generate", false, METHODS), tmp);
    assertThat(again.skipped()).isEqualTo(7);
    assertThat(again.completed()).isZero();
  }

  @Test
  void everyMethodEvaluatesByRanking(@TempDir Path tmp) {
    run(suite("rank", false, METHODS), tmp);
    for (RunResult r : new ResultStore(tmp).readAll()) {
      assertThat(r.status)
          .as(r.runId + ": " + r.statusMessage)
          .isEqualTo(RunResult.Status.COMPLETED);
      assertThat(r.test.mode).isEqualTo("rank");
      // a ranked answer is always one of the options: never "invalid"
      assertThat(r.test.samples)
          .allSatisfy(
              s ->
                  assertThat(s.get("predict"))
                      .isIn("1", "2", "A", "B", s.get("label"), s.get("predict")));
    }
  }

  @Test
  void resultFileSchemaAndCosts(@TempDir Path tmp) throws Exception {
    String lora =
        """
        methods:
          - name: lora
            peft: {peft_type: LORA, r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj]}
          - name: prefix_tuning
            peft: {peft_type: PREFIX_TUNING, num_virtual_tokens: 4}
        """;
    run(suite("generate", true, lora), tmp);
    JsonNode j =
        new ObjectMapper()
            .readTree(
                tmp.resolve("runs/" + id(tmp, "stories260K__lora__copa__s7") + ".json").toFile());
    assertThat(j.get("schema").asText()).isEqualTo("peftbench.run/1");
    for (String key :
        List.of(
            "run_id",
            "suite",
            "status",
            "model",
            "method",
            "peft_type",
            "task",
            "seed",
            "config",
            "train",
            "evaluations",
            "test",
            "cost",
            "measurements",
            "provenance")) {
      assertThat(j.has(key)).as(key).isTrue();
    }
    assertThat(j.at("/config/peft/peft_type").asText()).isEqualTo("LORA");
    assertThat(j.at("/config/training/learning_rate").asDouble()).isEqualTo(1e-2);
    assertThat(j.at("/cost/trainable_params").asLong())
        .isEqualTo(5L * (4 * 64 + 64 * 4 + 4 * 64 + 32 * 4));
    assertThat(j.at("/cost/merged_for_inference").asBoolean()).isTrue();
    // M_f counts LoRA unmerged, as trained; M_m is the device-equivalent estimate
    assertThat(j.at("/cost/flops_delta_tflops").asDouble()).isPositive();
    assertThat(j.at("/cost/device_memory_gb").asDouble()).isPositive();
    for (String m :
        List.of(
            "peak_rss_gb",
            "peak_tensor_gb",
            "seconds_per_step",
            "prefill_tokens_per_second_base",
            "decode_tokens_per_second_base",
            "prefill_tokens_per_second_adapted",
            "decode_tokens_per_second_adapted")) {
      assertThat(j.at("/measurements/" + m).asDouble()).as(m).isPositive();
    }
    String commit =
        org.peftbench.harness.results.Provenance.gitCommit(Path.of("").toAbsolutePath());
    assertThat(j.at("/provenance/git_commit").asText(null)).isEqualTo(commit);
    assertThat(j.at("/provenance/dataset_files/copa~1train.jsonl").asText()).hasSize(64);
    JsonNode prefix =
        new ObjectMapper()
            .readTree(
                tmp.resolve("runs/" + id(tmp, "stories260K__prefix_tuning__copa__s7") + ".json")
                    .toFile());
    assertThat(prefix.at("/cost/flops_delta_tflops").asDouble()).isPositive();
    assertThat(prefix.at("/cost/merged_for_inference").asBoolean()).isFalse();
  }

  @Test
  void sameSeedSameResultsWithAnyThreadCount(@TempDir Path tmp) throws Exception {
    String lora =
        """
        methods:
          - name: lora
            peft: {peft_type: LORA, r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: [q_proj, v_proj]}
        """;
    int before = Parallel.threads();
    try {
      Parallel.setThreads(1);
      run(suite("generate", false, lora), tmp.resolve("t1"));
      Parallel.setThreads(2);
      run(suite("generate", false, lora), tmp.resolve("t2"));
    } finally {
      Parallel.setThreads(before);
    }
    assertThat(deterministicPart(tmp.resolve("t1")))
        .isEqualTo(deterministicPart(tmp.resolve("t2")));
  }

  static JsonNode deterministicPart(Path dir) throws Exception {
    ObjectNode j =
        (ObjectNode)
            new ObjectMapper()
                .readTree(
                    dir.resolve("runs/" + id(dir, "stories260K__lora__copa__s7") + ".json")
                        .toFile());
    j.remove("measurements");
    j.remove("provenance");
    return j;
  }

  @Test
  void aKilledRunResumesFromItsLastCheckpoint(@TempDir Path tmp) {
    Suite s =
        suite(
            "generate",
            false,
            """
            methods:
              - name: lora
                peft: {peft_type: LORA, r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj]}
                caps: {max_steps: 5}
            """);
    Suite.RunSpec spec = s.runs().get(0);
    var data = new org.peftbench.datasets.DataDir(Stories.data());
    RunResult whole =
        RunExecutor.execute("e2e", spec, Stories.model(), data, tmp.resolve("whole"), null, null);
    Trainer.Listener kill =
        new Trainer.Listener() {
          @Override
          public void onStep(int step, int total, double loss) {
            if (step == 3) {
              throw new IllegalStateException("simulated kill");
            }
          }
        };
    Path work = tmp.resolve("killed");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> RunExecutor.execute("e2e", spec, Stories.model(), data, work, kill, null))
        .hasMessage("simulated kill");
    assertThat(work.resolve("checkpoint/state.json")).exists(); // from the evaluation at step 2
    RunResult resumed = RunExecutor.execute("e2e", spec, Stories.model(), data, work, null, null);
    assertThat(resumed.measurements.resumed).isTrue();
    assertThat(resumed.train.losses).isEqualTo(whole.train.losses);
    assertThat(resumed.test.metrics).isEqualTo(whole.test.metrics);
    assertThat(resumed.train.bestStep).isEqualTo(whole.train.bestStep);
  }

  @Test
  void theTensorArenaChangesNoResult(@TempDir Path tmp) {
    // every method's training (dropout, virtual tokens, prefix keys, validation between steps)
    // reuses the arrays of closed tensors inside the arena: nothing closed may be read again
    Suite s = suite("generate", false, METHODS);
    var data = new org.peftbench.datasets.DataDir(Stories.data());
    for (Suite.RunSpec spec : s.runs()) {
      boolean[] arenaOpen = {false};
      Trainer.Listener probe =
          new Trainer.Listener() {
            @Override
            public void onStep(int step, int total, double loss) {
              arenaOpen[0] |= TensorArena.isOpen();
            }
          };
      RunResult pooled =
          RunExecutor.execute(
              "e2e", spec, Stories.model(), data, tmp.resolve(spec.id() + "-arena"), probe, null);
      String before = System.getProperty("peftbench.arena");
      RunResult plain;
      try {
        System.setProperty("peftbench.arena", "false");
        plain =
            RunExecutor.execute(
                "e2e", spec, Stories.model(), data, tmp.resolve(spec.id() + "-plain"), null, null);
      } finally {
        if (before == null) {
          System.clearProperty("peftbench.arena");
        } else {
          System.setProperty("peftbench.arena", before);
        }
      }
      assertThat(arenaOpen[0]).as(spec.id() + ": trained inside an arena").isTrue();
      assertThat(TensorArena.isOpen()).as("closed after the run").isFalse();
      assertThat(pooled.status).as(spec.id()).isEqualTo(RunResult.Status.COMPLETED);
      assertThat(pooled.train.losses).as(spec.id()).isEqualTo(plain.train.losses);
      assertThat(pooled.evaluations)
          .as(spec.id())
          .usingRecursiveFieldByFieldElementComparator()
          .isEqualTo(plain.evaluations);
      assertThat(pooled.test.metrics).as(spec.id()).isEqualTo(plain.test.metrics);
      assertThat(pooled.test.samples).as(spec.id()).isEqualTo(plain.test.samples);
    }
  }

  @Test
  void aRunWithoutDataFailsAloneAndTheSuiteGoesOn(@TempDir Path tmp) throws Exception {
    String yaml =
        """
        name: e2e
        models: [%s]
        tasks: [qqp, copa]
        seeds: [7]
        data_dir: %s
        training: {learning_rate: 1.0e-2, batch_size: 2}
        caps: {max_steps: 2, max_train_examples: 4, max_validation_examples: 2, max_test_examples: 2, max_seq_len: 48}
        evaluation: {mode: rank, measure_throughput: false}
        methods:
          - name: ia3
            peft: {peft_type: IA3}
        """
            .formatted(Stories.model(), Stories.data());
    Suite s =
        SuiteLoader.parse(
            new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "f.yaml");
    Path qqp = Stories.data().resolve("qqp");
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Files.isRegularFile(qqp.resolve("train.jsonl")), "qqp has data here");
    StringWriter log = new StringWriter();
    SuiteRunner.Summary sum =
        new SuiteRunner(s, null, tmp, null, new PrintWriter(log), false).run();
    assertThat(sum.completed()).isEqualTo(1);
    assertThat(sum.failed()).isEqualTo(1);
    assertThat(log.toString()).contains("warning: the runs of task qqp will fail");
    RunResult failed = new ResultStore(tmp).read(id(tmp, "stories260K__ia3__qqp__s7"));
    assertThat(failed.status).isEqualTo(RunResult.Status.FAILED);
    assertThat(failed.statusMessage).contains("qqp");
    assertThat(
            Files.readString(
                tmp.resolve("work/" + id(tmp, "stories260K__ia3__qqp__s7") + "/run.log")))
        .contains("FAILED");
    assertThat(Files.readString(tmp.resolve("report.html"))).contains("did not complete");
  }

  @Test
  void aChangedConfigRunsAgain(@TempDir Path tmp) {
    String ia3 =
        """
        methods:
          - name: ia3
            peft: {peft_type: IA3}
        """;
    run(suite("rank", false, ia3), tmp);
    SuiteRunner.Summary changed =
        run(suite("rank", false, ia3 + "    training: {learning_rate: 0.05}\n"), tmp);
    assertThat(changed.completed()).as("failed: %d", changed.failed()).isEqualTo(1);
    assertThat(changed.skipped()).isZero();
    SuiteRunner.Summary same =
        run(suite("rank", false, ia3 + "    training: {learning_rate: 0.05}\n"), tmp);
    assertThat(same.skipped()).isEqualTo(1);
  }

  @Test
  void veraLohaAndLokrRunInSuitesWithTheirCosts(@TempDir Path tmp) {
    // their cost figures used to fail the run ("no FLOP formula for peft_type 'VERA'")
    String methods =
        """
        methods:
          - name: vera
            peft: {peft_type: VERA, r: 16, vera_dropout: 0.1}
          - name: loha
            peft: {peft_type: LOHA, r: 4}
          - name: lokr
            peft: {peft_type: LOKR, r: 4}
        """;
    run(suite("rank", false, methods), tmp);
    List<RunResult> results = new ResultStore(tmp).readAll();
    assertThat(results).hasSize(3);
    for (RunResult r : results) {
      assertThat(r.status)
          .as(r.runId + ": " + r.statusMessage)
          .isEqualTo(RunResult.Status.COMPLETED);
      assertThat(r.cost.mergedForInference).as(r.runId).isTrue();
      assertThat(r.cost.forwardFlopsAdapted).as(r.runId).isGreaterThan(r.cost.forwardFlopsBase);
      assertThat(r.cost.forwardFlopsBase).isEqualTo(601_096_192.0); // stories260K, T = 512
      assertThat(r.cost.trainableParams).isPositive();
    }
  }
}
