package org.peftbench.harness.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.peftbench.datasets.Protocol;

class SuiteLoaderTest {
  static Suite parse(String yaml) {
    return SuiteLoader.parse(
        new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
  }

  @Test
  void smokeIsSevenMethodsOnThreeTasks() {
    Suite s = SuiteLoader.load("smoke");
    assertThat(s.methods())
        .extracting(MethodSpec::peftType)
        .containsExactly(
            "LORA", "IA3", "PROMPT_TUNING", "PREFIX_TUNING", "P_TUNING", "LN_TUNING", "BITFIT");
    assertThat(s.tasks()).hasSize(3);
    assertThat(s.seeds()).hasSize(1);
    assertThat(s.runs()).hasSize(21);
    assertThat(s.caps().maxSteps()).isNotNull();
  }

  @Test
  void peftBenchIsThePapersGrid() {
    Suite s = SuiteLoader.load("peft-bench");
    assertThat(s.tasks()).hasSize(27).doesNotHaveDuplicates();
    assertThat(s.methods()).hasSize(7);
    assertThat(s.seeds()).containsExactly(42L, 123L, 456L, 789L, 101112L);
    assertThat(s.runs()).hasSize(27 * 7 * 5);
    TrainingSettings t = s.runs().get(0).training();
    assertThat(t.learningRate()).isEqualTo(5e-5);
    assertThat(t.warmupRatio()).isEqualTo(0.1);
    assertThat(t.weightDecay()).isEqualTo(1e-5);
    assertThat(t.scheduler()).isEqualTo("cosine");
    assertThat(t.batchSize()).isEqualTo(4);
    assertThat(t.epochs()).isEqualTo(10);
    assertThat(t.evalEveryFraction()).isEqualTo(0.05);
    assertThat(t.validationFraction()).isEqualTo(0.1);
    assertThat(s.protocolResolved()).isEqualTo(Protocol.PEFT_FACTORY);
    assertThat(s.runs()).allMatch(r -> r.protocol() == Protocol.PEFT_FACTORY);
    assertThat(s.models()).containsExactly("../shared/models/llama-3-8b-instruct");
    assertThat(s.caps().maxSeqLen()).isEqualTo(2048);
    assertThat(s.caps().maxNewTokens()).isEqualTo(1024);
    // the paper's learning rates; prefix tuning's own val_size 0.2 and eval_steps 0.1
    java.util.Map<String, TrainingSettings> byMethod = new java.util.HashMap<>();
    for (MethodSpec m : s.methods()) {
      byMethod.put(m.name(), s.effectiveTraining(m));
    }
    assertThat(byMethod.get("prompt-tuning").learningRate()).isEqualTo(3e-2);
    assertThat(byMethod.get("p-tuning").learningRate()).isEqualTo(1e-3);
    assertThat(byMethod.get("prefix-tuning").learningRate()).isEqualTo(1e-5);
    assertThat(byMethod.get("prefix-tuning").validationFraction()).isEqualTo(0.2);
    assertThat(byMethod.get("prefix-tuning").evalEveryFraction()).isEqualTo(0.1);
    for (String m : List.of("lora", "ia3", "lntuning", "bitfit")) {
      assertThat(byMethod.get(m).learningRate()).as(m).isEqualTo(5e-5);
    }
    assertThat(s.methods().get(1).peft().get("feedforward_modules").isTextual()).isTrue();
  }

  @Test
  void protocolIsNamedAndChecked() {
    String rest =
        "models: [m]\ntasks: [sst2]\nseeds: [1]\n"
            + "methods: [{name: a, peft: {peft_type: LORA}}]\n";
    assertThat(parse("name: t\n" + rest).protocolResolved()).isEqualTo(Protocol.PEFT_FACTORY);
    assertThat(parse("name: t\nprotocol: corrected\n" + rest).protocolResolved())
        .isEqualTo(Protocol.CORRECTED);
    assertThat(SuiteLoader.load("smoke").protocolResolved()).isEqualTo(Protocol.CORRECTED);
    assertThatThrownBy(() -> parse("name: t\nprotocol: paper\n" + rest))
        .hasMessageContaining("test.yaml")
        .hasMessageContaining("unknown protocol 'paper' (expected peft-factory or corrected)");
  }

  @Test
  void evalCadenceIsAFractionOfTheStepsUnlessGivenInSteps() {
    TrainingSettings d = TrainingSettings.EMPTY.resolved();
    assertThat(d.evalIntervalSteps(151_540)).isEqualTo(7_577); // ceil(0.05 x 151,540)
    assertThat(d.evalIntervalSteps(10)).isEqualTo(1);
    TrainingSettings steps =
        new TrainingSettings(null, null, null, null, null, null, null, null, null, 20, null)
            .resolved();
    assertThat(steps.evalIntervalSteps(151_540)).isEqualTo(20);
    assertThatThrownBy(
            () ->
                new TrainingSettings(
                        null, null, null, null, null, null, null, null, null, null, null, 0.0, null)
                    .resolved())
        .hasMessageContaining("eval_every_fraction");
  }

  /**
   * {@code gradient_checkpointing}: absent = off (PEFT-Bench's defaults leave it absent, so a
   * resolved suite writes nothing new), a method may turn it on, and it is not part of a
   * checkpoint's fingerprint text, which keeps the form it had before the setting existed.
   */
  @Test
  void gradientCheckpointingIsOffUnlessAskedAndLeavesFingerprintsAlone() {
    TrainingSettings d = TrainingSettings.EMPTY.resolved();
    assertThat(d.gradientCheckpointing()).isNull();
    assertThat(d.checkpointsGradients()).isFalse();
    TrainingSettings on = d.overriddenBy(TrainingSettings.EMPTY.withGradientCheckpointing(true));
    assertThat(on.checkpointsGradients()).isTrue();
    assertThat(on.trajectoryText()).isEqualTo(d.trajectoryText());
    assertThat(d.trajectoryText())
        .isEqualTo(
            "TrainingSettings[optimizer=adamw, learningRate=5.0E-5, scheduler=cosine,"
                + " warmupRatio=0.1, weightDecay=1.0E-5, batchSize=4, gradAccum=1, epochs=10,"
                + " maxGradNorm=1.0, evalEverySteps=null, shuffle=true, evalEveryFraction=0.05,"
                + " validationFraction=0.1]");
  }

  @Test
  void nonFiniteTrainingNumbersAreRefused() {
    for (String bad :
        java.util.List.of(
            "learning_rate: 1.0e400", // parses as Infinity
            "weight_decay: 1.0e400",
            "max_grad_norm: 1.0e400",
            "warmup_ratio: -0.5")) {
      assertThatThrownBy(
              () ->
                  parse(
                      """
                      name: t
                      models: [m]
                      tasks: [sst2]
                      seeds: [1]
                      training: {%s}
                      methods:
                        - name: a
                          peft: {peft_type: IA3}
                      """
                          .formatted(bad)))
          .as(bad)
          .hasMessageContaining(bad.substring(0, bad.indexOf(':')));
    }
    // YAML's own .inf / .nan are refused by the parser, with the line
    assertThatThrownBy(
            () ->
                parse(
                    "name: t\nmodels: [m]\ntasks: [sst2]\nseeds: [1]\n"
                        + "training: {learning_rate: .nan}\n"
                        + "methods: [{name: a, peft: {peft_type: IA3}}]\n"))
        .hasMessageContaining("line 5");
  }

  @Test
  void runIdsNeverCollideWhereTheReadablePartDoes() {
    Suite s =
        parse(
            """
            name: t
            models: [a/llama, b/llama]
            tasks: [sst2]
            seeds: [1]
            methods:
              - name: my lora
                peft: {peft_type: LORA}
              - name: my_lora
                peft: {peft_type: LORA}
            """);
    List<String> ids = s.runs().stream().map(Suite.RunSpec::id).toList();
    assertThat(ids).hasSize(4).doesNotHaveDuplicates();
    assertThat(ids).allMatch(id -> id.matches("llama__my_lora__sst2__s1-[0-9a-f]{10}"));
    assertThat(s.runs().get(0).id()).isEqualTo(s.runs().get(0).id()); // stable
  }

  @Test
  void defaultsAreFilledAndMethodOverridesWin() {
    Suite s =
        parse(
            """
            name: t
            models: [m]
            tasks: [sst2]
            seeds: [1, 2]
            training: {batch_size: 2}
            caps: {max_steps: 5}
            methods:
              - name: a
                peft: {peft_type: LORA, r: 4}
                training: {learning_rate: 0.001}
                caps: {max_steps: 7}
              - name: b
                peft: {peft_type: IA3}
            """);
    List<Suite.RunSpec> runs = s.runs();
    assertThat(runs).hasSize(4);
    Suite.RunSpec a = runs.get(0);
    assertThat(a.training().learningRate()).isEqualTo(0.001);
    assertThat(a.training().batchSize()).isEqualTo(2);
    assertThat(a.training().optimizer()).isEqualTo("adamw");
    assertThat(a.caps().maxSteps()).isEqualTo(7);
    Suite.RunSpec b = runs.get(2);
    assertThat(b.training().learningRate()).isEqualTo(5e-5);
    assertThat(b.caps().maxSteps()).isEqualTo(5);
    // readable part + SHA-256("m\na\nsst2\n1")[:10]: pinned, so ids stay stable across versions
    assertThat(a.id()).isEqualTo("m__a__sst2__s1-1a629679d4");
    assertThat(s.evaluationResolved().mode()).isEqualTo("generate");
    assertThat(s.pscpResolved().betas()).containsExactly(1.0, 2.0);
  }

  @Test
  void configHashFollowsTheWholeConfiguration() {
    String base =
        "name: t\nmodels: [m]\ntasks: [sst2]\nseeds: [1]\n"
            + "methods: [{name: a, peft: {peft_type: LORA, r: 4, lora_alpha: 8}}]\n";
    String h = parse(base).runs().get(0).configHash();
    assertThat(h).hasSize(64).isEqualTo(parse(base).runs().get(0).configHash());
    // key order in the method block does not matter
    assertThat(
            parse(base.replace("r: 4, lora_alpha: 8", "lora_alpha: 8, r: 4"))
                .runs()
                .get(0)
                .configHash())
        .isEqualTo(h);
    assertThat(parse(base.replace("r: 4", "r: 8")).runs().get(0).configHash()).isNotEqualTo(h);
    assertThat(parse(base + "training: {learning_rate: 0.1}\n").runs().get(0).configHash())
        .isNotEqualTo(h);
    assertThat(parse(base + "caps: {max_steps: 3}\n").runs().get(0).configHash()).isNotEqualTo(h);
  }

  @Test
  void errorsNameTheFileAndTheProblem() {
    assertThatThrownBy(() -> parse("name: t\nmodels: [m]\ntasks: [x]\nseeds: [1]\nmethods: []\n"))
        .hasMessageStartingWith("test.yaml")
        .hasMessageContaining("methods");
    assertThatThrownBy(
            () ->
                parse(
                    "name: t\nmodels: [m]\ntasks: [x]\nseeds: [1]\nlearnin_rate: 3\n"
                        + "methods: [{name: a, peft: {peft_type: LORA}}]\n"))
        .hasMessageStartingWith("test.yaml (line ")
        .hasMessageContaining("learnin_rate");
    assertThatThrownBy(
            () ->
                parse(
                    "name: t\nmodels: [m]\ntasks: [x]\nseeds: [1]\ntraining: {scheduler: step}\n"
                        + "methods: [{name: a, peft: {peft_type: LORA}}]\n"))
        .hasMessageContaining("scheduler");
    assertThatThrownBy(
            () ->
                parse(
                    "name: t\nmodels: [m]\ntasks: [x]\nseeds: [1]\n"
                        + "methods: [{name: a, peft: {r: 8}}]\n"))
        .hasMessageContaining("peft_type");
  }
}
