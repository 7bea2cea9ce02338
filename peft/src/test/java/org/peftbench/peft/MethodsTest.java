package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.autograd.GradCheck;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.bitfit.BitFitConfig;
import org.peftbench.peft.full.FullFineTuningConfig;
import org.peftbench.peft.ia3.IA3Config;
import org.peftbench.peft.lntuning.LNTuningConfig;
import org.peftbench.peft.loha.LoHaConfig;
import org.peftbench.peft.lokr.LoKrConfig;
import org.peftbench.peft.lora.LoraConfig;
import org.peftbench.peft.none.NoAdapterConfig;
import org.peftbench.peft.prefixtuning.PrefixTuningConfig;
import org.peftbench.peft.prompttuning.PromptTuningConfig;
import org.peftbench.peft.ptuning.PromptEncoderConfig;
import org.peftbench.peft.vera.VeraConfig;
import org.peftbench.transformer.CausalLM;

/**
 * Every method on the tiny random Llama of the fixtures: gradients of its trainable parameters
 * against finite differences, save → load round trip, merged versus unmerged outputs, and live
 * parameter counts against the structural ones.
 */
class MethodsTest {
  static final int B = 2, T = 5;
  static final int[] IDS = {1, 5, 9, 33, 17, 1, 40, 2, 8, 60};

  /** Every method on the Llama fixture; the bias- and norm-sensitive ones also on Qwen2/Qwen3. */
  static Stream<Arguments> cases() {
    Stream<Arguments> llama = methods().map(a -> Arguments.of("llama", a.get()[0], a.get()[1]));
    Stream<Arguments> qwen =
        Stream.of("qwen2", "qwen3")
            .flatMap(
                m ->
                    methods()
                        .filter(
                            a ->
                                List.of(
                                        "lora",
                                        "dora",
                                        "ia3",
                                        "bitfit",
                                        "ln-tuning",
                                        "prefix-tuning",
                                        "vera",
                                        "full")
                                    .contains((String) a.get()[0]))
                        .map(a -> Arguments.of(m, a.get()[0], a.get()[1])));
    // GPT-2: Conv1D [in, out] weights, fused c_attn, LayerNorm with bias, learned positions
    Stream<Arguments> gpt2 =
        methods()
            .filter(
                a ->
                    List.of(
                            "lora-rslora",
                            "dora",
                            "ia3",
                            "prompt-tuning",
                            "prefix-tuning",
                            "ln-tuning",
                            "bitfit",
                            "vera",
                            "loha",
                            "full")
                        .contains((String) a.get()[0]))
            .map(a -> Arguments.of("gpt2", a.get()[0], a.get()[1]));
    // Gemma 3: four (1 + w) norms per layer, q/k norms, GeGLU, a window shorter than T
    Stream<Arguments> gemma =
        methods()
            .filter(
                a ->
                    List.of("lora", "ia3", "prompt-tuning", "prefix-tuning", "ln-tuning", "full")
                        .contains((String) a.get()[0]))
            .map(a -> Arguments.of("gemma3", a.get()[0], a.get()[1]));
    return Stream.concat(Stream.concat(Stream.concat(llama, qwen), gpt2), gemma);
  }

  static Stream<Arguments> methods() {
    TargetModules all =
        TargetModules.of(
            "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    return Stream.of(
        Arguments.of("lora", LoraConfig.defaults().withRank(4, 8).withTargets(all)),
        Arguments.of("lora-rslora", LoraConfig.defaults().withRank(4, 8).withRslora(true)),
        Arguments.of("dora", LoraConfig.defaults().withRank(4, 8).withDora(true)),
        Arguments.of("ia3", IA3Config.defaults()),
        Arguments.of(
            "prompt-tuning",
            new PromptTuningConfig(3, null, null, null, null, "RANDOM", null, null)),
        Arguments.of(
            "prefix-tuning", new PrefixTuningConfig(3, null, null, null, null, null, false)),
        Arguments.of(
            "prefix-projection", new PrefixTuningConfig(3, null, null, null, null, 12, true)),
        Arguments.of(
            "p-tuning-mlp", new PromptEncoderConfig(3, null, null, null, null, "MLP", 12, 2, 0)),
        Arguments.of(
            "p-tuning-lstm", new PromptEncoderConfig(3, null, null, null, null, "LSTM", 6, 2, 0)),
        Arguments.of("ln-tuning", LNTuningConfig.defaults()),
        Arguments.of("bitfit", BitFitConfig.defaults()),
        Arguments.of("vera", VeraConfig.defaults().withRank(4)),
        Arguments.of("loha", new LoHaConfig(2, 4, 0, 0, null, null, true)),
        Arguments.of("lokr", new LoKrConfig(2, 4, 0, 0, false, -1, all, null, true)),
        Arguments.of("full", new FullFineTuningConfig()),
        Arguments.of("none", new NoAdapterConfig()));
  }

