package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Configs that cannot describe a working model are refused while loading, naming the key. */
class ConfigChecksTest {
  private static final JsonMapper JSON = new JsonMapper();

  private static ObjectNode llama() {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add("LlamaForCausalLM");
    n.put("hidden_size", 64);
    n.put("intermediate_size", 172);
    n.put("num_hidden_layers", 2);
    n.put("num_attention_heads", 8);
    n.put("num_key_value_heads", 4);
    n.put("vocab_size", 512);
    n.put("max_position_embeddings", 512);
    n.put("rms_norm_eps", 1e-5);
    n.put("rope_theta", 10000.0);
    return n;
  }

  private static ObjectNode gpt2() {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add("GPT2LMHeadModel");
    n.put("n_embd", 64);
    n.put("n_layer", 2);
    n.put("n_head", 4);
    n.put("vocab_size", 100);
    n.put("n_positions", 64);
    return n;
  }

  @Test
  void theBaseConfigsAreValid() {
    assertThat(ModelConfig.parse(llama(), "config.json").headDim()).isEqualTo(8);
    assertThat(ModelConfig.parse(gpt2(), "config.json").headDim()).isEqualTo(16);
  }

  /** One row per broken value: family, key, JSON value, what the message must say. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "llama|num_attention_heads|0|\"num_attention_heads\" must be a positive integer, got 0",
        "llama|num_attention_heads|-8|\"num_attention_heads\" must be a positive integer",
        "llama|num_attention_heads|7|not divisible by num_attention_heads 7",
        "llama|num_key_value_heads|0|\"num_key_value_heads\" must be a positive integer",
        "llama|num_key_value_heads|3|not a multiple of num_key_value_heads 3",
        "llama|hidden_size|0|\"hidden_size\" must be a positive integer",
        "llama|intermediate_size|-1|\"intermediate_size\" must be a positive integer",
        "llama|num_hidden_layers|0|\"num_hidden_layers\" must be a positive integer",
        "llama|vocab_size|0|\"vocab_size\" must be a positive integer",
        "llama|max_position_embeddings|0|\"max_position_embeddings\" must be a positive integer",
        "llama|head_dim|0|\"head_dim\" must be a positive integer",
        "llama|head_dim|7|must be even for rotary positions",
        "llama|head_dim|1.5|\"head_dim\" must be a positive integer",
        "llama|rope_theta|0|\"rope_theta\" must be a finite number > 0, got 0",
        "llama|rope_theta|-10000|\"rope_theta\" must be a finite number > 0",
        "llama|rope_theta|1e400|\"rope_theta\" must be a finite number > 0",
        "llama|rms_norm_eps|-1|\"rms_norm_eps\" must be a finite number > 0, got -1",
        "llama|rms_norm_eps|0|\"rms_norm_eps\" must be a finite number > 0",
        "llama|initializer_range|-0.02|\"initializer_range\" must be a finite number >= 0",
        "llama|rope_parameters|{\"rope_type\": \"default\", \"rope_theta\": 0}|(rope_parameters): \"rope_theta\" must be a finite number > 0",
        "llama|rope_scaling|{\"rope_type\": \"llama3\", \"factor\": -8, \"original_max_position_embeddings\": 8192}|(rope_scaling): \"factor\" must be a finite number > 0",
        "gpt2|n_head|0|\"n_head\" must be a positive integer, got 0",
        "gpt2|n_head|5|n_embd 64 is not divisible by n_head 5",
        "gpt2|n_embd|-64|\"n_embd\" must be a positive integer",
        "gpt2|n_positions|0|\"n_positions\" must be a positive integer",
        "gpt2|layer_norm_epsilon|-1e-5|\"layer_norm_epsilon\" must be a finite number > 0",
      })
  void brokenValuesAreRefusedNamingTheFileAndKey(
      String family, String key, String value, String message) throws Exception {
    ObjectNode n = family.equals("gpt2") ? gpt2() : llama();
    JsonNode v = JSON.readTree(value);
    n.set(key, v);
    assertThatThrownBy(() -> ModelConfig.parse(n, "/models/x/config.json"))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("/models/x/config.json")
        .hasMessageContaining(message)
        .hasMessageNotContaining("\n");
  }
}
