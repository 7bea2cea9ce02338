package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.nn.RmsNorm;

/**
 * Gemma 3 beyond the golden log-probabilities ({@link GoldenTest}): configs of both layouts, module
 * names, random init, parameter counts of the real configs, and KV-cache decoding with sliding
 * windows (also Mistral's) against the full forward.
 */
class GemmaTest {
  @Test
  void bothLayerLayoutsOfTheRealConfigs() {
    ModelConfig oneB = ModelConfig.load(ModelConfigTest.models().resolve("gemma-3-1b-it"));
    assertThat(oneB.architecture()).isEqualTo(Architecture.GEMMA3);
    assertThat(oneB.headDim()).isEqualTo(256);
    assertThat(oneB.queryPreAttnScalar()).isEqualTo(256.0);
    assertThat(oneB.localRopeTheta()).isEqualTo(10_000.0);
    assertThat(oneB.ropeTheta()).isEqualTo(1_000_000.0);
    assertThat(oneB.tieWordEmbeddings()).isTrue();
    assertThat(oneB.activation()).isEqualTo(Activation.GELU_TANH);
    assertThat(oneB.eosTokenIds()).containsExactly(1, 106);
    // sliding_window_pattern 6: layers 5, 11, 17, 23 are global
    for (int l = 0; l < 26; l++) {
      boolean global = (l + 1) % 6 == 0;
      assertThat(oneB.windowOf(l)).as("layer " + l).isEqualTo(global ? null : 512);
      assertThat(oneB.usesLocalRope(l)).isEqualTo(!global);
    }
    // layer_types (the 270m config): the same 5:1 layout written out
    ModelConfig small = ModelConfig.load(ModelConfigTest.models().resolve("gemma-3-270m-it"));
    assertThat(small.layerTypes()).hasSize(18);
    for (int l = 0; l < 18; l++) {
      assertThat(small.windowOf(l)).isEqualTo((l + 1) % 6 == 0 ? null : 512);
    }
    // parameter counts as published (999,885,952 and 268,098,176), from shapes alone
    assertThat(count(oneB)).isEqualTo(999_885_952L);
    assertThat(count(small)).isEqualTo(268_098_176L);
  }

  private static long count(ModelConfig c) {
    return ModelStructure.of(c).totalParameters();
  }

  @Test
  void configErrorsNameTheKey(@TempDir Path dir) throws IOException {
    String base =
        "{\"architectures\": [\"Gemma3ForCausalLM\"], \"hidden_size\": 8, \"intermediate_size\":"
            + " 16, \"num_hidden_layers\": 2, \"vocab_size\": 10, ";
    Path f = dir.resolve("config.json");
    Files.writeString(f, base + "\"layer_types\": [\"sliding_attention\"]}");
    assertThatThrownBy(() -> ModelConfig.load(f))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("layer_types");
    Files.writeString(f, base + "\"layer_types\": [\"sliding_attention\", \"chunked\"]}");
    assertThatThrownBy(() -> ModelConfig.load(f)).hasMessageContaining("full_attention");
    Files.writeString(f, base + "\"attn_logit_softcapping\": 50.0}");
    assertThatThrownBy(() -> ModelConfig.load(f)).hasMessageContaining("attn_logit_softcapping");
    Files.writeString(f, base + "\"use_bidirectional_attention\": true}");
    assertThatThrownBy(() -> ModelConfig.load(f)).hasMessageContaining("bidirectional");
    // defaults of Gemma3TextConfig: pattern 6, window 4096, head_dim 256, scalar 256
    Files.writeString(f, base + "\"num_attention_heads\": 2, \"num_key_value_heads\": 1}");
    ModelConfig c = ModelConfig.load(f);
    assertThat(c.windowOf(0)).isEqualTo(4096);
    assertThat(c.headDim()).isEqualTo(256);
    assertThat(c.queryPreAttnScalar()).isEqualTo(256.0);
    assertThat(c.finalLogitSoftcapping()).isNull();
  }

  @Test
  void moduleNamesAreHfsAndNormsAreOffsetFromOne() throws Exception {
    try (CausalLM m = CausalLM.load(GoldenTest.Fixture.load("gemma3").dir())) {
      String p = "model.layers.0.";
      assertThat(new ArrayList<>(m.norms().keySet()).subList(0, 6))
          .containsExactly(
              p + "self_attn.q_norm",
              p + "self_attn.k_norm",
              p + "input_layernorm",
              p + "post_attention_layernorm",
              p + "pre_feedforward_layernorm",
              p + "post_feedforward_layernorm");
      assertThat(m.norms()).hasSize(4 * 6 + 1).containsKey("model.norm");
      assertThat(m.linears()).hasSize(4 * 7 + 1).containsKey(p + "mlp.down_proj");
      assertThat(m.norms().get("model.norm").get())
          .isInstanceOfSatisfying(RmsNorm.class, r -> assertThat(r.unitOffset()).isTrue());
      // parameters in ModelStructure's (HF's) order, lm_head tied
      assertThat(m.parameters().keySet())
          .containsExactlyElementsOf(ModelStructure.of(m.config()).parameters().keySet())
          .doesNotContain("lm_head.weight");
      // BF16 weights: sqrt(24) = 4.899 rounds to 4.90625 as HF's embed_scale.to(bfloat16)
      assertThat(CausalLM.embedScale(m.config(), DType.BF16)).isEqualTo(4.90625f);
      assertThat(CausalLM.embedScale(m.config(), DType.F32)).isEqualTo((float) Math.sqrt(24));
    }
  }

