package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.LrSchedule;
import org.peftbench.autograd.optim.TrainStep;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.CausalLM;

/**
 * The whole model through the TornadoVM backend: one LoRA training step of the real stories260K
 * (memory-mapped F32 weights kept on the device, GQA attention with RoPE, RMSNorm, SwiGLU MLP)
 * gives the CPU backend's loss, LoRA gradients and post-step loss.
 */
class LoraStepTest {
  static final String LORA =
      "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\", \"r\": 4, \"lora_alpha\": 8,"
          + " \"lora_dropout\": 0.0, \"target_modules\": [\"q_proj\", \"v_proj\", \"down_proj\"]}";

  record Step(float loss, float[] grads, float lossAfter) {}

  static Step step(Backend backend, Path model) {
    Backend before = Backends.current();
    Backends.use(backend);
    try (CausalLM lm = CausalLM.load(model)) {
      PeftModel pm = PeftModel.apply(lm, PeftConfigs.fromJson(LORA, "test"), 42);
      int batch = 2, time = 16, vocab = lm.config().vocabSize();
      int[] ids = new int[batch * time];
      Random r = new Random(3);
      for (int i = 0; i < ids.length; i++) {
        ids[i] = r.nextInt(vocab);
      }
      List<Parameter> params = pm.trainableParameters();
      AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0);
      // the production training step: no clipping, constant learning rate 1e-2
      TrainStep trainStep = new TrainStep(opt, LrSchedule.constant(1e-2, 0), 0, 1, 42);
      List<Float> grads = new ArrayList<>();
      TrainStep.Result result =
          trainStep.run(
              0,
              m -> pm.loss(ids, null, ids, batch, time),
              updated -> {
                for (Parameter p : updated) {
                  for (float g : p.grad().toFloatArray()) {
                    grads.add(g);
                  }
                }
              });
      float first = (float) result.loss();
      float after = pm.loss(ids, null, ids, batch, time).item();
      float[] g = new float[grads.size()];
      for (int i = 0; i < g.length; i++) {
        g[i] = grads.get(i);
      }
      return new Step(first, g, after);
    } finally {
      Backends.use(before);
    }
  }

  @Test
  void loraStepOnStories260KMatchesCpu() {
    Path model =
        Path.of(System.getProperty("peftbench.shared", "../shared")).resolve("models/stories260K");
    assumeThat(Files.isDirectory(model)).as("stories260K in ../shared").isTrue();
    TornadoBackend tornado = TornadoBackend.open();
    Step cpu = step(new CpuBackend(), model);
    long runsBefore = tornado.deviceRuns();
    Step dev = step(tornado, model);
    assertThat(tornado.deviceRuns() - runsBefore).as("device runs in one step").isGreaterThan(50);
    assertThat(dev.loss()).isCloseTo(cpu.loss(), org.assertj.core.data.Offset.offset(1e-4f));
    assertThat(dev.lossAfter())
        .isCloseTo(cpu.lossAfter(), org.assertj.core.data.Offset.offset(1e-4f));
    assertThat(cpu.lossAfter()).isLessThan(cpu.loss());
    float maxGrad = 0f, maxDiff = 0f;
    for (int i = 0; i < cpu.grads().length; i++) {
      maxGrad = Math.max(maxGrad, Math.abs(cpu.grads()[i]));
      maxDiff = Math.max(maxDiff, Math.abs(cpu.grads()[i] - dev.grads()[i]));
    }
    System.out.printf(
        "LoRA step: loss cpu %.6f tornado %.6f, after %.6f / %.6f, max |grad| %.3g, max diff %.3g%n",
        cpu.loss(), dev.loss(), cpu.lossAfter(), dev.lossAfter(), maxGrad, maxDiff);
    assertThat(maxGrad).isGreaterThan(0f);
    assertThat(maxDiff).isLessThan(1e-4f * Math.max(1f, maxGrad));
  }
}
