package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.lora.LoraLinear;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.LlamaTrainSpec.Projection;
import org.peftbench.transformer.CausalLM;

/**
 * {@link ResidentTrainSpecs} on the CPU (no device needed): what the resident step trains is
 * exactly the PEFT model's own tensors, by identity, and what it cannot run is refused with the
 * reason.
 */
class ResidentTrainSpecsTest {
  static final LlamaTrainSpec.AdamWSettings ADAMW =
      new LlamaTrainSpec.AdamWSettings(0.9, 0.999, 1e-8, 0.01, 1.0);

  static ResidentTrainSpecs.Described describe(PeftModel pm) {
    return ResidentTrainSpecs.describe(pm, 2, 16, ADAMW, p -> true);
  }

  static PeftModel peft(CausalLM lm, String json) {
    return PeftModel.apply(lm, PeftConfigs.fromJson(json, "test"), 7);
  }

  @Test
  void loraAdaptersAreTheModelsOwnTensors() {
    try (CausalLM lm = MethodsTest.tinyModel()) {
      PeftModel pm =
          peft(
              lm,
              "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"lora_dropout\": 0.0,"
                  + " \"target_modules\": [\"q_proj\", \"down_proj\"]}");
      ResidentTrainSpecs.Described d = describe(pm);
      assertThat(d.unsupported()).isNull();
      LlamaTrainSpec spec = d.spec();
      assertThat(spec.layers()).hasSize(lm.config().numLayers());
      LoraLinear q = (LoraLinear) lm.linears().get("model.layers.1.self_attn.q_proj").get();
      LlamaTrainSpec.Adapter a = spec.adapters().get(1).get(Projection.Q);
      assertThat(a.loraA()).isSameAs(q.loraA().value());
      assertThat(a.loraB()).isSameAs(q.loraB().value());
      assertThat(a.loraScale()).isEqualTo(2f);
      assertThat(spec.adapters().get(1).get(Projection.K)).isNull();
      assertThat(spec.adapters().get(0).get(Projection.DOWN).loraA()).isNotNull();
      List<Parameter> params = pm.trainableParameters();
      assertThat(spec.trainables()).hasSize(params.size());
      for (int i = 0; i < params.size(); i++) {
        assertThat(spec.trainables().get(i).value()).isSameAs(params.get(i).value());
        assertThat(spec.isTrainable(params.get(i).value())).isTrue();
      }
      assertThat(spec.isTrainable(spec.layers().get(0).q())).isFalse();
    }
  }

  @Test
  void lnTuningTrainsTheNormCopies() {
    try (CausalLM lm = MethodsTest.tinyModel()) {
      PeftModel pm = peft(lm, "{\"peft_type\": \"LN_TUNING\"}");
      LlamaTrainSpec spec = describe(pm).spec();
      assertThat(spec.isTrainable(spec.layers().get(0).inputNorm())).isTrue();
      assertThat(spec.isTrainable(spec.layers().get(0).postNorm())).isTrue();
      assertThat(spec.trainables()).hasSize(pm.trainableParameters().size());
    }
  }

  @Test
  void ia3AndBitFitBecomeAdapters() {
    try (CausalLM lm = MethodsTest.tinyModel()) {
      LlamaTrainSpec ia3 = describe(peft(lm, "{\"peft_type\": \"IA3\"}")).spec();
      assertThat(ia3.adapters().get(0).get(Projection.DOWN).ia3ScalesInput()).isTrue();
      assertThat(ia3.adapters().get(0).get(Projection.K).ia3ScalesInput()).isFalse();
    }
    try (CausalLM lm = MethodsTest.tinyModel()) {
      LlamaTrainSpec bitfit = describe(peft(lm, "{\"peft_type\": \"BITFIT\"}")).spec();
      long biases =
          bitfit.adapters().stream()
              .flatMap(a -> java.util.Arrays.stream(a.byProjection()))
              .filter(a -> a != null && a.bias() != null)
              .count();
      assertThat(biases).isEqualTo(bitfit.trainables().size()).isPositive();
    }
  }

  @Test
  void promptTuningPutsItsEmbeddingsInFront() {
    try (CausalLM lm = MethodsTest.tinyModel()) {
      PeftModel pm =
          peft(
              lm,
              "{\"peft_type\": \"PROMPT_TUNING\", \"num_virtual_tokens\": 3,"
                  + " \"task_type\": \"CAUSAL_LM\"}");
      LlamaTrainSpec spec = describe(pm).spec();
      assertThat(spec.prompt()).isSameAs(pm.trainableParameters().get(0).value());
      assertThat(spec.virtualTokens()).isEqualTo(3);
      assertThat(spec.rope().maxPositions()).isGreaterThanOrEqualTo(3 + 16);
    }
  }

  @Test
  void whatTheDeviceCannotRunIsRefusedWithTheReason() {
    try (CausalLM lm = MethodsTest.tinyModel()) {
      ResidentTrainSpecs.Described d =
          describe(
              peft(
                  lm,
                  "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 3,"
                      + " \"task_type\": \"CAUSAL_LM\"}"));
      assertThat(d.spec()).isNull();
      assertThat(d.unsupported()).contains("prefix tuning");
    }
    try (CausalLM lm = MethodsTest.tinyModel()) {
      ResidentTrainSpecs.Described d =
          describe(
              peft(
                  lm,
                  "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"lora_dropout\": 0.1,"
                      + " \"target_modules\": [\"q_proj\"]}"));
      assertThat(d.unsupported()).contains("dropout");
    }
    try (CausalLM lm = MethodsTest.tinyModel()) {
      ResidentTrainSpecs.Described d =
          describe(
              peft(
                  lm,
                  "{\"peft_type\": \"LOHA\", \"r\": 2, \"alpha\": 4, \"target_modules\": [\"q_proj\"]}"));
      assertThat(d.unsupported()).contains("q_proj").contains("no device form");
    }
  }
}
