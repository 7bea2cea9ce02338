package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.peftbench.peft.ia3.IA3Config;
import org.peftbench.peft.lora.LoraConfig;
import org.peftbench.peft.prefixtuning.PrefixTuningConfig;
import org.peftbench.peft.ptuning.PromptEncoderConfig;
import org.peftbench.transformer.CausalLM;

/** adapter_config.json in HF PEFT's form: fields, defaults, targeting rules and errors. */
class ConfigJsonTest {
  /** An adapter_config.json as PEFT 0.13 writes it (many fields we ignore). */
  static final String HF_LORA =
      """
      {"alpha_pattern": {}, "auto_mapping": null, "base_model_name_or_path": "meta-llama/Meta-Llama-3-8B",
       "bias": "none", "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true,
       "layer_replication": null, "layers_pattern": null, "layers_to_transform": null,
       "loftq_config": {}, "lora_alpha": 32, "lora_dropout": 0.05, "megatron_config": null,
       "megatron_core": "megatron.core", "modules_to_save": null, "peft_type": "LORA", "r": 16,
       "rank_pattern": {}, "revision": null, "target_modules": ["v_proj", "q_proj"],
       "task_type": "CAUSAL_LM", "use_dora": false, "use_rslora": false}
      """;

  @Test
  void readsPeftsLoraConfig() {
    LoraConfig c = (LoraConfig) PeftConfigs.fromJson(HF_LORA, "test");
    assertThat(c.r()).isEqualTo(16);
    assertThat(c.loraAlpha()).isEqualTo(32);
    assertThat(c.loraDropout()).isEqualTo(0.05);
    assertThat(c.targetModules().names()).containsExactly("v_proj", "q_proj");
    assertThat(c.scaling()).isEqualTo(2.0);
    assertThat(c.withRslora(true).scaling()).isEqualTo(32 / 4.0);
  }

  @Test
  void absentFieldsTakePeftsDefaults() {
    LoraConfig c = (LoraConfig) PeftConfigs.fromJson("{\"peft_type\": \"LORA\"}", "test");
    assertThat(c).isEqualTo(LoraConfig.defaults());
    assertThat(c.r()).isEqualTo(8);
    assertThat(c.loraAlpha()).isEqualTo(8);
    PromptEncoderConfig p =
        (PromptEncoderConfig)
            PeftConfigs.fromJson("{\"peft_type\":\"P_TUNING\",\"num_virtual_tokens\":10}", "t");
    assertThat(p.encoderReparameterizationType()).isEqualTo("MLP");
    assertThat(p.encoderNumLayers()).isEqualTo(2);
    assertThat(p.numVirtualTokens()).isEqualTo(10);
  }