  static CausalLM tinyModel() {
    return CausalLM.load(Fixtures.dir().resolve("model"));
  }

  /**
   * {@code "llama"}: the fixtures' model. {@code "qwen2"} (q/k/v biases) and {@code "qwen3"} (q/k
   * norms): random tiny models with random biases and norm weights, for the bias paths.
   */
  static CausalLM tinyModel(String kind) {
    if (kind.equals("llama")) {
      return tinyModel();
    }
    var node = PeftConfigs.JSON.createObjectNode();
    if (kind.equals("gpt2")) {
      node.putArray("architectures").add("GPT2LMHeadModel");
      node.put("model_type", "gpt2");
      node.put("n_embd", 32);
      node.put("n_layer", 2);
      node.put("n_head", 4);
      node.put("vocab_size", 64);
      node.put("n_positions", 64);
      node.put("activation_function", "gelu_new");
      node.put("layer_norm_epsilon", 1e-5);
      return randomModel(node, kind);
    }
    if (kind.equals("gemma3")) {
      node.putArray("architectures").add("Gemma3ForCausalLM");
      node.put("model_type", "gemma3_text");
      node.put("hidden_size", 32);
      node.put("intermediate_size", 40);
      node.put("num_hidden_layers", 3);
      node.put("num_attention_heads", 4);
      node.put("num_key_value_heads", 2);
      node.put("head_dim", 8);
      node.put("vocab_size", 64);
      node.put("query_pre_attn_scalar", 8);
      node.put("sliding_window", 3);
      node.put("sliding_window_pattern", 3);
      return randomModel(node, kind);
    }
    node.putArray("architectures")
        .add(kind.equals("qwen2") ? "Qwen2ForCausalLM" : "Qwen3ForCausalLM");
    node.put("model_type", kind);
    node.put("hidden_size", 32);
    node.put("intermediate_size", 40);
    node.put("num_hidden_layers", 2);
    node.put("num_attention_heads", 4);
    node.put("num_key_value_heads", 2);
    node.put("head_dim", 8);
    node.put("vocab_size", 64);
    node.put("max_position_embeddings", 64);
    node.put("rms_norm_eps", 1e-6);
    node.put("rope_theta", 10000.0);
    node.put("tie_word_embeddings", true);
    node.put("hidden_act", "silu");
    return randomModel(node, kind);
  }

  /** A model with random weights, biases and norm weights (so every bias path matters). */
  private static CausalLM randomModel(
      com.fasterxml.jackson.databind.node.ObjectNode node, String kind) {
    var config = org.peftbench.transformer.ModelConfig.parse(node, kind);
    var weights = org.peftbench.transformer.RandomWeights.create(config, 5);
    SplittableRandom rng = new SplittableRandom(99);
    float normCentre = config.unitOffsetNorms() ? 0f : 1f; // Gemma scales by 1 + w
    weights.forEach(
        (name, t) -> {
          boolean norm = name.endsWith("norm.weight") || name.matches(".*ln_[12f]\\.weight");
          if (name.endsWith(".bias") || norm) {
            float[] a = t.array();
            for (int i = 0; i < a.length; i++) {
              a[i] = (norm ? normCentre : 0f) + (float) (0.5 * (rng.nextDouble() - 0.5));
            }
          }
        });
    return CausalLM.fromTensors(config, weights);
  }

