package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.safetensors.SafetensorsWriter;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/** Module tree, KV cache, training forward and random initialisation. */
class CausalLMTest {
  static GoldenTest.Fixture fixture(String name) throws Exception {
    return GoldenTest.Fixture.load(name);
  }

  @Test
  void moduleTreeUsesHfNames() throws Exception {
    try (CausalLM m = CausalLM.load(fixture("qwen3").dir())) {
      assertThat(m.parameters().keySet())
          .startsWith(
              "model.embed_tokens.weight",
              "model.layers.0.self_attn.q_proj.weight",
              "model.layers.0.self_attn.k_proj.weight")
          .contains(
              "model.layers.1.self_attn.q_norm.weight", "lm_head.weight", "model.norm.weight");
      assertThat(m.linears().keySet())
          .containsExactly(
              "model.layers.0.self_attn.q_proj",
              "model.layers.0.self_attn.k_proj",
              "model.layers.0.self_attn.v_proj",
              "model.layers.0.self_attn.o_proj",
              "model.layers.0.mlp.gate_proj",
              "model.layers.0.mlp.up_proj",
              "model.layers.0.mlp.down_proj",
              "model.layers.1.self_attn.q_proj",
              "model.layers.1.self_attn.k_proj",
              "model.layers.1.self_attn.v_proj",
              "model.layers.1.self_attn.o_proj",
              "model.layers.1.mlp.gate_proj",
              "model.layers.1.mlp.up_proj",
              "model.layers.1.mlp.down_proj",
              "lm_head");
      assertThat(m.norms()).containsKeys("model.layers.0.self_attn.q_norm", "model.norm");
      LinearLayer q = m.linears().get("model.layers.0.self_attn.q_proj").get();
      assertThat(q.inFeatures()).isEqualTo(16);
      assertThat(q.outFeatures()).isEqualTo(24); // 4 heads x head_dim 6
      assertThat(m.parameters().values()).noneMatch(Parameter::isTrainable);
    }
    try (CausalLM g = CausalLM.load(fixture("gpt2").dir())) {
      Linear cAttn = (Linear) g.linears().get("transformer.h.0.attn.c_attn").get();
      assertThat(cAttn.fanInFanOut()).isTrue();
      assertThat(cAttn.outFeatures()).isEqualTo(48);
      // tied: lm_head reads the token embedding, listed once
      assertThat(((Linear) g.lmHead().get()).weight()).isSameAs(g.tokenEmbedding());
      assertThat(g.parameters()).doesNotContainKey("lm_head.weight");
    }
  }

  @Test
  void replacingASlotChangesTheForward() throws Exception {
    GoldenTest.Fixture f = fixture("llama");
    try (CausalLM m = CausalLM.load(f.dir());
        var s = GradMode.noGrad()) {
      var slot = m.linears().get("model.layers.1.mlp.down_proj");
      LinearLayer base = slot.get();
      float[] before = m.forward(GoldenTest.input(m, f)).value().toFloatArray();
      slot.set(
          new LinearLayer() { // doubles the layer's output
            public Var forward(Var x) {
              return Ops.scale(base.forward(x), 2f);
            }

            public int inFeatures() {
              return base.inFeatures();
            }

            public int outFeatures() {
              return base.outFeatures();
            }
          });
      float[] after = m.forward(GoldenTest.input(m, f)).value().toFloatArray();
      slot.reset();
      float[] again = m.forward(GoldenTest.input(m, f)).value().toFloatArray();
      assertThat(after).isNotEqualTo(before);
      assertThat(again).containsExactly(before);
    }
  }

  /** Incremental decoding through the cache gives the logits of one full forward pass. */
  @Test
  void kvCacheMatchesFullForward() throws Exception {
    for (String name : List.of("llama", "qwen3", "gpt2")) {
      GoldenTest.Fixture f = fixture(name);
      try (CausalLM m = CausalLM.load(f.dir());
          var s = GradMode.noGrad()) {
        int t = f.time(), v = m.config().vocabSize();
        int[] row = java.util.Arrays.copyOf(f.ids(), t); // first row, no padding
        for (boolean withPrefix : new boolean[] {false, true}) {
          List<PrefixKv> prefix = withPrefix ? firstRow(f.prefix()) : null;
          float[] full =
              m.forward(ModelInput.of(m.embedTokens(row, 1, t)).withPrefix(prefix))
                  .value()
                  .toFloatArray();
          try (KvCache cache = new KvCache(m.config(), 1, 3 + t)) {
            // prefill 3 tokens, then one at a time
            int[] head = java.util.Arrays.copyOf(row, 3);
            float[] got =
                m.forward(
                        ModelInput.of(m.embedTokens(head, 1, 3))
                            .withPrefix(prefix)
                            .withCache(cache))
                    .value()
                    .toFloatArray();
            assertClose(got, 0, full, 0, 3 * v, name);
            for (int i = 3; i < t; i++) {
              float[] step =
                  m.forwardLast(
                          ModelInput.of(m.embedTokens(new int[] {row[i]}, 1, 1)).withCache(cache))
                      .value()
                      .toFloatArray();
              assertClose(step, 0, full, i * v, v, name + " step " + i);
            }
          }
        }
      }
    }
  }