  @Test
  void writesPeftsFieldNamesAndReadsThemBack() {
    LoraConfig c =
        LoraConfig.defaults().withRank(4, 16).withTargets(TargetModules.regex(".*\\.(q|v)_proj"));
    JsonNode n = PeftConfigs.toJson(c, "/models/x");
    assertThat(n.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(n.get("task_type").asText()).isEqualTo("CAUSAL_LM");
    assertThat(n.get("base_model_name_or_path").asText()).isEqualTo("/models/x");
    assertThat(n.get("lora_alpha").asDouble()).isEqualTo(16);
    assertThat(n.get("target_modules").isTextual()).isTrue();
    for (String f :
        List.of("r", "lora_dropout", "use_rslora", "use_dora", "bias", "init_lora_weights")) {
      assertThat(n.has(f)).as(f).isTrue();
    }
    assertThat(PeftConfigs.fromJson(n, "round trip")).isEqualTo(c);
    var prefix = PeftConfigs.toJson(PrefixTuningConfig.defaults(), null);
    assertThat(prefix.get("prefix_projection").asBoolean()).isFalse();
    assertThat(prefix.has("encoder_hidden_size")).isTrue();
  }

  @Test
  void targetModulesMatchLikePeft() {
    TargetModules list = TargetModules.of("q_proj", "mlp.down_proj");
    assertThat(list.matches("model.layers.0.self_attn.q_proj")).isTrue();
    assertThat(list.matches("model.layers.0.mlp.down_proj")).isTrue();
    assertThat(list.matches("model.layers.0.self_attn.qq_proj")).isFalse();
    assertThat(list.matches("q_proj")).isTrue();
    TargetModules regex = TargetModules.regex("model\\.layers\\.[01]\\..*q_proj");
    assertThat(regex.matches("model.layers.1.self_attn.q_proj")).isTrue();
    assertThat(regex.matches("model.layers.2.self_attn.q_proj")).isFalse();
    // regex must match the whole name
    assertThat(TargetModules.regex("q_proj").matches("model.layers.0.self_attn.q_proj")).isFalse();
    TargetModules all =
        TargetModules.fromJson(PeftConfigs.JSON.getNodeFactory().textNode("all-linear"));
    assertThat(all.matches("model.layers.3.mlp.up_proj")).isTrue();
    assertThat(all.matches("lm_head")).isFalse();
    assertThat(all.toJson()).isEqualTo("all-linear");
    // "norm" is the final norm only, not input_layernorm
    assertThat(TargetModules.of("norm").matches("model.layers.0.input_layernorm")).isFalse();
    assertThat(TargetModules.of("norm").matches("model.norm")).isTrue();
  }

  @Test
  void nothingMatchingListsTheModules() {
    try (CausalLM model = CausalLM.load(Fixtures.dir().resolve("model"))) {
      var config = LoraConfig.defaults().withTargets(TargetModules.of("c_attn"));
      assertThatThrownBy(() -> PeftModel.apply(model, config, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("matches none")
          .hasMessageContaining("model.layers.*.self_attn.q_proj")
          .hasMessageContaining("lm_head");
    }
  }

  @Test
  void badInputIsAClearError() {
    assertThatThrownBy(() -> PeftConfigs.fromJson("{\"peft_type\": \"ADALORA\"}", "cfg.json"))
        .hasMessageContaining("cfg.json")
        .hasMessageContaining("unknown peft_type 'ADALORA'")
        .hasMessageContaining("LORA");
    assertThatThrownBy(() -> PeftConfigs.fromJson("{\"r\": 8}", "cfg.json"))
        .hasMessageContaining("missing \"peft_type\"");
    assertThatThrownBy(
            () ->
                PeftConfigs.fromJson(
                    "{\"peft_type\":\"LORA\",\"task_type\":\"SEQ_CLS\"}", "cfg.json"))
        .hasMessageContaining("CAUSAL_LM");
    assertThatThrownBy(() -> PeftConfigs.fromJson("{\"peft_type\":\"LORA\",\"r\":0}", "cfg.json"))
        .hasMessageContaining("cfg.json")
        .hasMessageContaining("r must be positive");
    assertThatThrownBy(() -> PeftConfigs.fromJson("{\"peft_type\":\"LORA\",\"bias\":\"all\"}", "x"))
        .hasMessageContaining("bias");
    assertThatThrownBy(() -> PeftConfigs.fromJson("{not json", "x.json"))
        .hasMessageContaining("x.json");
    assertThatThrownBy(
            () ->
                new IA3Config(
                    TargetModules.of("k_proj"), null, TargetModules.of("down_proj"), false, true))
        .hasMessageContaining("subset");
    assertThatThrownBy(() -> PeftConfigs.read(Path.of("/nonexistent/adapter")))
        .hasMessageContaining("/nonexistent/adapter");
    // features that would silently change the adapter's function are refused
    assertThatThrownBy(
            () ->
                PeftConfigs.fromJson(
                    "{\"peft_type\":\"LORA\",\"modules_to_save\":[\"lm_head\"]}", "x"))
        .hasMessageContaining("modules_to_save");
    assertThatThrownBy(
            () ->
                PeftConfigs.fromJson(
                    "{\"peft_type\":\"LORA\",\"rank_pattern\":{\"q_proj\":4}}", "x"))
        .hasMessageContaining("rank_pattern");
  }

  @Test
  void tensorsAnAdapterDoesNotUseAreAnError(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path src = Fixtures.dir().resolve("adapters/lora");
    java.nio.file.Files.copy(
        src.resolve("adapter_config.json"), dir.resolve("adapter_config.json"));
    var w = new org.peftbench.tensor.safetensors.SafetensorsWriter();
    try (var f =
        org.peftbench.tensor.safetensors.SafetensorsFile.open(
            src.resolve("adapter_model.safetensors"))) {
      for (String n : f.names()) {
        w.add(n, f.tensor(n).toF32());
      }
    }
    w.add(
        "base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias",
        org.peftbench.tensor.Tensor.zeros(32));
    w.write(dir.resolve("adapter_model.safetensors"));
    try (CausalLM model = CausalLM.load(Fixtures.dir().resolve("model"))) {
      assertThatThrownBy(() -> PeftModel.load(model, dir))
          .hasMessageContaining("adapter_model.safetensors")
          .hasMessageContaining("q_proj.base_layer.bias");
    }
    try (CausalLM model = CausalLM.load(Fixtures.dir().resolve("model"))) {
      java.nio.file.Files.delete(dir.resolve("adapter_model.safetensors"));
      var w2 = new org.peftbench.tensor.safetensors.SafetensorsWriter();
      w2.add(
          "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
          org.peftbench.tensor.Tensor.zeros(4, 32));
      w2.write(dir.resolve("adapter_model.safetensors"));
      assertThatThrownBy(() -> PeftModel.load(model, dir)).hasMessageContaining("missing tensor");
    }
  }
}
