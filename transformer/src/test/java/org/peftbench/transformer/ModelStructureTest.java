package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.autograd.Parameter;
import org.peftbench.transformer.ModelStructure.ModuleSpec;

/** The structure derived from a config is exactly what the built model has. */
class ModelStructureTest {
  static final Path MODELS = Path.of("..", "..", "shared", "models");

  static ModelConfig config(String model) {
    return ModelConfig.load(MODELS.resolve(model));
  }

  @ParameterizedTest
  @ValueSource(strings = {"stories260K", "gpt2", "qwen3-1.7b", "qwen2.5-0.5b-instruct"})
  void builtModelHasTheStructuresParametersAndModules(String model) {
    ModelConfig c = config(model);
    if (c.hiddenSize() > 64) { // keep the test light: a shrunken copy with the same switches
      c = shrink(c);
    }
    ModelStructure s = ModelStructure.of(c);
    try (CausalLM lm = CausalLM.fromTensors(c, RandomWeights.create(c, 1))) {
      // parameters: same names, order and shapes as the live model
      Map<String, Parameter> live = lm.parameters();
      assertThat(List.copyOf(live.keySet())).isEqualTo(List.copyOf(s.parameters().keySet()));
      s.parameters()
          .forEach((n, p) -> assertThat(live.get(n).value().shape()).as(n).isEqualTo(p.shape()));
      assertThat(s.totalParameters()).isEqualTo(lm.parameterCount());
      // modules: the slots, in order
      assertThat(List.copyOf(lm.linears().keySet()))
          .isEqualTo(s.linears().stream().map(ModuleSpec::name).toList());
      assertThat(List.copyOf(lm.norms().keySet()))
          .isEqualTo(s.norms().stream().map(ModuleSpec::name).toList());
    }
  }

  private static ModelConfig shrink(ModelConfig c) {
    return new ModelConfig(
        c.architecture(),
        64,
        96,
        2,
        4,
        c.architecture() == Architecture.GPT2 ? 4 : 2,
        16,
        128,
        Math.min(c.maxPositionEmbeddings(), 256),
        c.activation(),
        c.layerNorm(),
        c.normEps(),
        c.ropeTheta(),
        c.ropeScaling(),
        c.qkvBias(),
        c.outputBias(),
        c.mlpBias(),
        c.qkNorm(),
        c.tieWordEmbeddings(),
        c.initializerRange(),
        c.slidingWindow(),
        c.attentionScaleByLayer(),
        c.bosTokenId(),
        c.eosTokenIds(),
        c.padTokenId(),
        c.torchDtype(),
        c.layerTypes() == null ? null : c.layerTypes().subList(0, 2),
        c.localRopeTheta(),
        c.ropeLinearFactor(),
        c.queryPreAttnScalar(),
        c.finalLogitSoftcapping());
  }

  @Test
  void llama3FromConfigAlone() {
    ModelStructure s = ModelStructure.load(MODELS.resolve("llama-3-8b-instruct"));
    assertThat(s.totalParameters()).isEqualTo(8_030_261_248L);
    assertThat(s.numLayers()).isEqualTo(32);
    ModuleSpec k = s.layers().get(3).module(ModelStructure.Role.K);
    assertThat(k.name()).isEqualTo("model.layers.3.self_attn.k_proj");
    assertThat(k.in()).isEqualTo(4096);
    assertThat(k.out()).isEqualTo(1024); // 8 kv heads · 128
  }

  @Test
  void gpt2ProjectionsAreConv1dButTheHeadIsNot() {
    ModelStructure s = ModelStructure.of(config("gpt2"));
    assertThat(s.layers().get(0).module(ModelStructure.Role.QKV).conv1d()).isTrue();
    assertThat(s.lmHead().conv1d()).isFalse();
    assertThat(s.parameters().get("transformer.h.0.attn.c_attn.weight").shape())
        .containsExactly(768, 2304);
    assertThat(s.parameters().get("transformer.h.0.mlp.c_proj.weight").init())
        .isEqualTo(ModelStructure.Init.NORMAL_RESIDUAL);
  }

  @Test
  void forwardFlopsOfStories260K() {
    // 5·(q,o 2·512·64·64·2 + k,v 2·512·64·32·2 + attention 2·512·512·8·8·2 + MLP 3·2·512·64·172)
    //   + head 2·512·64·512
    assertThat(ModelStructure.of(config("stories260K")).forwardFlops(512, 0))
        .isEqualTo(601_096_192.0);
  }
}
