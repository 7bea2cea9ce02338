package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.LrSchedule;
import org.peftbench.autograd.optim.TrainStep;
import org.peftbench.harness.suite.TrainingSettings;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.ResidentTrainer;
import org.peftbench.tensor.backend.ResidentTraining;
import org.peftbench.tensor.backend.TrainBatch;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.CausalLM;

/**
 * The trainer's use of a backend's resident training step, with a stand-in "device" on the CPU: a
 * backend that offers {@link ResidentTraining} and whose trainer runs autograd's step on its own
 * copy of the trainable values, handing them to the host only when asked. A harness that forgot to
 * copy them back before validating or saving would evaluate and save stale values.
 */
class ResidentStepTest {
  static final int STEPS = 4;

  /**
   * What one training run saw; {@code loadedState}: the device trainer took a checkpoint's state;
   * {@code trainedParameters}: how many values trained (the adapter as reloaded at the end may be
   * smaller: prefix tuning's projection is saved as its output table); {@code modelCheckpointing}:
   * the model's gradient checkpointing after the run; {@code specRecompute}: the device spec's
   * recomputation (null when no device trainer opened).
   */
  record Run(
      Trainer.Outcome outcome,
      List<float[]> trained,
      List<String> notices,
      long opened,
      boolean loadedState,
      long trainedParameters,
      boolean modelCheckpointing,
      Boolean specRecompute) {}

  /**
   * A resident step computed on the CPU: the parameters and AdamW's moments live in this object;
   * the host's tensors keep the values of the last {@link #copyParametersToHost}.
   */
  static final class CpuResidentTrainer implements ResidentTrainer {
    private final PeftModel model;
    private final LlamaTrainSpec spec;
    private final List<Parameter> params;
    private final AdamW adamw;
    private List<float[]> device;
    private List<float[]> host;
    private long steps;
    boolean loadedState;

    CpuResidentTrainer(PeftModel model, LlamaTrainSpec spec) {
      this.model = model;
      this.spec = spec;
      this.params = model.trainableParameters();
      assertThat(params).hasSameSizeAs(spec.trainables());
      for (int i = 0; i < params.size(); i++) {
        assertThat(spec.trainables().get(i).value()).isSameAs(params.get(i).value());
      }
      LlamaTrainSpec.AdamWSettings o = spec.optimizer();
      this.adamw =
          new AdamW(params, o.beta1(), o.beta2(), o.eps(), o.weightDecay())
              .decayOnly(p -> spec.trainables().get(params.indexOf(p)).weightDecay());
      this.device = snapshot();
      this.host = snapshot();
    }

    @Override
    public StepResult step(TrainBatch batch, double lr) {
      assertThat(batch.batch()).isLessThanOrEqualTo(spec.batch());
      assertThat(batch.time()).isLessThanOrEqualTo(spec.time());
      load(device);
      TrainStep.Result r =
          new TrainStep(adamw, LrSchedule.constant(lr, 0), spec.optimizer().maxGradNorm(), 1, 0)
              .run(
                  steps,
                  m -> model.loss(batch.ids(), null, batch.labels(), batch.batch(), batch.time()));
      device = snapshot();
      load(host); // the host sees the step only after copyParametersToHost
      steps++;
      return new StepResult((float) r.loss(), (float) r.gradNorm());
    }

    @Override
    public void copyParametersToHost() {
      host = device;
      load(host);
    }

    @Override
    public OptimizerState copyOptimizerStateToHost() {
      List<float[]> m = new ArrayList<>(), v = new ArrayList<>();
      long t = 0;
      for (Parameter p : params) {
        AdamW.Moments mo = adamw.moments(p);
        m.add(mo.expAvg());
        v.add(mo.expAvgSq());
        t = mo.step();
      }
      return new OptimizerState(t, m, v);
    }

    @Override
    public void loadOptimizerState(OptimizerState state) {
      assertThat(steps).as("optimizer state loads before the first step").isZero();
      for (int i = 0; i < params.size(); i++) {
        adamw.setMoments(
            params.get(i),
            new AdamW.Moments(state.expAvg().get(i), state.expAvgSq().get(i), state.steps()));
      }
      loadedState = true;
    }

    @Override
    public long plannedDeviceBytes() {
      return 3L * params.stream().mapToLong(p -> p.value().size() * Float.BYTES).sum();
    }

    @Override
    public long deviceSteps() {
      return steps;
    }

    @Override
    public long hostOperations() {
      return 0;
    }

    @Override
    public void close() {}

    private List<float[]> snapshot() {
      return params.stream().map(p -> p.value().toFloatArray()).toList();
    }

    private void load(List<float[]> values) {
      for (int i = 0; i < params.size(); i++) {
        Tensor t = params.get(i).value();
        float[] v = values.get(i);
        for (int j = 0; j < v.length; j++) {
          t.set(j, v[j]);
        }
      }
    }
  }

