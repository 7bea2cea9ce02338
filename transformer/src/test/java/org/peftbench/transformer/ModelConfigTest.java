package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {
  static Path models() {
    String shared = System.getProperty("peftbench.shared");
    Path p = shared == null ? null : Path.of(shared, "models");
    assumeTrue(p != null && Files.isDirectory(p), "../shared/models not present");
    return p;
  }

  @Test
  void parsesEveryRealConfig() throws IOException {
    try (Stream<Path> files = Files.walk(models(), 2)) {
      List<Path> configs =
          files.filter(f -> f.getFileName().toString().matches("config.*\\.json")).toList();
      assertThat(configs).hasSizeGreaterThanOrEqualTo(9);
      for (Path f : configs) {
        ModelConfig c = ModelConfig.load(f);
        if (Files.readString(f).contains("\"Gemma3ForCausalLM\"")) {
          assertThat(c.architecture()).as(f.toString()).isEqualTo(Architecture.GEMMA3);
        }
        assertThat(c.numLayers()).as(f.toString()).isPositive();
        assertThat(c.numHeads() % c.numKvHeads()).as(f.toString()).isZero();
      }
    }
  }

  @Test
  void llama32HasLlama3RopeScalingAndThreeEosIds() {
    ModelConfig c = ModelConfig.load(models().resolve("llama-3.2-1b-instruct"));
    assertThat(c.architecture()).isEqualTo(Architecture.LLAMA);
    assertThat(c.ropeTheta()).isEqualTo(500000.0);
    assertThat(c.ropeScaling().factor()).isEqualTo(32.0);
    assertThat(c.ropeScaling().lowFreqFactor()).isEqualTo(1.0);
    assertThat(c.ropeScaling().highFreqFactor()).isEqualTo(4.0);
    assertThat(c.ropeScaling().originalMaxPositionEmbeddings()).isEqualTo(8192);
    assertThat(c.eosTokenIds()).containsExactly(128001, 128008, 128009);
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.numKvHeads()).isEqualTo(8);
  }

  @Test
  void transformers5RopeParametersForm() {
    ModelConfig c =
        ModelConfig.load(models().resolve("smollm2-135m/config.transformers-v5-resaved.json"));
    assertThat(c.ropeTheta()).isEqualTo(100000.0);
    assertThat(c.ropeScaling()).isNull();
    assertThat(c.hiddenSize()).isEqualTo(576);
    assertThat(c.numHeads()).isEqualTo(9);
    assertThat(c.numKvHeads()).isEqualTo(3);
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.torchDtype()).isEqualTo("bfloat16");
    assertThat(c.tieWordEmbeddings()).isTrue();
  }

  @Test
  void qwenFamilies() {
    ModelConfig q2 = ModelConfig.load(models().resolve("qwen2.5-0.5b-instruct"));
    assertThat(q2.architecture()).isEqualTo(Architecture.QWEN2);
    assertThat(q2.qkvBias()).isTrue();
    assertThat(q2.outputBias()).isFalse();
    assertThat(q2.slidingWindow()).isNull(); // use_sliding_window false
    assertThat(q2.headDim()).isEqualTo(64);
    ModelConfig q3 = ModelConfig.load(models().resolve("qwen3-1.7b"));
    assertThat(q3.architecture()).isEqualTo(Architecture.QWEN3);
    assertThat(q3.qkNorm()).isTrue();
    assertThat(q3.qkvBias()).isFalse();
    assertThat(q3.headDim()).isEqualTo(128);
    assertThat(q3.qDim()).isEqualTo(2048);
    assertThat(q3.normEps()).isEqualTo(1e-6);
  }

  @Test
  void gpt2Keys() {
    ModelConfig c = ModelConfig.load(models().resolve("gpt2"));
    assertThat(c.architecture()).isEqualTo(Architecture.GPT2);
    assertThat(c.hiddenSize()).isEqualTo(768);
    assertThat(c.intermediateSize()).isEqualTo(3072);
    assertThat(c.numLayers()).isEqualTo(12);
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.maxPositionEmbeddings()).isEqualTo(1024);
    assertThat(c.activation()).isEqualTo(Activation.GELU_TANH);
    assertThat(c.layerNorm()).isTrue();
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.rotary()).isFalse();
    assertThat(c.normEps()).isEqualTo(1e-5);
  }

  @Test
  void mistralAndTinyLlama() {
    ModelConfig m = ModelConfig.load(models().resolve("mistral-7b-instruct-v0.3"));
    assertThat(m.architecture()).isEqualTo(Architecture.MISTRAL);
    assertThat(m.slidingWindow()).isNull();
    assertThat(m.headDim()).isEqualTo(128);
    assertThat(m.tieWordEmbeddings()).isFalse();
    ModelConfig t = ModelConfig.load(models().resolve("tinyllama-1.1b-chat"));
    assertThat(t.headDim()).isEqualTo(64);
    assertThat(t.numKvHeads()).isEqualTo(4);
  }

  @Test
  void unknownArchitectureListsSupportedOnes(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("config.json");
    Files.writeString(f, "{\"architectures\": [\"BertModel\"], \"hidden_size\": 8}");
    assertThatThrownBy(() -> ModelConfig.load(dir))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("BertModel")
        .hasMessageContaining("LlamaForCausalLM")
        .hasMessageContaining("GPT2LMHeadModel");
  }

  @Test
  void modelTypeStandsInForMissingArchitectures() throws IOException {
    var json =
        new JsonMapper()
            .readTree(
                "{\"model_type\":\"qwen2\",\"hidden_size\":8,\"num_attention_heads\":2,"
                    + "\"intermediate_size\":4,\"num_hidden_layers\":1,\"vocab_size\":4}");
    assertThat(ModelConfig.parse(json, "x.json").architecture()).isEqualTo(Architecture.QWEN2);
    var t5 = new JsonMapper().readTree("{\"model_type\":\"t5\"}");
    assertThatThrownBy(() -> ModelConfig.parse(t5, "x.json")).hasMessageContaining("t5");
  }

  @Test
  void badValuesNameTheKey() throws IOException {
    var json =
        new JsonMapper()
            .readTree(
                "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":\"big\","
                    + "\"num_attention_heads\":2}");
    assertThatThrownBy(() -> ModelConfig.parse(json, "x.json"))
        .hasMessageContaining("x.json")
        .hasMessageContaining("hidden_size");
    var missing =
        new JsonMapper()
            .readTree(
                "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":8,"
                    + "\"num_attention_heads\":2}");
    assertThatThrownBy(() -> ModelConfig.parse(missing, "x.json"))
        .hasMessageContaining("intermediate_size");
    var scaling =
        new JsonMapper()
            .readTree(
                "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":8,"
                    + "\"num_attention_heads\":2,\"intermediate_size\":4,\"num_hidden_layers\":1,"
                    + "\"vocab_size\":4,\"rope_scaling\":{\"type\":\"yarn\",\"factor\":2}}");
    assertThatThrownBy(() -> ModelConfig.parse(scaling, "x.json")).hasMessageContaining("yarn");
  }
}
