package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.harness.suite.TrainingSettings;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.transformer.CausalLM;

/**
 * Every method with dropout, trained on the real stories260K with dropout on and gradient
 * accumulation: a run killed after its step-2 checkpoint and resumed ends with exactly the losses
 * (bit for bit) of the uninterrupted run, because every mask is a function of (seed, step,
 * micro-batch, module) and none of a counter that the restart would reset.
 */
class ResumeWithDropoutTest {
  static final int STEPS = 4;

  static PeftConfig config(String method, double p) {
    String json =
        switch (method) {
          case "lora" ->
              "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"lora_dropout\": " + p + "}";
          case "dora" ->
              "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"use_dora\": true,"
                  + " \"lora_dropout\": "
                  + p
                  + "}";
          case "vera" -> "{\"peft_type\": \"VERA\", \"r\": 16, \"vera_dropout\": " + p + "}";
          case "p-tuning-lstm" ->
              "{\"peft_type\": \"P_TUNING\", \"num_virtual_tokens\": 4,"
                  + " \"encoder_reparameterization_type\": \"LSTM\", \"encoder_hidden_size\": 16,"
                  + " \"encoder_num_layers\": 2, \"encoder_dropout\": "
                  + p
                  + "}";
          default -> throw new IllegalArgumentException(method);
        };
    return PeftConfigs.fromJson(json, method);
  }

  static List<TokenizedExample> data(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TokenizedExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[6 + r.nextInt(6)];
      for (int t = 0; t < ids.length; t++) {
        ids[t] = 1 + r.nextInt(511);
      }
      out.add(TokenizedExample.ofIds(ids));
    }
    return out;
  }

  /** Trains {@code config} in {@code work}; {@code killAfter} > 0 throws after that step. */
  static Trainer.Outcome train(PeftConfig config, Path work, int killAfter) {
    TrainingSettings s =
        new TrainingSettings("adamw", 3e-2, "cosine", 0.1, 1e-5, 2, 2, 100, 1.0, null, true)
            .resolved();
    Trainer.Listener kill =
        new Trainer.Listener() {
          @Override
          public void onStep(int step, int total, double loss) {
            if (step == killAfter) {
              throw new IllegalStateException("killed");
            }
          }
        };
    try (CausalLM model = CausalLM.load(Stories.model())) {
      PeftModel pm = PeftModel.apply(model, config, 5, null);
      return new Trainer(
              new PeftRunModel(pm, "stories260K", 0),
              data(16, 1),
              data(4, 2),
              new Trainer.Plan(s, 11, STEPS, 2),
              work,
              kill)
          .run();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"lora", "dora", "vera", "p-tuning-lstm"})
  void aResumedRunWithDropoutEqualsTheUninterruptedOne(String method, @TempDir Path tmp) {
    PeftConfig config = config(method, 0.3);
    Trainer.Outcome whole = train(config, tmp.resolve("whole"), -1);
    assertThat(whole.state().losses).hasSize(STEPS);

    Path work = tmp.resolve("killed");
    assertThatThrownBy(() -> train(config, work, 3)).hasMessage("killed");
    assertThat(work.resolve("checkpoint/state.json")).exists(); // written after step 2
    Trainer.Outcome resumed = train(config, work, -1);
    assertThat(resumed.resumed()).isTrue();
    assertThat(resumed.state().losses).containsExactlyElementsOf(whole.state().losses);
    assertThat(resumed.state().bestValidationLoss).isEqualTo(whole.state().bestValidationLoss);

    // and dropout is on in these runs: without it the trajectory differs
    Trainer.Outcome noDropout = train(config(method, 0.0), tmp.resolve("p0"), -1);
    assertThat(noDropout.state().losses).isNotEqualTo(whole.state().losses);
  }
}
