package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.run.PeftRunModel;
import org.peftbench.harness.run.TokenizedExample;
import org.peftbench.harness.run.Trainer;
import org.peftbench.harness.suite.TrainingSettings;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.CausalLM;

/**
 * A whole LoRA training run of the real stories260K through the harness's {@link Trainer} (what
 * {@code peftbench train} and suite runs use): on the TornadoVM backend every optimizer step runs
 * resident on the device, validation runs on the device's per-op and fused-layer paths, and the
 * trained adapter comes back for checkpoints and the best-adapter copy. Its losses (every step and
 * every validation) and its trained LoRA matrices must equal the same run on the CPU backend within
 * float tolerance.
 */
class TrainingRunOnDeviceTest {
  static final int STEPS = 12, EVAL_EVERY = 4;
  static TornadoBackend tornado;

  @BeforeAll
  static void open() {
    tornado = TornadoBackend.open();
  }

  /** Random token sequences of 6–13 tokens (ragged, so batches are right-padded). */
  static List<TokenizedExample> data(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TokenizedExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[6 + r.nextInt(8)];
      ids[0] = 1; // BOS
      for (int t = 1; t < ids.length; t++) {
        ids[t] = 3 + r.nextInt(509);
      }
      out.add(TokenizedExample.ofIds(ids));
    }
    return out;
  }

  record Run(List<Double> losses, List<double[]> evaluations, List<float[]> trained, String path) {}

  static Run train(Backend backend, Path work) {
    return train(backend, work, 0);
  }

  /** {@code killAfter} > 0: the run throws after that step (an interrupted run). */
  static Run train(Backend backend, Path work, int killAfter) {
    Path model = ResidentTrainStepTest.model();
    TrainingSettings s =
        new TrainingSettings("adamw", 3e-2, "cosine", 0.1, 1e-2, 2, 1, 100, 1.0, null, true)
            .resolved();
    List<String> notices = new ArrayList<>();
    Trainer.Listener listener =
        new Trainer.Listener() {
          @Override
          public void onNotice(String message) {
            notices.add(message);
          }

          @Override
          public void onStep(int step, int total, double loss) {
            if (step == killAfter) {
              throw new IllegalStateException("killed");
            }
          }
        };
    Backend before = Backends.current();
    Backends.use(backend);
    try (CausalLM lm = CausalLM.load(model)) {
      PeftModel pm =
          PeftModel.apply(
              lm,
              PeftConfigs.fromJson(
                  "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"lora_dropout\": 0.0,"
                      + " \"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\","
                      + " \"gate_proj\", \"up_proj\", \"down_proj\"]}",
                  "test"),
              7);
      Trainer.Outcome o =
          new Trainer(
                  new PeftRunModel(pm, "stories260K", 0),
                  data(40, 1),
                  data(6, 2),
                  new Trainer.Plan(s, 11, STEPS, EVAL_EVERY),
                  work,
                  listener)
              .run();
      List<float[]> trained =
          pm.trainableParameters().stream().map(p -> p.value().toFloatArray()).toList();
      String path =
          notices.stream().filter(n -> n.startsWith("training steps run")).findFirst().orElse("");
      return new Run(o.state().losses, o.state().evaluations, trained, path);
    } finally {
      Backends.use(before);
    }
  }

  @Test
  void loraRunOnTheDeviceEqualsTheCpuRun(@TempDir Path tmp) throws Exception {
    Run cpu = train(new CpuBackend(), Files.createDirectory(tmp.resolve("cpu")));
    Run device = train(tornado, Files.createDirectory(tmp.resolve("device")));

    assertThat(device.path()).startsWith("training steps run resident on the");
    assertThat(cpu.losses()).hasSize(STEPS);
    assertThat(device.losses()).hasSize(STEPS);
    for (int s = 0; s < STEPS; s++) {
      assertThat(device.losses().get(s))
          .as("loss of step %d", s + 1)
          .isCloseTo(cpu.losses().get(s), within(2e-5));
    }
    // the run must have learned something, or equal losses would prove little
    assertThat(cpu.losses().get(STEPS - 1)).isLessThan(cpu.losses().get(0) - 0.1);
    assertThat(device.evaluations())
        .hasSameSizeAs(cpu.evaluations())
        .hasSizeGreaterThanOrEqualTo(3);
    for (int i = 0; i < cpu.evaluations().size(); i++) {
      double[] c = cpu.evaluations().get(i), d = device.evaluations().get(i);
      assertThat(d[0]).isEqualTo(c[0]); // step
      assertThat(d[2]).as("validation loss %d", i).isCloseTo(c[2], within(2e-5));
    }
    float worst = 0f;
    for (int i = 0; i < cpu.trained().size(); i++) {
      float[] c = cpu.trained().get(i), d = device.trained().get(i);
      for (int j = 0; j < c.length; j++) {
        worst = Math.max(worst, Math.abs(c[j] - d[j]));
      }
    }
    // AdamW divides each gradient by its running RMS, so a parameter whose gradient is near zero
    // turns rounding differences into steps of up to lr (3e-2): measured 1.1e-4, under 1% of lr
    assertThat(worst).as("largest difference of a trained LoRA value").isLessThan(2.5e-4f);

    // interrupted after step 6 (checkpoint at step 4), resumed: AdamW's moments went to the
    // checkpoint from the device and back, so steps 5..12 repeat the uninterrupted device run
    Path work = Files.createDirectory(tmp.resolve("interrupted"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> train(tornado, work, 6))
        .hasMessageContaining("killed");
    Run resumed = train(tornado, work);
    assertThat(resumed.path()).startsWith("training steps run resident on the");
    for (int s = 0; s < STEPS; s++) {
      assertThat(resumed.losses().get(s))
          .as("resumed run, loss of step %d", s + 1)
          .isCloseTo(device.losses().get(s), within(1e-6));
    }
  }
}
