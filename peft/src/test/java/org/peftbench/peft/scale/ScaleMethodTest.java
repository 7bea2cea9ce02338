package org.peftbench.peft.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Var;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.ParameterCount;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftMethods;
import org.peftbench.peft.PeftModel;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.LanguageModelLoss;
import org.peftbench.transformer.ModelStructure;

/**
 * A method added as {@code docs/adding-a-method.md} says (its package plus one registration line)
 * works everywhere methods are looked up: config JSON, counting, FLOPs, applying, training, saving
 * and loading, merging.
 */
class ScaleMethodTest {
  static final Path MODEL =
      Path.of("..", "..", "shared", "models", "stories260K").toAbsolutePath().normalize();
  static final int B = 2, T = 6;
  static final int[] IDS = {1, 17, 40, 301, 12, 99, 1, 5, 77, 200, 13, 8};

  @BeforeAll
  static void registerTheMethod() {
    PeftMethods.register(new ScaleSpec()); // the one registration line
  }

  static int[] labels() {
    int[] l = IDS.clone();
    l[0] = LanguageModelLoss.IGNORE;
    return l;
  }

  static float[] logits(PeftModel pm) {
    try (var ignored = GradMode.noGrad()) {
      return pm.forward(IDS, null, B, T).value().toFloatArray();
    }
  }

  @Test
  void trainsSavesLoadsAndMergesLikeABuiltInMethod(@TempDir Path dir) {
    PeftConfig config = PeftConfigs.fromJson("{\"peft_type\": \"scale\"}", "test");
    assertThat(config).isEqualTo(new ScaleConfig(null));
    ModelStructure structure = ModelStructure.load(MODEL);
    // q_proj (64 outputs) + v_proj (32 outputs), 5 layers
    assertThat(config.count(structure).trainable()).isEqualTo(480);
    ForwardFlops flops = PeftMethods.forwardFlops(config, structure, 512);
    assertThat(flops.merged()).isTrue();
    assertThat(flops.adapted()).isEqualTo(flops.base());

    float[] trained;
    try (CausalLM model = CausalLM.load(MODEL)) {
      float[] base = logitsOfBase(model);
      PeftModel pm = PeftModel.apply(model, config, 3);
      assertThat(pm.countLive()).isEqualTo(pm.count());
      assertThat(pm.count()).isEqualTo(new ParameterCount(480, 260_032 + 480));
      assertThat(logits(pm)).containsExactly(base); // g = 0: the model is unchanged
      AdamW opt = new AdamW(pm.trainableParameters(), 0.9, 0.999, 1e-8, 0.0);
      double first = Double.NaN, last = Double.NaN;
      for (int step = 0; step < 10; step++) {
        opt.zeroGrad();
        Var loss = pm.loss(IDS, null, labels(), B, T);
        last = loss.item();
        if (step == 0) {
          first = last;
        }
        loss.backward();
        opt.step(3e-2);
      }
      assertThat(last).isLessThan(first);
      trained = logits(pm);
      pm.merge();
      assertThat(maxDiff(logits(pm), trained)).isLessThan(1e-4);
      pm.unmerge();
      pm.save(dir, "stories260K");
    }
    assertThat(PeftConfigs.read(dir).peftType().name()).isEqualTo("SCALE");
    try (CausalLM model = CausalLM.load(MODEL)) {
      PeftModel loaded = PeftModel.load(model, dir);
      assertThat(logits(loaded)).containsExactly(trained);
    }
  }

  private static float[] logitsOfBase(CausalLM model) {
    try (var ignored = GradMode.noGrad()) {
      return model
          .forward(org.peftbench.transformer.ModelInput.of(model.embedTokens(IDS, B, T)))
          .value()
          .toFloatArray();
    }
  }

  private static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
