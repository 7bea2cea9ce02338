package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
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
      assertThat(spec.prompt().table()).isSameAs(pm.trainableParameters().get(0).value());
      assertThat(spec.prompt().layers()).isEmpty();
      assertThat(spec.prefix()).isNull();
      assertThat(spec.virtualTokens()).isEqualTo(3);
      assertThat(spec.rope().maxPositions()).isGreaterThanOrEqualTo(3 + 16);
    }
  }

  @Test
  void pTuningsMlpEncoderProducesTheVirtualTokens() {
    try (CausalLM lm = MethodsTest.tinyModel()) {
      PeftModel pm =
          peft(
              lm,
              "{\"peft_type\": \"P_TUNING\", \"num_virtual_tokens\": 3,"
                  + " \"encoder_reparameterization_type\": \"MLP\", \"encoder_hidden_size\": 6,"
                  + " \"task_type\": \"CAUSAL_LM\"}");
      LlamaTrainSpec spec = describe(pm).spec();
      Map<String, Parameter> p = pm.method().trainable();
      LlamaTrainSpec.TokenEncoder e = spec.prompt();
      assertThat(e.table()).isSameAs(p.get("prompt_encoder.embedding.weight").value());
      assertThat(e.layers()).hasSize(3);
      assertThat(e.layers().get(1).weight())
          .isSameAs(p.get("prompt_encoder.mlp_head.2.weight").value());
      assertThat(e.layers().get(2).bias())
          .isSameAs(p.get("prompt_encoder.mlp_head.4.bias").value());
      assertThat(e.layers().stream().map(LlamaTrainSpec.EncoderLayer::activation))
          .containsExactly(
              LlamaTrainSpec.EncoderActivation.RELU,
              LlamaTrainSpec.EncoderActivation.RELU,
              LlamaTrainSpec.EncoderActivation.NONE);
      assertThat(spec.virtualTokens()).isEqualTo(3);
      assertThat(spec.trainables()).hasSize(7);
      for (Parameter x : p.values()) {
        assertThat(spec.isTrainable(x.value())).as(x.name()).isTrue();
      }
    }
  }

  @Test
  void prefixTuningGivesEveryLayerItsKeysAndValues() {
    for (boolean projection : new boolean[] {false, true}) {
      try (CausalLM lm = MethodsTest.tinyModel()) {
        PeftModel pm =
            peft(
                lm,
                "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 3,"
                    + " \"prefix_projection\": "
                    + projection
                    + ", \"encoder_hidden_size\": 5, \"task_type\": \"CAUSAL_LM\"}");
        LlamaTrainSpec spec = describe(pm).spec();
        var c = lm.config();
        Map<String, Parameter> p = pm.method().trainable();
        assertThat(spec.prompt()).isNull();
        assertThat(spec.virtualTokens()).isZero();
        assertThat(spec.prefixTokens()).isEqualTo(3);
        assertThat(spec.prefix().width())
            .isEqualTo(2 * c.numLayers() * c.numKvHeads() * c.headDim());
        assertThat(spec.prefix().table())
            .isSameAs(p.get("prompt_encoder.embedding.weight").value());
        assertThat(spec.rope().maxPositions()).isGreaterThanOrEqualTo(3 + 16);
        if (projection) {
          assertThat(spec.prefix().layers()).hasSize(2);
          assertThat(spec.prefix().layers().get(0).activation())
              .isEqualTo(LlamaTrainSpec.EncoderActivation.TANH);
          assertThat(spec.prefix().layers().get(1).weight())
              .isSameAs(p.get("prompt_encoder.transform.2.weight").value());
        } else {
          assertThat(spec.prefix().layers()).isEmpty();
        }
        assertThat(spec.trainables()).hasSize(p.size());
      }
    }
  }

  @Test
  void whatTheDeviceCannotRunIsRefusedWithTheReason() {
    try (CausalLM lm = MethodsTest.tinyModel()) {
      ResidentTrainSpecs.Described d =
          describe(
              peft(
                  lm,
                  "{\"peft_type\": \"P_TUNING\", \"num_virtual_tokens\": 3,"
                      + " \"encoder_reparameterization_type\": \"LSTM\","
                      + " \"task_type\": \"CAUSAL_LM\"}"));
      assertThat(d.spec()).isNull();
      assertThat(d.unsupported()).contains("LSTM").contains("MLP");
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