  /**
   * Moves every trainable value off its (often identity) init, so all gradients are non-trivial.
   */
  static void perturb(PeftModel pm, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (Parameter p : pm.trainableParameters()) {
      float[] a = p.value().array();
      for (int i = p.value().offset(); i < p.value().offset() + p.value().size(); i++) {
        a[i] += (float) (0.2 * (rng.nextDouble() - 0.5));
      }
    }
  }

  static float[] logits(PeftModel pm) {
    try (var ignored = GradMode.noGrad()) {
      return pm.forward(IDS, null, B, T).value().toFloatArray();
    }
  }

  static double maxDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @org.junit.jupiter.api.Test
  void promptTextInitCopiesTheTextsEmbeddingsAsPeftDoes(@TempDir Path saved) throws Exception {
    Path dir = Fixtures.shared().resolve("models/stories260K");
    var tok = org.peftbench.tokenizers.Tokenizers.load(dir);
    try (CausalLM model = CausalLM.load(dir)) {
      var config = PromptTuningConfig.text(7, "Once upon");
      PeftModel pm = PeftModel.apply(model, config, 0, tok);
      int[] ids = tok.encode("Once upon", true); // with BOS, as PEFT's tokenizer(text) call
      assertThat(ids.length).isLessThan(7);
      float[] prompt = pm.trainableParameters().get(0).value().toFloatArray();
      float[] table = model.tokenEmbedding().value().toFloatArray();
      int c = model.config().hiddenSize();
      for (int i = 0; i < 7; i++) {
        int id = ids[i % ids.length]; // repeated, then cut to P
        for (int j = 0; j < c; j++) {
          assertThat(prompt[i * c + j]).isEqualTo(table[id * c + j]);
        }
      }
      pm.save(saved, dir.toString());
    }
    try (CausalLM model = CausalLM.load(dir)) {
      // loading needs no tokenizer (the weights are in the file) and keeps the config as it was
      PeftModel loaded = PeftModel.load(model, saved);
      assertThat(((PromptTuningConfig) loaded.config()).promptTuningInit()).isEqualTo("TEXT");
      assertThat(PeftConfigs.read(saved)).isEqualTo(loaded.config());
    }
  }

  /** PEFT initialises from {@code word_embeddings(ids)}: Gemma's rows come scaled by sqrt(C). */
  @org.junit.jupiter.api.Test
  void sampledVocabInitTakesGemmasScaledEmbeddings() {
    try (CausalLM model = tinyModel("gemma3")) {
      PeftModel pm =
          PeftModel.apply(
              model,
              new PromptTuningConfig(3, null, null, null, null, "SAMPLE_VOCAB", null, null),
              42);
      float[] prompt = pm.trainableParameters().get(0).value().toFloatArray();
      float[] table = model.tokenEmbedding().value().toFloatArray();
      int c = 32;
      float scale = (float) Math.sqrt(c);
      for (int r = 0; r < 3; r++) {
        double best = Double.MAX_VALUE;
        for (int id = 0; id < 64; id++) {
          double d = 0;
          for (int j = 0; j < c; j++) {
            d = Math.max(d, Math.abs(prompt[r * c + j] - table[id * c + j] * scale));
          }
          best = Math.min(best, d);
        }
        assertThat(best).as("virtual token " + r).isLessThan(1e-6);
      }
    }
  }

