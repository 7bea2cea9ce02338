package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.peft.lokr.LoKrConfig;
import org.peftbench.peft.prefixtuning.PrefixTuningConfig;
import org.peftbench.peft.ptuning.PromptEncoderConfig;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/**
 * Trainable/total counts for the real configs in ../shared/models, against counts derived by hand
 * from PEFT's definitions (the derivations are the comments). Defaults: LoRA r=8 on q_proj,v_proj;
 * IA3 on k/v/down (down scales its input); 20 virtual tokens; BitFit on q_proj, v_proj.
 */
class ParameterCountTest {
  static ModelStructure shapes(String model) {
    Path dir = Fixtures.shared().resolve("models").resolve(model);
    return ModelStructure.load(
        dir.resolve(
            model.startsWith("smollm2") ? "config.transformers-v5-resaved.json" : "config.json"));
  }

  static ParameterCount count(String model, PeftType type) {
    return PeftConfigs.defaults(type).count(shapes(model));
  }

  @Test
  void llama3_8b() {
    // C=4096, I=14336, L=32, H=32, Hkv=8, D=128, V=128256, untied.
    // per layer: q C·C 16,777,216 + k,v C·1024 2×4,194,304 + o 16,777,216 + MLP 3·C·I 176,160,768
    //            + 2 norms 8,192 = 218,112,000; ×32 = 6,979,584,000
    // total = embed V·C 525,336,576 + lm_head 525,336,576 + 6,979,584,000 + norm 4,096
    long total = 8_030_261_248L;
    assertThat(count("llama-3-8b-instruct", PeftType.NONE)).isEqualTo(new ParameterCount(0, total));
    // LoRA: q 8·(4096+4096) 65,536 + v 8·(4096+1024) 40,960 = 106,496 per layer; ×32
    assertThat(count("llama-3-8b-instruct", PeftType.LORA))
        .isEqualTo(new ParameterCount(3_407_872, total + 3_407_872)); // PEFT prints 8,033,669,120
    // IA3: k out 1024 + v out 1024 + down in 14336 = 16,384 per layer; ×32
    assertThat(count("llama-3-8b-instruct", PeftType.IA3).trainable()).isEqualTo(524_288);
    // prompt tuning: 20·4096
    assertThat(count("llama-3-8b-instruct", PeftType.PROMPT_TUNING).trainable()).isEqualTo(81_920);
    // prefix: token_dim = Hkv·D = 1024 (GQA sizing); 20 · 2·32·1024
    assertThat(count("llama-3-8b-instruct", PeftType.PREFIX_TUNING).trainable())
        .isEqualTo(1_310_720);
    // P-tuning MLP, h = C: 20·4096 + 3 × (4096·4096 + 4096)
    assertThat(count("llama-3-8b-instruct", PeftType.P_TUNING).trainable()).isEqualTo(50_425_856);
    // LN tuning: (2·4096)·32 + 4096
    assertThat(count("llama-3-8b-instruct", PeftType.LN_TUNING))
        .isEqualTo(new ParameterCount(266_240, total + 266_240));
    // BitFit: new biases q 4096 + v 1024 per layer; ×32
    assertThat(count("llama-3-8b-instruct", PeftType.BITFIT).trainable()).isEqualTo(163_840);
    assertThat(count("llama-3-8b-instruct", PeftType.FULL))
        .isEqualTo(new ParameterCount(total, total));
  }

  @Test
  void qwen3_1_7b() {
    // C=2048, I=6144, L=28, H=16, Hkv=8, D=128, V=151936, tied, q_norm/k_norm [D].
    // per layer: q 4,194,304 + k,v 2×2,097,152 + o 4,194,304 + MLP 37,748,736 + norms 2·2048+2·128
    //            = 50,336,000; ×28 = 1,409,408,000
    // total = embed 311,164,928 (lm_head tied: counted once) + 1,409,408,000 + norm 2,048
    long total = 1_720_574_976L;
    assertThat(count("qwen3-1.7b", PeftType.NONE).total()).isEqualTo(total);
    // LoRA: q 8·4096 + v 8·3072 = 57,344; ×28
    assertThat(count("qwen3-1.7b", PeftType.LORA).trainable()).isEqualTo(1_605_632);
    // IA3 (Qwen3 mapping q, v, down): 2048 + 1024 + 6144 = 9,216; ×28
    assertThat(count("qwen3-1.7b", PeftType.IA3).trainable()).isEqualTo(258_048);
    // LN tuning (Qwen3 mapping: post_attention_layernorm only): 2048·28
    assertThat(count("qwen3-1.7b", PeftType.LN_TUNING).trainable()).isEqualTo(57_344);
    // prefix: 20 · 2·28 · (8·128)
    assertThat(count("qwen3-1.7b", PeftType.PREFIX_TUNING).trainable()).isEqualTo(1_146_880);
  }