  @Test
  void randomInitZeroesTheNormOffsetsAndRuns() {
    ModelConfig c = ModelConfig.load(gemmaFixtureDir("gemma3_layer_types"));
    Map<String, Tensor> w = RandomWeights.create(c, 7);
    assertThat(w.get("model.layers.1.pre_feedforward_layernorm.weight").toFloatArray())
        .containsOnly(0f);
    assertThat(w.get("model.layers.1.self_attn.k_norm.weight").toFloatArray()).containsOnly(0f);
    assertThat(w).containsKey("lm_head.weight");
    try (CausalLM m = CausalLM.fromTensors(c, w);
        var s = GradMode.noGrad()) {
      Var logits = m.forward(ModelInput.of(m.embedTokens(new int[] {2, 5, 9, 4, 7}, 1, 5)));
      assertThat(logits.shape()).containsExactly(1, 5, 48);
      assertThat(GoldenTest.maxAbs(logits.value())).isPositive().isFinite();
    }
  }

  private static Path gemmaFixtureDir(String name) {
    try {
      return GoldenTest.Fixture.load(name).dir();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A padded batch (full, right-padded and left-padded rows, all longer than the window) decoded
   * column by column through the KV cache, after a prefill of 3 columns, with and without prefix
   * keys, gives the full forward's logits at every real position.
   */
  @ParameterizedTest
  @ValueSource(strings = {"gemma3", "gemma3_layer_types", "mistral_window"})
  void kvCacheDecodingWithWindowsMatchesTheFullForward(String name) throws Exception {
    GoldenTest.Fixture f = GoldenTest.Fixture.load(name);
    try (CausalLM m = CausalLM.load(f.dir());
        var scope = GradMode.noGrad()) {
      int b = f.batch(), t = f.time(), v = m.config().vocabSize(), first = 3;
      boolean[] pad = ModelInput.paddingFromAttentionMask(f.mask());
      for (boolean withPrefix : new boolean[] {false, true}) {
        List<PrefixKv> prefix = withPrefix ? f.prefix() : null;
        int p = withPrefix ? f.expected().get("prefix_length").intValue() : 0;
        float[] full = m.forward(GoldenTest.input(m, f).withPrefix(prefix)).value().toFloatArray();
        try (KvCache cache = new KvCache(m.config(), b, p + t)) {
          float[] got =
              m.forward(
                      ModelInput.of(m.embedTokens(columns(f.ids(), t, 0, first), b, first))
                          .withPadding(columns(pad, t, 0, first))
                          .withPrefix(prefix)
                          .withCache(cache))
                  .value()
                  .toFloatArray();
          for (int r = 0; r < b; r++) {
            for (int i = 0; i < first; i++) {
              compare(got, (r * first + i) * v, full, (r * t + i) * v, v, pad[r * t + i], name);
            }
          }
          for (int i = first; i < t; i++) {
            float[] step =
                m.forwardLast(
                        ModelInput.of(m.embedTokens(columns(f.ids(), t, i, i + 1), b, 1))
                            .withPadding(columns(pad, t, i, i + 1))
                            .withCache(cache))
                    .value()
                    .toFloatArray();
            for (int r = 0; r < b; r++) {
              compare(step, r * v, full, (r * t + i) * v, v, pad[r * t + i], name + " @" + i);
            }
          }
        }
      }
    }
  }

  private static int[] columns(int[] a, int t, int from, int to) {
    int b = a.length / t, w = to - from;
    int[] out = new int[b * w];
    for (int r = 0; r < b; r++) {
      System.arraycopy(a, r * t + from, out, r * w, w);
    }
    return out;
  }

  private static boolean[] columns(boolean[] a, int t, int from, int to) {
    int b = a.length / t, w = to - from;
    boolean[] out = new boolean[b * w];
    for (int r = 0; r < b; r++) {
      System.arraycopy(a, r * t + from, out, r * w, w);
    }
    return out;
  }

  private static void compare(
      float[] a, int ao, float[] e, int eo, int n, boolean padding, String what) {
    if (padding) {
      return; // a padding position's output is never read
    }
    for (int i = 0; i < n; i++) {
      assertThat((double) a[ao + i])
          .as(what + " [" + i + "]")
          .isCloseTo(e[eo + i], org.assertj.core.data.Offset.offset(2e-4));
    }
  }
}