  /** The CPU backend plus {@link ResidentTraining}, counting the trainers it opens. */
  static Backend residentCpu(AtomicReference<PeftModel> model, List<CpuResidentTrainer> opened) {
    CpuBackend cpu = new CpuBackend();
    return (Backend)
        Proxy.newProxyInstance(
            ResidentStepTest.class.getClassLoader(),
            new Class<?>[] {Backend.class, ResidentTraining.class},
            (proxy, method, args) -> {
              if (method.getName().equals("openTrainer")) {
                CpuResidentTrainer t =
                    new CpuResidentTrainer(model.get(), (LlamaTrainSpec) args[0]);
                opened.add(t);
                return t;
              }
              if (method.getName().equals("name")) {
                return "resident-cpu";
              }
              try {
                return method.invoke(cpu, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  static PeftConfig config(String json) {
    return PeftConfigs.fromJson(json, "test");
  }

  static final PeftConfig LORA =
      config("{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"lora_dropout\": 0.0}");

  /** Trains stories260K {@link #STEPS} steps, on the resident CPU backend when {@code resident}. */
  static Run train(PeftConfig config, int gradAccum, boolean resident, Path work) {
    return train(config, gradAccum, resident, work, 0);
  }

  /** As above; {@code killAfter} > 0 throws after that step (an interrupted run). */
  static Run train(PeftConfig config, int gradAccum, boolean resident, Path work, int killAfter) {
    return train(config, gradAccum, resident, work, killAfter, null);
  }

  /** As above, with the training setting {@code gradient_checkpointing}. */
  static Run train(
      PeftConfig config,
      int gradAccum,
      boolean resident,
      Path work,
      int killAfter,
      Boolean gradientCheckpointing) {
    TrainingSettings s =
        new TrainingSettings("adamw", 3e-2, "cosine", 0.1, 1e-2, 2, gradAccum, 100, 1.0, null, true)
            .withGradientCheckpointing(gradientCheckpointing)
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
    AtomicReference<PeftModel> adapted = new AtomicReference<>();
    List<CpuResidentTrainer> opened = new ArrayList<>();
    Backend before = Backends.current();
    Backends.use(resident ? residentCpu(adapted, opened) : new CpuBackend());
    try (CausalLM model = CausalLM.load(Stories.model())) {
      PeftModel pm = PeftModel.apply(model, config, 5, null);
      adapted.set(pm);
      long trainable = pm.trainableParameters().stream().mapToLong(p -> p.value().size()).sum();
      Trainer.Outcome o =
          new Trainer(
                  new PeftRunModel(pm, "stories260K", 0),
                  ResumeWithDropoutTest.data(16, 1),
                  ResumeWithDropoutTest.data(4, 2),
                  new Trainer.Plan(s, 11, STEPS, 2),
                  work,
                  listener)
              .run();
      List<float[]> trained =
          pm.trainableParameters().stream().map(p -> p.value().toFloatArray()).toList();
      long steps = opened.stream().mapToLong(CpuResidentTrainer::deviceSteps).sum();
      assertThat(opened.size()).isLessThanOrEqualTo(1);
      boolean loaded = opened.stream().anyMatch(t -> t.loadedState);
      return new Run(
          o,
          trained,
          notices,
          opened.isEmpty() ? -1 : steps,
          loaded,
          trainable,
          model.gradientCheckpointing(),
          opened.isEmpty() ? null : opened.getFirst().spec.recompute());
    } finally {
      Backends.use(before);
    }
  }

  /** LoRA, and prefix tuning (its keys and values an encoder's output, every layer reads them). */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"lora_dropout\": 0.0}",
        "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 4,"
            + " \"prefix_projection\": true, \"encoder_hidden_size\": 16}"
      })
  void everyStepRunsResidentAndTheRunEqualsThePerOpOne(String json, @TempDir Path tmp) {
    PeftConfig method = config(json);
    Run perOp = train(method, 1, false, tmp.resolve("per-op"));
    Run resident = train(method, 1, true, tmp.resolve("resident"));

    assertThat(perOp.notices()).isEmpty(); // the CPU backend: nothing changes, nothing said
    assertThat(resident.notices()).hasSize(1);
    assertThat(resident.notices().getFirst()).contains("resident").contains("resident-cpu");
    assertThat(resident.opened()).isEqualTo(STEPS);
    // the resident step's device memory is reported (the benchmark's M_m with pscp.memory resident)
    assertThat(perOp.outcome().residentDeviceBytes()).isEqualTo(-1);
    assertThat(resident.outcome().residentDeviceBytes())
        .isEqualTo(3L * 4 * resident.trainedParameters());

    List<Double> expected = perOp.outcome().state().losses;
    List<Double> actual = resident.outcome().state().losses;
    assertThat(actual).hasSize(STEPS);
    for (int i = 0; i < STEPS; i++) {
      assertThat(actual.get(i))
          .as("loss of step " + (i + 1))
          .isCloseTo(expected.get(i), within(1e-5));
    }
    // validation runs on the host: it sees the trained values only if they were copied back
    List<double[]> ev = perOp.outcome().state().evaluations;
    List<double[]> rv = resident.outcome().state().evaluations;
    assertThat(rv).hasSameSizeAs(ev).hasSize(2);
    for (int i = 0; i < ev.size(); i++) {
      assertThat(rv.get(i)[2]).as("validation loss " + i).isCloseTo(ev.get(i)[2], within(1e-5));
    }
    assertThat(resident.outcome().state().bestStep).isEqualTo(perOp.outcome().state().bestStep);
    // the best adapter as saved and reloaded at the end
    for (int i = 0; i < perOp.trained().size(); i++) {
      float[] e = perOp.trained().get(i);
      float[] a = resident.trained().get(i);
      for (int j = 0; j < e.length; j++) {
        assertThat(a[j]).as("trained parameter %d[%d]", i, j).isCloseTo(e[j], within(1e-5f));
      }
    }
    // AdamW's moments came back from the "device" for the checkpoint
    assertThat(tmp.resolve("resident/checkpoint/" + Trainer.OPTIMIZER_FILE)).exists();
    assertThat(tmp.resolve("per-op/checkpoint/" + Trainer.OPTIMIZER_FILE)).exists();
  }

  /**
   * The training setting {@code gradient_checkpointing} switches the model's checkpointing on,
   * which the per-op step honours (the same losses) and the resident step's spec carries
   * (recompute).
   */
  @Test
  void gradientCheckpointingReachesTheModelAndTheDeviceSpec(@TempDir Path tmp) {
    Run plain = train(LORA, 1, false, tmp.resolve("plain"));
    Run perOp = train(LORA, 1, false, tmp.resolve("per-op"), 0, true);
    Run resident = train(LORA, 1, true, tmp.resolve("resident"), 0, true);
    Run residentPlain = train(LORA, 1, true, tmp.resolve("resident-plain"));

    assertThat(plain.modelCheckpointing()).isFalse();
    assertThat(perOp.modelCheckpointing()).isTrue();
    assertThat(resident.modelCheckpointing()).isTrue();
    assertThat(resident.specRecompute()).isTrue();
    assertThat(residentPlain.specRecompute()).isFalse();
    List<Double> want = plain.outcome().state().losses, got = perOp.outcome().state().losses;
    assertThat(got).hasSize(STEPS);
    for (int i = 0; i < STEPS; i++) {
      assertThat(got.get(i)).as("loss of step " + (i + 1)).isCloseTo(want.get(i), within(1e-6));
    }
  }

  @Test
  void anInterruptedResidentRunResumesWithItsOptimizerStateOnTheDevice(@TempDir Path tmp) {
    Run whole = train(LORA, 1, true, tmp.resolve("whole"));
    Path work = tmp.resolve("interrupted");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> train(LORA, 1, true, work, 3))
        .hasMessageContaining("killed");
    Run resumed = train(LORA, 1, true, work);

    assertThat(resumed.outcome().resumed()).isTrue();
    assertThat(resumed.loadedState())
        .as("the device trainer took the checkpoint's moments")
        .isTrue();
    assertThat(resumed.notices().getFirst()).contains("resident");
    assertThat(resumed.opened()).isEqualTo(STEPS - 2); // checkpoint at step 2, steps 3 and 4 run
    List<Double> w = whole.outcome().state().losses, r = resumed.outcome().state().losses;
    assertThat(r).hasSize(STEPS);
    for (int i = 0; i < STEPS; i++) {
      // fresh moments (a restart of AdamW) would change steps 3 and 4
      assertThat(r.get(i)).as("loss of step " + (i + 1)).isCloseTo(w.get(i), within(1e-6));
    }
    for (int i = 0; i < whole.trained().size(); i++) {
      float[] e = whole.trained().get(i), a = resumed.trained().get(i);
      for (int j = 0; j < e.length; j++) {
        assertThat(a[j]).as("trained parameter %d[%d]", i, j).isCloseTo(e[j], within(1e-6f));
      }
    }
  }

  @Test
  void loraDropoutFallsBackToThePerOpStepWithTheReason(@TempDir Path tmp) {
    Run run =
        train(
            config("{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"lora_dropout\": 0.1}"),
            1,
            true,
            tmp);
    assertThat(run.notices()).hasSize(1);
    assertThat(run.notices().getFirst()).contains("per operation").contains("LoRA dropout");
    assertThat(run.opened()).isEqualTo(-1); // no trainer opened
    assertThat(run.outcome().state().losses).hasSize(STEPS).allMatch(Double::isFinite);
    assertThat(run.outcome().nonFinite()).isNull();
  }

  @Test
  void gradientAccumulationFallsBackToThePerOpStep(@TempDir Path tmp) {
    Run run = train(LORA, 2, true, tmp);
    assertThat(run.notices()).hasSize(1);
    assertThat(run.notices().getFirst()).contains("per operation").contains("grad_accum 2");
    assertThat(run.opened()).isEqualTo(-1);
    assertThat(run.outcome().state().losses).hasSize(STEPS);
  }
}
