package org.peftbench.tensor.tornado;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.peftbench.autograd.GradMode;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.peft.ResidentTrainSpecs;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;
import org.peftbench.transformer.generate.Sampler;

/**
 * Greedy decoding with the KV cache resident on the device gives the CPU backend's tokens on the
 * real stories260K: the reference recomputes the whole sequence without a cache at every step.
 */
class ResidentDecoderTest {
  static final int BATCH = 2, PROMPT = 6, NEW = 18;

  @Test
  void greedyTokensMatchTheCpu() {
    Backend before = Backends.current();
    Backends.use(new CpuBackend());
    TornadoBackend tornado = TornadoBackend.open();
    try (CausalLM lm = CausalLM.load(ResidentTrainStepTest.model())) {
      int[] prompt = {1, 403, 407, 261, 378, 284, 1, 58, 323, 379, 448, 267};
      int vocab = lm.config().vocabSize();
      // the reference: no cache, the whole sequence at every step
      int[] want = new int[BATCH * NEW];
      int len = PROMPT;
      int[] seq = new int[BATCH * (PROMPT + NEW)];
      for (int b = 0; b < BATCH; b++) {
        System.arraycopy(prompt, b * PROMPT, seq, b * (PROMPT + NEW), PROMPT);
      }
      try (var ng = GradMode.noGrad()) {
        for (int k = 0; k < NEW; k++) {
          int[] ids = new int[BATCH * len];
          for (int b = 0; b < BATCH; b++) {
            System.arraycopy(seq, b * (PROMPT + NEW), ids, b * len, len);
          }
          Tensor logits = lm.forward(ModelInput.of(lm.embedTokens(ids, BATCH, len))).value();
          float[] l = logits.toFloatArray();
          for (int b = 0; b < BATCH; b++) {
            int next = Sampler.argmax(l, (b * len + len - 1) * vocab, vocab);
            want[b * NEW + k] = next;
            seq[b * (PROMPT + NEW) + len] = next;
          }
          len++;
        }
      }
      PeftModel pm = PeftModel.apply(lm, PeftConfigs.fromJson("{\"peft_type\": \"NONE\"}", "t"), 1);
      LlamaTrainSpec spec =
          ResidentTrainSpecs.describe(
                  pm,
                  BATCH,
                  PROMPT + NEW,
                  new LlamaTrainSpec.AdamWSettings(0.9, 0.999, 1e-8, 0, 0),
                  p -> false)
              .spec();
      long runsBefore = tornado.deviceRuns();
      int[] got;
      try (ResidentDecoder decoder = tornado.openDecoder(spec)) {
        got = decoder.greedy(prompt, PROMPT, NEW);
        System.out.printf(
            "device decode: %d tokens per row, %.2f MB planned on the device%n",
            NEW, decoder.plannedDeviceBytes() / 1e6);
      }
      System.out.println("cpu    " + java.util.Arrays.toString(want));
      System.out.println("device " + java.util.Arrays.toString(got));
      assertThat(got).containsExactly(want);
      // the per-op backend was not used: the decoder's chain counts no per-op plan runs
      assertThat(tornado.deviceRuns()).isEqualTo(runsBefore);
    } finally {
      Backends.use(before);
    }
  }
}