  private static List<PrefixKv> firstRow(List<PrefixKv> p) {
    return p.stream()
        .map(
            kv ->
                new PrefixKv(
                    Var.constant(kv.keys().value().slice0(0, 1)),
                    Var.constant(kv.values().value().slice0(0, 1))))
        .toList();
  }

  private static void assertClose(float[] a, int ao, float[] b, int bo, int n, String what) {
    for (int i = 0; i < n; i++) {
      assertThat((double) a[ao + i])
          .as(what + " [" + i + "]")
          .isCloseTo(b[bo + i], org.assertj.core.data.Offset.offset(2e-4));
    }
  }

  /** A few plain SGD steps on all weights lower the training loss. */
  @Test
  void sgdStepsLowerTheLoss() throws Exception {
    GoldenTest.Fixture f = fixture("llama");
    try (CausalLM m = CausalLM.load(f.dir())) {
      for (Parameter p : m.parameters().values()) {
        p.setValue(p.value().toF32());
        p.setTrainable(true);
      }
      float first = 0, last = 0;
      for (int step = 0; step < 5; step++) {
        Var loss = LanguageModelLoss.loss(m, f.ids(), f.mask(), f.labels(), f.batch(), f.time());
        if (step == 0) {
          first = loss.item();
        }
        last = loss.item();
        loss.backward();
        for (Parameter p : m.parameters().values()) {
          assertThat(p.grad()).as(p.name()).isNotNull();
          float[] w = p.value().array(), g = p.grad().toFloatArray();
          for (int i = 0; i < g.length; i++) {
            w[p.value().offset() + i] -= 0.1f * g[i];
          }
          p.zeroGrad();
        }
      }
      assertThat(last).isLessThan(first * 0.9f);
    }
  }

  @Test
  void gradientCheckpointingGivesTheSameLossAndGradients() throws Exception {
    GoldenTest.Fixture f = fixture("qwen3");
    float[][] grads = new float[2][];
    float[] losses = new float[2];
    for (int run = 0; run < 2; run++) {
      try (CausalLM m = CausalLM.load(f.dir())) {
        m.setGradientCheckpointing(run == 1);
        Parameter q = m.parameters().get("model.layers.0.self_attn.q_proj.weight");
        q.setValue(q.value().toF32());
        q.setTrainable(true);
        Var loss = LanguageModelLoss.loss(m, f.ids(), f.mask(), f.labels(), f.batch(), f.time());
        losses[run] = loss.item();
        loss.backward();
        grads[run] = q.grad().toFloatArray();
      }
    }
    assertThat(losses[1]).isEqualTo(losses[0]);
    assertThat(grads[1]).containsExactly(grads[0]);
    assertThat(GoldenTest.maxAbs(Tensor.of(grads[0], grads[0].length))).isPositive();
  }