  @Test
  void gemma3_1b() {
    // C=1152, I=6912, L=26, H=4, Hkv=1, D=256, V=262144, tied, q_norm/k_norm [D], four norms.
    // per layer: q C·1024 1,179,648 + k,v 2×294,912 + o 1,179,648 + MLP 23,887,872
    //            + norms 4·1152 + 2·256 = 26,842,112; ×26 = 697,894,912
    // total = embed 301,989,888 + 697,894,912 + norm 1,152 (as published: 999,885,952)
    long total = 999_885_952L;
    assertThat(count("gemma-3-1b-it", PeftType.NONE).total()).isEqualTo(total);
    // LoRA (gemma3_text mapping q, v): 8·(1152+1024) + 8·(1152+256) = 28,672; ×26
    assertThat(count("gemma-3-1b-it", PeftType.LORA).trainable()).isEqualTo(745_472);
    // IA3 (q, v, down): 1024 + 256 + 6912 = 8,192; ×26
    assertThat(count("gemma-3-1b-it", PeftType.IA3).trainable()).isEqualTo(212_992);
    // LN tuning (input, post_attention, pre/post_feedforward, norm): 4·1152·26 + 1152
    assertThat(count("gemma-3-1b-it", PeftType.LN_TUNING).trainable()).isEqualTo(120_960);
    // prefix: 20 · 2·26 · (1·256)
    assertThat(count("gemma-3-1b-it", PeftType.PREFIX_TUNING).trainable()).isEqualTo(266_240);
    // the 270m config (layer_types layout): 167,772,160 + 18·5,573,632 + 640
    assertThat(count("gemma-3-270m-it", PeftType.NONE).total()).isEqualTo(268_098_176L);
  }

  @Test
  void qwen2BitFitTrainsTheExistingBiases() {
    // Qwen2.5-0.5B has q/k/v biases: BitFit unfreezes q (896) and v (2·64) per layer, adds none
    ParameterCount c = count("qwen2.5-0.5b-instruct", PeftType.BITFIT);
    assertThat(c.trainable()).isEqualTo((896 + 128) * 24);
    assertThat(c.total()).isEqualTo(494_032_768L);
  }

  @Test
  void tinyLlamaAndSmolLm2() {
    // TinyLlama: C=2048, I=5632, L=22, Hkv=4, D=64 (kv 256), V=32000, untied
    assertThat(count("tinyllama-1.1b-chat", PeftType.NONE).total()).isEqualTo(1_100_048_384L);
    // LoRA: q 8·4096 + v 8·2304 = 51,200; ×22
    assertThat(count("tinyllama-1.1b-chat", PeftType.LORA).trainable()).isEqualTo(1_126_400);
    // prefix: 20 · 2·22 · 256
    assertThat(count("tinyllama-1.1b-chat", PeftType.PREFIX_TUNING).trainable()).isEqualTo(225_280);
    // SmolLM2-135M: C=576, I=1536, L=30, Hkv=3, D=64 (kv 192), V=49152, tied.
    // per layer 331,776 + 2·110,592 + 331,776 + 2,654,208 + 1,152 = 3,540,096; ×30 = 106,202,880
    // total = 28,311,552 + 106,202,880 + 576
    assertThat(count("smollm2-135m", PeftType.NONE).total()).isEqualTo(134_515_008L);
    // LoRA: q 8·1152 + v 8·768 = 15,360; ×30
    assertThat(count("smollm2-135m", PeftType.LORA).trainable()).isEqualTo(460_800);
  }

