package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.LrSchedule;
import org.peftbench.autograd.optim.TrainStep;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.peft.ResidentTrainSpecs;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.ResidentTrainer;
import org.peftbench.tensor.backend.TrainBatch;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.CausalLM;

/**
 * The resident training step against autograd's on the CPU backend: 20 AdamW steps (weight decay,
 * gradient clipping, a warm-up schedule) of the real stories260K with each method the device step
 * runs, on batches of random tokens (some shorter than the step's capacity, one with right
 * padding). Every step's loss must match, and so must the parameters at the end. The step must run
 * on the device: one device run per step, none of the per-op backend, and the probe of every step
 * (a sequential host run of the graph would fail it) checked.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ResidentTrainStepTest {
  static final int STEPS = 20, BATCH = 2, TIME = 16;
  static final double LR = 1e-2, MAX_NORM = 1.0;
  static final LlamaTrainSpec.AdamWSettings ADAMW =
      new LlamaTrainSpec.AdamWSettings(0.9, 0.999, 1e-8, 0.01, MAX_NORM);
  static TornadoBackend tornado;

  @BeforeAll
  static void open() {
    tornado = TornadoBackend.open();
  }

  static Path model() {
    Path m =
        Path.of(System.getProperty("peftbench.shared", "../shared")).resolve("models/stories260K");
    assumeThat(Files.isDirectory(m)).as("stories260K in ../shared").isTrue();
    return m;
  }

  /** Step s's batch: random tokens; every 4th is shorter, every 5th has its second row padded. */
  static TrainBatch batch(int s, int vocab) {
    Random r = new Random(100 + s);
    int time = s % 4 == 3 ? TIME - 5 : TIME;
    int[] ids = new int[BATCH * time];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 3 + r.nextInt(vocab - 3);
    }
    int[] labels = ids.clone();
    int[] positions = new int[ids.length];
    boolean[] padding = null;
    for (int i = 0; i < ids.length; i++) {
      positions[i] = i % time;
    }
    if (s % 5 == 4) {
      padding = new boolean[ids.length];
      for (int t = time - 4; t < time; t++) {
        padding[time + t] = true;
        labels[time + t] = TrainBatch.IGNORE;
        ids[time + t] = 0;
      }
    }
    return new TrainBatch(ids, labels, positions, padding, BATCH, time);
  }

  static int[] attentionMask(TrainBatch b) {
    if (b.padding() == null) {
      return null;
    }
    int[] mask = new int[b.ids().length];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = b.padding()[i] ? 0 : 1;
    }
    return mask;
  }

  /** A run's losses and trained parameters; {@code deviceBytes} 0 on the CPU. */
  record Run(float[] losses, List<float[]> params, float moved, long deviceBytes) {}

  static PeftModel peft(CausalLM lm, String config) {
    return PeftModel.apply(lm, PeftConfigs.fromJson(config, "test"), 42);
  }

  /** The reference: the production training step (autograd) on the CPU backend. */
  static Run cpu(Path model, String config) {
    Backend before = Backends.current();
    Backends.use(new CpuBackend());
    try (CausalLM lm = CausalLM.load(model)) {
      PeftModel pm = peft(lm, config);
      List<Parameter> params = pm.trainableParameters();
      List<float[]> initial = params.stream().map(p -> p.value().toFloatArray()).toList();
      AdamW opt = new AdamW(params, ADAMW.beta1(), ADAMW.beta2(), ADAMW.eps(), ADAMW.weightDecay());
      opt.decayOnly(AdamW::biasAndNormsExcluded);
      TrainStep step = new TrainStep(opt, LrSchedule.constant(LR, 3), MAX_NORM, 1, 42);
      float[] losses = new float[STEPS];
      for (int s = 0; s < STEPS; s++) {
        TrainBatch b = batch(s, lm.config().vocabSize());
        losses[s] =
            (float)
                step.run(s, m -> pm.loss(b.ids(), attentionMask(b), b.labels(), BATCH, b.time()))
                    .loss();
      }
      List<float[]> trained = params.stream().map(p -> p.value().toFloatArray()).toList();
      float moved = 0f;
      for (int i = 0; i < trained.size(); i++) {
        for (int j = 0; j < trained.get(i).length; j++) {
          moved = Math.max(moved, Math.abs(trained.get(i)[j] - initial.get(i)[j]));
        }
      }
      return new Run(losses, trained, moved, 0);
    } finally {
      Backends.use(before);
    }
  }

  /** The same run as one resident step per batch on the TornadoVM device. */
  static Run device(Path model, String config) {
    return device(model, config, false);
  }

  /**
   * {@code recompute}: the model's gradient checkpointing switched on, which the spec must carry
   * (activation recomputation on the device).
   */
  static Run device(Path model, String config, boolean recompute) {
    // a run another test made already is not made again (the same spec, batches and schedule)
    String key = model + "|" + config + "|" + recompute;
    Run done = deviceRuns.get(key);
    if (done == null) {
      done = runOnDevice(model, config, recompute);
      deviceRuns.put(key, done);
    }
    return done;
  }

  static final java.util.Map<String, Run> deviceRuns = new java.util.HashMap<>();

  static Run runOnDevice(Path model, String config, boolean recompute) {
    Backend before = Backends.current();
    Backends.use(new CpuBackend());
    try (CausalLM lm = CausalLM.load(model)) {
      lm.setGradientCheckpointing(recompute);
      PeftModel pm = peft(lm, config);
      ResidentTrainSpecs.Described d =
          ResidentTrainSpecs.describe(pm, BATCH, TIME, ADAMW, AdamW::biasAndNormsExcluded);
      assertThat(d.unsupported()).isNull();
      assertThat(d.spec().recompute()).isEqualTo(recompute);
      LrSchedule schedule = LrSchedule.constant(LR, 3);
      long runsBefore = tornado.deviceRuns();
      float[] losses = new float[STEPS];
      long bytes;
      try (ResidentTrainer trainer = tornado.openTrainer(d.spec())) {
        for (int s = 0; s < STEPS; s++) {
          losses[s] = trainer.step(batch(s, lm.config().vocabSize()), schedule.lr(s)).loss();
        }
        // on the device: exactly one device run per step, no per-op kernels, no host fallback
        assertThat(tornado.deviceRuns() - runsBefore).isEqualTo(STEPS);
        assertThat(trainer.deviceSteps()).isEqualTo(STEPS);
        assertThat(trainer.hostOperations()).isZero();
        System.out.printf(
            "%s: resident step %d tasks in %d graphs, %.2f MB planned on the device%n",
            config,
            ((ResidentTrainStep) trainer).tasks(),
            ((ResidentTrainStep) trainer).graphs(),
            trainer.plannedDeviceBytes() / 1e6);
        bytes = trainer.plannedDeviceBytes();
        trainer.copyParametersToHost();
      }
      return new Run(
          losses,
          pm.trainableParameters().stream().map(p -> p.value().toFloatArray()).toList(),
          Float.NaN,
          bytes);
    } finally {
      Backends.use(before);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        LORA_ALL,
        "{\"peft_type\": \"IA3\"}",
        "{\"peft_type\": \"LN_TUNING\"}",
        "{\"peft_type\": \"BITFIT\"}",
        "{\"peft_type\": \"PROMPT_TUNING\", \"num_virtual_tokens\": 4, \"task_type\": \"CAUSAL_LM\"}"
      })
  void residentStepMatchesAutogradOnTheCpu(String config) {
    compare(model(), config);
  }

  /**
   * Prompt learning with an encoder on the device: P-tuning's MLP (its output is the prompt), and
   * prefix tuning's keys and values in every layer, from a plain table and through the projection
   * MLP (tanh).
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"peft_type\": \"P_TUNING\", \"num_virtual_tokens\": 4,"
            + " \"encoder_reparameterization_type\": \"MLP\", \"encoder_hidden_size\": 16,"
            + " \"task_type\": \"CAUSAL_LM\"}",
        "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 4,"
            + " \"task_type\": \"CAUSAL_LM\"}",
        "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 4,"
            + " \"prefix_projection\": true, \"encoder_hidden_size\": 16,"
            + " \"task_type\": \"CAUSAL_LM\"}"
      })
  void promptEncodersMatchAutogradOnTheCpu(String config) {
    compare(model(), config);
  }

  /**
   * The tiny Qwen2 (q/k/v biases: BitFit trains them) and Qwen3 (per-head q/k norms: LN tuning may
   * train them) models of the transformer module's golden tests; prefix tuning with projection on
   * Qwen3 (grouped-query heads; the prefix keys skip the k norm and RoPE).
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "qwen2|{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"lora_dropout\": 0.0,"
            + " \"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\","
            + " \"gate_proj\", \"up_proj\", \"down_proj\"]}",
        "qwen2|{\"peft_type\": \"BITFIT\"}",
        "qwen3|{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"lora_dropout\": 0.0,"
            + " \"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"down_proj\"]}",
        "qwen3|{\"peft_type\": \"LN_TUNING\", \"target_modules\": [\"input_layernorm\","
            + " \"q_norm\", \"k_norm\", \"norm\"]}",
        "qwen3|{\"peft_type\": \"IA3\"}",
        "qwen3|{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 3,"
            + " \"prefix_projection\": true, \"encoder_hidden_size\": 8}"
      })
  void qwenLayersMatchToo(String modelAndConfig) {
    String name = modelAndConfig.substring(0, modelAndConfig.indexOf('|'));
    Path m = Path.of("../transformer/src/test/resources/golden", name);
    assumeThat(Files.isDirectory(m)).as(m.toString()).isTrue();
    compare(m, modelAndConfig.substring(name.length() + 1));
  }

  static void compare(Path model, String config) {
    Run want = cpu(model, config);
    Run got = device(model, config);
    float maxLoss = 0f;
    for (int s = 0; s < STEPS; s++) {
      maxLoss = Math.max(maxLoss, Math.abs(want.losses()[s] - got.losses()[s]));
    }
    float maxParam = 0f, maxDiff = 0f;
    for (int i = 0; i < want.params().size(); i++) {
      float[] a = want.params().get(i), b = got.params().get(i);
      for (int j = 0; j < a.length; j++) {
        maxParam = Math.max(maxParam, Math.abs(a[j]));
        maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
      }
    }
    System.out.printf(
        "%s%n  losses cpu %.6f → %.6f, device %.6f → %.6f; max |Δloss| %.3g; max |param| %.3g, max |Δparam| %.3g%n",
        config,
        want.losses()[0],
        want.losses()[STEPS - 1],
        got.losses()[0],
        got.losses()[STEPS - 1],
        maxLoss,
        maxParam,
        maxDiff);
    // the run trains: AdamW moved the parameters by far more than the tolerance
    assertThat(want.moved()).isGreaterThan(1e-2f);
    assertThat(maxLoss).isLessThan(1e-4f);
    assertThat(maxDiff).isLessThan(1e-4f * Math.max(1f, maxParam));
  }

  static final String LORA_ALL =
      "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"lora_dropout\": 0.0,"
          + " \"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\", \"gate_proj\","
          + " \"up_proj\", \"down_proj\"]}";

  /**
   * Activation recomputation (the model's gradient checkpointing): each layer's backward re-runs
   * its forward, the same kernels on the same input x_l, so the 20 steps give the same losses and
   * parameters bit for bit, with less device memory planned. LoRA on every projection (its x·Aᵀ is
   * recomputed too) and prefix tuning with projection (the prefix keys and values joined again).
   */
  @ParameterizedTest
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE) // last: the runs without it are made already
  @ValueSource(
      strings = {
        LORA_ALL,
        "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 4,"
            + " \"prefix_projection\": true, \"encoder_hidden_size\": 16,"
            + " \"task_type\": \"CAUSAL_LM\"}"
      })
  void recomputationGivesTheSameStepsBitForBit(String config) {
    Run kept = device(model(), config, false);
    Run recomputed = device(model(), config, true);
    System.out.printf(
        "recomputation: %.3f MB planned with it off, %.3f MB on%n",
        kept.deviceBytes() / 1e6, recomputed.deviceBytes() / 1e6);
    assertThat(bits(recomputed.losses())).containsExactly(bits(kept.losses()));
    for (int i = 0; i < kept.params().size(); i++) {
      assertThat(bits(recomputed.params().get(i)))
          .as("parameter %d", i)
          .containsExactly(bits(kept.params().get(i)));
    }
    assertThat(recomputed.deviceBytes()).isLessThan(kept.deviceBytes());
  }

  static int[] bits(float[] values) {
    int[] b = new int[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = Float.floatToRawIntBits(values[i]);
    }
    return b;
  }

  /**
   * The memory plan of the step with and without recomputation, built but not run, for stories260K
   * at the test's shape and at B=8, T=256: LoRA on every projection, and the reference sizes of
   * docs/tornadovm.md (LoRA r=8 on q/v; prefix tuning with projection, 32 tokens, hidden 512).
   * Recomputing keeps, of L layers' activations, one set: at least h1, x1, h2 {@code [N,C]} and
   * gate, up, act {@code [N,F]} of L−1 layers go.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        LORA_ALL,
        "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16, \"lora_dropout\": 0.0,"
            + " \"target_modules\": [\"q_proj\", \"v_proj\"]}",
        "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 32,"
            + " \"prefix_projection\": true, \"encoder_hidden_size\": 512,"
            + " \"task_type\": \"CAUSAL_LM\"}"
      })
  void recomputationPlansLessDeviceMemory(String config) {
    Backend before = Backends.current();
    Backends.use(new CpuBackend());
    try (CausalLM lm = CausalLM.load(model())) {
      PeftModel pm = peft(lm, config);
      for (int[] shape : new int[][] {{BATCH, TIME}, {8, 256}}) {
        LlamaTrainSpec spec =
            ResidentTrainSpecs.describe(pm, shape[0], shape[1], ADAMW, AdamW::biasAndNormsExcluded)
                .spec();
        assertThat(spec.recompute()).isFalse();
        long off = plannedBytes(spec), on = plannedBytes(spec.withRecompute(true));
        var layer = spec.layers().get(0);
        long n = (long) shape[0] * shape[1], layers = spec.layers().size();
        long atLeast = (layers - 1) * 4L * n * (3L * layer.hidden() + 3L * layer.intermediate());
        System.out.printf(
            "%s%n  stories260K B=%d T=%d: %.2f MB planned, %.2f MB with recomputation%n",
            config, shape[0], shape[1], off / 1e6, on / 1e6);
        assertThat(off - on).isGreaterThanOrEqualTo(atLeast);
      }
    } finally {
      Backends.use(before);
    }
  }

  /** The device bytes of the step {@code spec} describes: its graph assembled, not run. */
  static long plannedBytes(LlamaTrainSpec spec) {
    TrainStepGraph graph = new TrainStepGraph(spec);
    graph.assemble();
    return graph.g.bytes();
  }

  @org.junit.jupiter.api.Test
  void aStepThatDidNotRunOnTheDeviceIsCaught() {
    // what the probe holds after a sequential host run of its kernel (every id 0) or no run (-1)
    uk.ac.manchester.tornado.api.types.arrays.IntArray probe =
        new uk.ac.manchester.tornado.api.types.arrays.IntArray(TornadoBackend.LOCAL);
    assertThat(ResidentTrainStep.ranOnDevice(probe)).isFalse();
    probe.init(-1);
    assertThat(ResidentTrainStep.ranOnDevice(probe)).isFalse();
    for (int i = 0; i < probe.getSize(); i++) {
      probe.set(i, i);
    }
    assertThat(ResidentTrainStep.ranOnDevice(probe)).isTrue();
  }
}
