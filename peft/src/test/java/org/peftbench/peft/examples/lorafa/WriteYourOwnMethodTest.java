package org.peftbench.peft.examples.lorafa;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftMethods;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.safetensors.SafetensorsFile;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.LanguageModelLoss;
import org.peftbench.transformer.ModelStructure;

/**
 * Walk-through "write your own method" (docs/examples.md), step 4: register LoRA-FA with one line,
 * then count, train a few steps on stories260K, save in HF PEFT's format and load it back.
 */
class WriteYourOwnMethodTest {
  static final Path MODEL =
      Path.of("..", "..", "shared", "models", "stories260K").toAbsolutePath().normalize();
  static final int B = 2, T = 6;
  static final int[] IDS = {1, 17, 40, 301, 12, 99, 1, 5, 77, 200, 13, 8};

  @BeforeAll
  static void registerTheMethod() {
    PeftMethods.register(new LoraFaSpec()); // the one registration line
  }

  static float[] logits(PeftModel pm) {
    try (var ignored = GradMode.noGrad()) {
      return pm.forward(IDS, null, B, T).value().toFloatArray();
    }
  }

  @Test
  void loraFaTrainsSavesAndLoads(@TempDir Path dir) throws Exception {
    PeftConfig config =
        PeftConfigs.fromJson(
            "{\"peft_type\": \"LORA_FA\", \"r\": 4, \"lora_alpha\": 8,"
                + " \"target_modules\": [\"q_proj\", \"v_proj\"]}",
            "walk-through");
    ModelStructure structure = ModelStructure.load(MODEL);
    // B only: 5 layers · 4 · (64 outputs of q_proj + 32 of v_proj)
    assertThat(config.count(structure).trainable()).isEqualTo(5L * 4 * (64 + 32));
    int[] labels = IDS.clone();
    labels[0] = LanguageModelLoss.IGNORE;
    float[] trained;
    try (CausalLM model = CausalLM.load(MODEL)) {
      PeftModel pm = PeftModel.apply(model, config, 11);
      assertThat(pm.countLive()).isEqualTo(pm.count());
      AdamW opt = new AdamW(pm.trainableParameters(), 0.9, 0.999, 1e-8, 0.0);
      double first = Double.NaN, last = Double.NaN;
      for (int step = 0; step < 8; step++) {
        opt.zeroGrad();
        Var loss = pm.loss(IDS, null, labels, B, T);
        last = loss.item();
        if (step == 0) {
          first = last;
        }
        loss.backward();
        opt.step(1e-2);
      }
      assertThat(last).as("the loss drops").isLessThan(first);
      for (Parameter p : pm.trainableParameters()) {
        assertThat(p.name()).endsWith("lora_B.weight"); // A never trains
      }
      trained = logits(pm);
      pm.merge();
      float[] merged = logits(pm);
      for (int i = 0; i < merged.length; i++) {
        assertThat((double) merged[i])
            .isCloseTo(trained[i], org.assertj.core.data.Offset.offset(1e-4));
      }
      pm.unmerge();
      pm.save(dir, "stories260K");
    }
    // HF PEFT's format: adapter_config.json + adapter_model.safetensors with LoRA's key names
    assertThat(Files.readString(dir.resolve("adapter_config.json"))).contains("\"LORA_FA\"");
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
      assertThat(f.names())
          .contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
          .contains("base_model.model.model.layers.4.self_attn.v_proj.lora_B.weight")
          .hasSize(5 * 2 * 2);
    }
    try (CausalLM model = CausalLM.load(MODEL)) {
      assertThat(logits(PeftModel.load(model, dir))).containsExactly(trained);
    }
  }
}
