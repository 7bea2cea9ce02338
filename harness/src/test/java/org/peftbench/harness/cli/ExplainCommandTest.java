package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peftbench explain} on a config alone (Llama-3-8B) and on real weights (stories260K). */
class ExplainCommandTest {
  static JsonNode explain(String... args) throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "explain";
    System.arraycopy(args, 0, all, 1, args.length);
    all[all.length - 1] = "--json";
    ParamsCommandTest.Run r = ParamsCommandTest.run(all);
    assertThat(r.code()).as(r.err()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  static Path config(Path dir, String json) throws Exception {
    Path cfg = dir.resolve("adapter_config.json");
    Files.writeString(cfg, json);
    return cfg;
  }

  @Test
  void aConfigAloneGivesTheTreeAndTheCounts(@TempDir Path dir) throws Exception {
    Path llama = ParamsCommandTest.models().resolve("llama-3-8b-instruct");
    Path cfg =
        config(
            dir,
            "{\"peft_type\":\"LORA\",\"r\":16,\"lora_alpha\":16,"
                + "\"target_modules\":[\"k_proj\",\"v_proj\",\"down_proj\"]}");
    JsonNode e = explain("--model", llama.toString(), "--peft", cfg.toString(), "--layer", "3");
    assertThat(e.get("trainable").asLong()).isEqualTo(14_680_064L);
    // r·(in+out) for k, v (4096 -> 1024) and down (14336 -> 4096), nothing outside the layers
    assertThat(e.get("trainable_per_layer").asLong()).isEqualTo(16L * (5120 + 5120 + 18432));
    assertThat(e.get("trainable_outside_layers").asLong()).isZero();
    assertThat(e.get("adapted_modules").asInt()).isEqualTo(3 * 32);
    assertThat(e.has("tensors")).isFalse();
    JsonNode k = find(e.get("tree"), "model.layers.3.self_attn.k_proj");
    assertThat(k.get("adapted").asBoolean()).isTrue();
    assertThat(k.get("weight_shape").toString()).isEqualTo("[1024,4096]");
    assertThat(find(e.get("tree"), "model.layers.3.self_attn.q_proj").get("adapted").asBoolean())
        .isFalse();

    ParamsCommandTest.Run text =
        ParamsCommandTest.run(
            "explain", "--model", llama.toString(), "--peft", cfg.toString(), "--layer", "3");
    assertThat(text.out())
        .contains("trainable 14,680,064 of 8,044,941,312")
        .contains("per decoder layer 458,752 × 32 layers")
        .containsPattern("\\* +model\\.layers\\.3\\.mlp\\.down_proj +\\[4096,14336]");

    ParamsCommandTest.Run trace =
        ParamsCommandTest.run(
            "explain", "--model", llama.toString(), "--peft", cfg.toString(), "--trace");
    assertThat(trace.code()).isEqualTo(1);
    assertThat(trace.err()).contains("--trace needs weights");
  }

  @Test
  void loraOnStoriesTracesValuesAndGradients(@TempDir Path dir) throws Exception {
    Path stories = ParamsCommandTest.models().resolve("stories260K");
    Path cfg =
        config(dir, "{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"q_proj\",\"v_proj\"]}");
    JsonNode e =
        explain("--model", stories.toString(), "--peft", cfg.toString(), "--layer", "2", "--trace");
    assertThat(e.get("trainable_live").asLong()).isEqualTo(e.get("trainable").asLong());
    // B = 0 at init: the adapted model is the base model, and only B gets a gradient
    assertThat(e.get("adapted_loss").asDouble()).isEqualTo(e.get("base_loss").asDouble());
    assertThat(e.get("tensors")).hasSize(4);
    for (JsonNode t : e.get("tensors")) {
      assertThat(t.get("name").asText()).contains("layers.2.");
      if (t.get("name").asText().contains("lora_A")) {
        assertThat(t.get("value_norm").asDouble()).isPositive();
        assertThat(t.get("grad_norm").asDouble()).isZero();
      } else {
        assertThat(t.get("value_norm").asDouble()).isZero();
        assertThat(t.get("grad_norm").asDouble()).isPositive();
      }
    }
    assertThat(e.get("trace_modules")).hasSize(2);
    for (JsonNode m : e.get("trace_modules")) {
      assertThat(m.get("base_output_norm").asDouble()).isPositive();
      assertThat(m.get("adapter_delta_norm").asDouble()).isZero();
    }
  }

  @Test
  void ia3OnStoriesChangesNothingAtInitButPromptTuningDoes(@TempDir Path dir) throws Exception {
    Path stories = ParamsCommandTest.models().resolve("stories260K");
    JsonNode ia3 =
        explain(
            "--model",
            stories.toString(),
            "--peft",
            config(dir, "{\"peft_type\":\"IA3\"}").toString(),
            "--trace");
    assertThat(ia3.get("adapted_loss").asDouble()).isEqualTo(ia3.get("base_loss").asDouble());
    assertThat(ia3.get("tensors"))
        .allSatisfy(t -> assertThat(t.get("grad_norm").asDouble()).isPositive());

    JsonNode prompt =
        explain(
            "--model",
            stories.toString(),
            "--peft",
            config(dir, "{\"peft_type\":\"PROMPT_TUNING\",\"num_virtual_tokens\":5}").toString(),
            "--trace");
    int c = 64;
    assertThat(prompt.get("trainable").asLong()).isEqualTo(5L * c);
    assertThat(prompt.get("trainable_per_layer").asLong()).isZero();
    assertThat(prompt.get("trainable_outside_layers").asLong()).isEqualTo(5L * c);
    assertThat(prompt.get("input").asText()).contains("5 virtual token");
    assertThat(prompt.get("adapted_loss").asDouble())
        .isNotEqualTo(prompt.get("base_loss").asDouble());
    JsonNode t = prompt.get("tensors").get(0);
    assertThat(t.get("shape").toString()).isEqualTo("[5," + c + "]");
    assertThat(t.get("grad_norm").asDouble()).isPositive();
  }

  static JsonNode find(JsonNode tree, String name) {
    for (JsonNode n : tree) {
      if (n.get("name").asText().equals(name)) {
        return n;
      }
    }
    throw new AssertionError("no module " + name + " in " + tree);
  }
}