  @Test
  void lossFromHiddenEqualsTheFullLogitsLoss() throws Exception {
    GoldenTest.Fixture f = fixture("gpt2");
    float[][] grads = new float[2][];
    float[] losses = new float[2];
    for (int run = 0; run < 2; run++) {
      try (CausalLM m = CausalLM.load(f.dir())) {
        Parameter wte = m.tokenEmbedding(); // tied: reached through lm_head and the input
        wte.setValue(wte.value().toF32());
        wte.setTrainable(true);
        ModelInput in = GoldenTest.input(m, f);
        Var loss =
            run == 0
                ? LanguageModelLoss.loss(m.forward(in), f.labels())
                : LanguageModelLoss.lossFromHidden(m, m.forwardHidden(in), f.labels());
        losses[run] = loss.item();
        loss.backward();
        grads[run] = wte.grad().toFloatArray();
      }
    }
    assertThat((double) losses[1])
        .isCloseTo(losses[0], org.assertj.core.data.Offset.offset(1e-6))
        .isCloseTo(
            fixture("gpt2").expected().get("loss").doubleValue(),
            org.assertj.core.data.Offset.offset(1e-4));
    for (int i = 0; i < grads[0].length; i++) {
      assertThat((double) grads[1][i])
          .as("grad " + i)
          .isCloseTo(grads[0][i], org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  @Test
  void allIgnoredLabelsGiveZeroLossAndPromptEmbedsCanBePrepended() throws Exception {
    GoldenTest.Fixture f = fixture("llama");
    try (CausalLM m = CausalLM.load(f.dir())) {
      int[] ignored = new int[f.ids().length];
      java.util.Arrays.fill(ignored, LanguageModelLoss.IGNORE);
      try (var s = GradMode.noGrad()) {
        Var loss = LanguageModelLoss.loss(m, f.ids(), f.mask(), ignored, f.batch(), f.time());
        assertThat(loss.item()).isZero();
        // prompt tuning: 2 trainable virtual tokens before the real ones; gradient reaches them
      }
      Parameter virtual = new Parameter("prompt", Tensor.of(new float[2 * 16], 1, 2, 16), true);
      int[] row = java.util.Arrays.copyOf(f.ids(), f.time());
      Var embeds = Ops.concat(1, virtual, m.embedTokens(row, 1, row.length));
      int[] labels = new int[2 + row.length];
      java.util.Arrays.fill(labels, 0, 2, LanguageModelLoss.IGNORE);
      System.arraycopy(row, 0, labels, 2, row.length);
      Var loss = LanguageModelLoss.loss(m.forward(ModelInput.of(embeds)), labels);
      loss.backward();
      assertThat(m.forward(ModelInput.of(embeds)).shape()).containsExactly(1, 2 + row.length, 40);
      assertThat(virtual.grad()).isNotNull();
      assertThat(GoldenTest.maxAbs(virtual.grad())).isPositive();
    }
  }

  @Test
  void randomInitFollowsHfAndRoundTripsThroughSafetensors(@TempDir Path dir) throws Exception {
    ModelConfig c = ModelConfig.load(fixture("qwen2").dir());
    Map<String, Tensor> w = RandomWeights.create(c, 42);
    assertThat(w.get("model.layers.0.self_attn.q_proj.bias").toFloatArray()).containsOnly(0f);
    assertThat(w.get("model.norm.weight").toFloatArray()).containsOnly(1f);
    float[] e = w.get("model.embed_tokens.weight").toFloatArray();
    double sq = 0;
    for (float x : e) {
      sq += x * x;
    }
    assertThat(Math.sqrt(sq / e.length)).isBetween(0.015, 0.025); // initializer_range 0.02
    assertThat(RandomWeights.create(c, 42).get("model.embed_tokens.weight").toFloatArray())
        .containsExactly(e);
    assertThat(RandomWeights.create(c, 43).get("model.embed_tokens.weight").toFloatArray())
        .isNotEqualTo(e);
    SafetensorsWriter writer = new SafetensorsWriter();
    w.forEach((k, t) -> writer.add(k, t, DType.BF16));
    writer.write(dir.resolve("model.safetensors"));
    java.nio.file.Files.copy(
        fixture("qwen2").dir().resolve("config.json"), dir.resolve("config.json"));
    try (CausalLM m = CausalLM.load(dir)) {
      assertThat(m.tokenEmbedding().value().dtype()).isEqualTo(DType.BF16);
      try (var s = GradMode.noGrad()) {
        Var logits = m.forward(ModelInput.of(m.embedTokens(new int[] {1, 2, 3}, 1, 3)));
        assertThat(logits.shape()).containsExactly(1, 3, 40);
      }
    }
  }

  @Test
  void shardedCheckpointLoadsLikeOneFile(@TempDir Path dir) throws Exception {
    GoldenTest.Fixture f = fixture("gpt2");
    java.nio.file.Files.copy(f.dir().resolve("config.json"), dir.resolve("config.json"));
    StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
    try (CausalLM whole = CausalLM.load(f.dir());
        var s = GradMode.noGrad()) {
      SafetensorsWriter[] shards = {new SafetensorsWriter(), new SafetensorsWriter()};
      int i = 0;
      for (var e : whole.parameters().entrySet()) {
        int shard = i++ % 2;
        // GPT-2 files as published drop the "transformer." prefix; both forms load
        String stored = shard == 0 ? e.getKey().replaceFirst("^transformer\\.", "") : e.getKey();
        shards[shard].add(stored, e.getValue().value());
        index
            .append(i > 1 ? "," : "")
            .append('"')
            .append(stored)
            .append("\": \"model-0000")
            .append(shard + 1)
            .append("-of-00002.safetensors\"");
      }
      shards[0].write(dir.resolve("model-00001-of-00002.safetensors"));
      shards[1].write(dir.resolve("model-00002-of-00002.safetensors"));
      java.nio.file.Files.writeString(
          dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
      try (CausalLM sharded = CausalLM.load(dir)) {
        float[] a = whole.forward(GoldenTest.input(whole, f)).value().toFloatArray();
        float[] b = sharded.forward(GoldenTest.input(sharded, f)).value().toFloatArray();
        assertThat(b).containsExactly(a);
      }
    }
  }

  @Test
  void missingTensorAndWrongShapeNameTheFile(@TempDir Path dir) throws Exception {
    ModelConfig c = ModelConfig.load(fixture("llama").dir());
    Map<String, Tensor> w = RandomWeights.create(c, 1);
    java.nio.file.Files.copy(
        fixture("llama").dir().resolve("config.json"), dir.resolve("config.json"));
    SafetensorsWriter writer = new SafetensorsWriter();
    w.forEach(
        (k, t) -> {
          if (!k.equals("model.norm.weight")) {
            writer.add(k, t);
          }
        });
    writer.write(dir.resolve("model.safetensors"));
    assertThatThrownBy(() -> CausalLM.load(dir))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("model.norm.weight");
  }
}