  @org.junit.jupiter.api.Test
  void aSecondAdapterNeedsTheFirstRemoved() {
    try (CausalLM model = tinyModel()) {
      PeftModel first = PeftModel.apply(model, LoraConfig.defaults(), 0);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> PeftModel.apply(model, IA3Config.defaults(), 0))
          .hasMessageContaining("already has an adapter");
      first.remove();
      assertThat(PeftModel.apply(model, IA3Config.defaults(), 0).trainableParameters())
          .isNotEmpty();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void gradientsMatchFiniteDifferences(String kind, String name, PeftConfig config) {
    try (CausalLM model = tinyModel(kind)) {
      PeftModel pm = PeftModel.apply(model, config, 42);
      List<Parameter> params = pm.trainableParameters();
      if (config instanceof NoAdapterConfig) {
        assertThat(params).isEmpty();
        return;
      }
      if (!(config instanceof LoraConfig lc && lc.useDora())) {
        perturb(pm, 7);
      } else {
        // DoRA treats ‖W + s·B·A‖ as a constant (PEFT, DoRA §4.3), so only the magnitude's
        // gradient is the true derivative; check it at PEFT's init (B = 0).
        params = params.stream().filter(p -> p.name().endsWith("lora_magnitude_vector")).toList();
      }
      assertThat(params).isNotEmpty();
      int[] labels = IDS.clone();
      labels[0] = -100;
      var opt =
          new GradCheck.Options(1e-2, 2e-3, 2e-2, config instanceof FullFineTuningConfig ? 4 : 12);
      var report = GradCheck.check(() -> pm.loss(IDS, null, labels, B, T), params, opt);
      assertThat(report.maxAbsError()).isFinite();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void saveLoadRoundTripGivesIdenticalOutputs(
      String kind, String name, PeftConfig config, @TempDir Path dir) {
    float[] before;
    ParameterCount count;
    java.util.Map<String, float[]> saved = new java.util.TreeMap<>();
    try (CausalLM model = tinyModel(kind)) {
      PeftModel pm = PeftModel.apply(model, config, 42);
      perturb(pm, 11);
      before = logits(pm);
      count = pm.count();
      assertThat(pm.countLive()).isEqualTo(count);
      pm.method().stateDict().forEach((k, t) -> saved.put(k, t.toFloatArray()));
      pm.save(dir, "tiny");
    }
    assertThat(dir.resolve(PeftModel.CONFIG_FILE)).exists();
    PeftConfig reread = PeftConfigs.read(dir);
    assertThat(reread.peftType()).isEqualTo(config.peftType());
    try (CausalLM model = tinyModel(kind)) {
      PeftModel loaded = PeftModel.load(model, dir);
      java.util.Map<String, float[]> reloaded = new java.util.TreeMap<>();
      loaded.method().stateDict().forEach((k, t) -> reloaded.put(k, t.toFloatArray()));
      assertThat(reloaded.keySet()).isEqualTo(saved.keySet());
      saved.forEach((k, v) -> assertThat(reloaded.get(k)).as(k).containsExactly(v));
      assertThat(maxDiff(logits(loaded), before)).isEqualTo(0.0);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void mergedAndUnmergedOutputsAgree(String kind, String name, PeftConfig config) {
    try (CausalLM model = tinyModel(kind)) {
      float[] base;
      try (var ignored = GradMode.noGrad()) {
        base =
            model
                .forward(org.peftbench.transformer.ModelInput.of(model.embedTokens(IDS, B, T)))
                .value()
                .toFloatArray();
      }
      PeftModel pm = PeftModel.apply(model, config, 42);
      perturb(pm, 13);
      float[] unmerged = logits(pm);
      if (!(config instanceof NoAdapterConfig)) {
        assertThat(unmerged.length == base.length ? maxDiff(unmerged, base) : 1.0)
            .as("the perturbed adapter changes the output")
            .isGreaterThan(1e-4);
      }
      if (!pm.canMerge()) {
        assertThat(config.peftType().isPromptLearning()).isTrue();
        return;
      }
      pm.merge();
      assertThat(maxDiff(logits(pm), unmerged)).isLessThanOrEqualTo(1e-5);
      pm.unmerge();
      assertThat(maxDiff(logits(pm), unmerged)).isEqualTo(0.0);
      pm.remove();
      try (var ignored = GradMode.noGrad()) {
        float[] restored =
            model
                .forward(org.peftbench.transformer.ModelInput.of(model.embedTokens(IDS, B, T)))
                .value()
                .toFloatArray();
        assertThat(maxDiff(restored, base)).isEqualTo(0.0);
      }
    }
  }
}