  @Test
  void stories260K() {
    // C=64, I=172, L=5, H=8, Hkv=4, D=8 (kv 32), V=512, tied.
    // per layer 4096 + 2·2048 + 4096 + 3·64·172 + 128 = 45,440; ×5 = 227,200; + 32,768 + 64
    long total = 260_032;
    ModelStructure s = shapes("stories260K");
    assertThat(s.totalParameters()).isEqualTo(total);
    Object[][] expected = {
      {PeftType.LORA, 8_960}, // (8·128 + 8·96)·5
      {PeftType.IA3, 1_180}, // (32 + 32 + 172)·5
      {PeftType.PROMPT_TUNING, 1_280}, // 20·64
      {PeftType.PREFIX_TUNING, 6_400}, // 20·2·5·32
      {PeftType.P_TUNING, 13_760}, // 20·64 + 3·(64·64 + 64)
      {PeftType.LN_TUNING, 704}, // 2·64·5 + 64
      {PeftType.BITFIT, 480}, // (64 + 32)·5
      {PeftType.VERA, 3_040}, // ((256 + 64) + (256 + 32))·5; A, B are buffers
      {PeftType.LOHA, 17_920}, // (2·8·128 + 2·8·96)·5
      {PeftType.LOKR, 1_120}, // q: 64=8·8 → W1 8×8 + W2 8×8; v: 32=4·8 → 4×8 + 8×8
      {PeftType.FULL, total},
      {PeftType.NONE, 0},
    };
    for (Object[] e : expected) {
      PeftType t = (PeftType) e[0];
      assertThat(PeftConfigs.defaults(t).count(s).trainable())
          .as(t.name())
          .isEqualTo(((Number) e[1]).longValue());
    }
    assertThat(expected.length).isEqualTo(PeftMethods.builtIn().size());
    // "all-linear": the 7 projections of each layer, not lm_head: r·(in+out) summed:
    //   8·(q 128 + k 96 + v 96 + o 128 + gate 236 + up 236 + down 236) = 8·1,156 = 9,248; ×5
    var allLinear =
        PeftConfigs.fromJson("{\"peft_type\":\"LORA\",\"target_modules\":\"all-linear\"}", "t");
    assertThat(allLinear.count(s).trainable()).isEqualTo(46_240);
    // P-tuning LSTM, h=64, 2 layers: 20·64 + 2·(256·64 + 256·64 + 512) + 2·(256·128 + 256·64 + 512)
    //   + (128·128 + 128) + (128·64 + 64)
    assertThat(PromptEncoderConfig.defaults().withEncoder("LSTM", null).count(s).trainable())
        .isEqualTo(191_936);
    // prefix with projection, E = token_dim = 32, width 2·5·32 = 320:
    //   20·32 + (32·32 + 32) + (32·320 + 320)
    assertThat(PrefixTuningConfig.defaults().withProjection(true).count(s).trainable())
        .isEqualTo(12_256);
  }

  @ParameterizedTest
  @MethodSource("org.peftbench.peft.PeftMethods#builtIn")
  void liveModelCountsAgreeWithStructure(PeftType type) {
    Path dir = Fixtures.shared().resolve("models/stories260K");
    try (CausalLM model = CausalLM.load(dir)) {
      PeftModel pm = PeftModel.apply(model, PeftConfigs.defaults(type), 0, null);
      assertThat(pm.countLive()).isEqualTo(pm.count());
      assertThat(pm.count()).isEqualTo(PeftConfigs.defaults(type).count(ModelStructure.load(dir)));
    }
  }

  @Test
  void lokrFactorizationIsPefts() {
    // the examples of PEFT's docstring
    assertThat(LoKrConfig.factorization(256, -1)).containsExactly(16, 16);
    assertThat(LoKrConfig.factorization(128, -1)).containsExactly(8, 16);
    assertThat(LoKrConfig.factorization(127, -1)).containsExactly(1, 127);
    assertThat(LoKrConfig.factorization(128, 4)).containsExactly(4, 32);
  }

  @Test
  void gpt2() {
    // C=768, L=12, H=12, V=50257, 1024 positions, inner 3072, Conv1D weights, biases, tied.
    // per layer: ln_1 1,536 + c_attn 768·2304+2304 + c_proj 768·768+768 + ln_2 1,536
    //            + c_fc 768·3072+3072 + c_proj 3072·768+768 = 7,087,872; ×12 = 85,054,464
    // total = wte 38,597,376 + wpe 786,432 + 85,054,464 + ln_f 1,536
    assertThat(count("gpt2", PeftType.NONE).total()).isEqualTo(124_439_808L);
    // LoRA on c_attn: 8·(768 + 2304) per layer; PEFT prints 294,912 || 124,734,720
    assertThat(count("gpt2", PeftType.LORA)).isEqualTo(new ParameterCount(294_912, 124_734_720L));
    // IA3: c_attn scales its output (2304), mlp.c_proj its input (3072); ×12
    assertThat(count("gpt2", PeftType.IA3).trainable()).isEqualTo(64_512);
    // LN tuning: ln_1, ln_2 (weight and bias) per layer + ln_f: 12·2·1536 + 1536
    assertThat(count("gpt2", PeftType.LN_TUNING).trainable()).isEqualTo(38_400);
    // prefix (no key/value heads in the config: token_dim = n_embd): 20·2·12·768
    assertThat(count("gpt2", PeftType.PREFIX_TUNING).trainable()).isEqualTo(368_640);
    // BitFit: c_attn's existing bias, nothing added
    assertThat(count("gpt2", PeftType.BITFIT)).isEqualTo(new ParameterCount(27_648, 124_439_808L));
  }

  @Test
  void unsupportedModelTypeIsAClearError(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path cfg = dir.resolve("config.json");
    java.nio.file.Files.writeString(cfg, "{\"model_type\": \"mamba\", \"hidden_size\": 8}");
    assertThatThrownBy(() -> ModelStructure.load(cfg))
        .hasMessageContaining("mamba")
        .hasMessageContaining("unsupported")
        .hasMessageContaining(cfg.toString());
  }
}
