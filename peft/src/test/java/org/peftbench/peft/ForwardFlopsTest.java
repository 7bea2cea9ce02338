package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.peftbench.peft.lora.LoraConfig;
import org.peftbench.peft.lora.LoraSpec;
import org.peftbench.peft.vera.VeraConfig;
import org.peftbench.transformer.ModelStructure;

/** Forward FLOPs (PSCP's M_f) and training memory of each method, by hand on stories260K. */
class ForwardFlopsTest {
  // stories260K: C 64, I 172, L 5, H 8, K 4, D 8, V 512
  static final ModelStructure STORIES =
      ModelStructure.load(Fixtures.shared().resolve("models/stories260K"));

  static ForwardFlops flops(String json) {
    return PeftMethods.forwardFlops(PeftConfigs.fromJson(json, "test"), STORIES, 512);
  }

  @Test
  void baseForwardByHand() {
    // per layer, T = 512:
    //   q, o   2·512·64·64 · 2  =  8,388,608
    //   k, v   2·512·64·32 · 2  =  4,194,304
    //   attn   2·512·512·8·8 · 2 = 67,108,864
    //   mlp    3 · 2·512·64·172 = 33,816,576
    //   = 113,508,352; × 5 layers = 567,541,760; LM head 2·512·64·512 = 33,554,432
    assertThat(STORIES.forwardFlops(512, 0)).isEqualTo(601_096_192.0);
  }

  @Test
  void methodsThatAddNoComputeCostNothingExtra() {
    for (String type : new String[] {"LN_TUNING", "FULL"}) {
      ForwardFlops r = flops("{\"peft_type\":\"" + type + "\"}");
      assertThat(r.base()).as(type).isEqualTo(601_096_192.0);
      assertThat(r.deltaTflops()).as(type).isZero();
    }
    assertThat(flops("{\"peft_type\":\"NONE\"}").adapted()).isEqualTo(601_096_192.0);
  }

  @Test
  void mergeableMethodsAreCountedUnmergedAsTrained() {
    // M_f counts the model as trained: LoRA's products are paid even though it could merge
    for (String type : new String[] {"LORA", "IA3", "VERA", "LOHA", "LOKR"}) {
      ForwardFlops r = flops("{\"peft_type\":\"" + type + "\"}");
      assertThat(r.merged()).as(type).isTrue();
      assertThat(r.adapted()).as(type).isGreaterThan(r.base());
    }
    // IA3 (k, v scale their 32 outputs, down_proj its 172 inputs): one multiply each, 5 layers
    ForwardFlops ia3 = flops("{\"peft_type\":\"IA3\"}");
    assertThat(ia3.adapted() - ia3.base()).isEqualTo(512.0 * (32 + 32 + 172) * 5);
    // the string down_proj matches no module (full-name regex): all three scale their outputs
    ForwardFlops ia3String =
        flops(
            "{\"peft_type\":\"IA3\",\"target_modules\":[\"k_proj\",\"v_proj\",\"down_proj\"],"
                + "\"feedforward_modules\":\"down_proj\"}");
    assertThat(ia3String.adapted() - ia3String.base()).isEqualTo(512.0 * (32 + 32 + 64) * 5);
  }

  @Test
  void everyBuiltInMethodHasAFormula() {
    for (PeftType t : PeftMethods.builtIn()) {
      ForwardFlops r = PeftMethods.forwardFlops(PeftConfigs.defaults(t), STORIES, 512);
      assertThat(r.adapted()).as(t.name()).isGreaterThanOrEqualTo(r.base());
    }
  }

  @Test
  void prefixAddsAttentionToVirtualKeys() {
    // 5 layers · (scores + weighted sum) 2 · 2·512·8·D8·H8 = 5 · 4 · 512·512 = 5,242,880
    ForwardFlops r = flops("{\"peft_type\":\"PREFIX_TUNING\",\"num_virtual_tokens\":8}");
    assertThat(r.adapted() - r.base()).isEqualTo(5_242_880.0);
    assertThat(r.merged()).isFalse();
  }

  @Test
  void prefixProjectionAddsItsEncoderOnce() {
    // encoder: 2·n8·C64·e16 + 2·n8·e16·(2·L5·K4·D8) = 16,384 + 81,920
    ForwardFlops r =
        flops(
            "{\"peft_type\":\"PREFIX_TUNING\",\"num_virtual_tokens\":8,"
                + "\"prefix_projection\":true,\"encoder_hidden_size\":16}");
    assertThat(r.adapted() - r.base()).isEqualTo(5_242_880.0 + 98_304.0);
  }

  @Test
  void promptTuningRunsTheModelOnMorePositions() {
    ForwardFlops r = flops("{\"peft_type\":\"PROMPT_TUNING\",\"num_virtual_tokens\":8}");
    assertThat(r.adapted()).isEqualTo(STORIES.forwardFlops(520, 0));
    assertThat(r.adapted()).isGreaterThan(r.base() * 1.0156).isLessThan(r.base() * 1.04);
  }

  @Test
  void pTuningAddsItsMlpEncoderOnce() {
    // n 4, C = e = 64: 2·4·64·64 · 3 = 98,304 on top of the model on 516 positions
    ForwardFlops r = flops("{\"peft_type\":\"P_TUNING\",\"num_virtual_tokens\":4}");
    assertThat(r.adapted()).isEqualTo(STORIES.forwardFlops(516, 0) + 98_304.0);
  }

  @Test
  void bitfitAddsOneAddPerBias() {
    // q_proj (64 outputs) + v_proj (32 outputs): 512 · 96 per layer, 5 layers
    ForwardFlops r = flops("{\"peft_type\":\"BITFIT\",\"target_modules\":[\"q_proj\",\"v_proj\"]}");
    assertThat(r.adapted() - r.base()).isEqualTo(5 * 512 * 96.0);
    assertThat(r.merged()).isFalse();
  }

  @Test
  void unmergedLora() {
    // r 8 on q (64→64) and v (64→32): 2·512·8·(128 + 96) for the products and 2·512·(64 + 32)
    // for the scaled adds per layer, 5 layers
    LoraConfig c = LoraConfig.defaults().resolve(STORIES);
    assertThat(LoraSpec.unmergedExtraFlops(c, STORIES, 512))
        .isEqualTo(5 * (2.0 * 512 * 8 * 224 + 2.0 * 512 * 96));
  }

  @Test
  void pTuningAddsItsLstmEncoderOnce() {
    // n 4, C 64, e 16, 2 layers: per direction 4 gates · e · (in + e), in = C then 2e:
    //   2·4·16·80 + 2·4·16·48 = 16,384; head 2e·2e + 2e·C = 1,024 + 2,048; 2 FLOPs per weight
    //   and token: 2·4·19,456 = 155,648
    ForwardFlops r =
        flops(
            "{\"peft_type\":\"P_TUNING\",\"num_virtual_tokens\":4,"
                + "\"encoder_reparameterization_type\":\"LSTM\",\"encoder_hidden_size\":16}");
    assertThat(r.adapted()).isEqualTo(STORIES.forwardFlops(516, 0) + 155_648.0);
  }

  @Test
  void trainingMemory() {
    // LoRA r 8 on q, v: 8,960 parameters, 16 bytes each (value, gradient, two moments)
    assertThat(PeftMethods.extraTrainingBytes(LoraConfig.defaults(), STORIES))
        .isEqualTo(16L * 8_960);
    // VeRA: 3,040 trainable + frozen A [256, 64] and B [64, 256] in F32
    assertThat(PeftMethods.extraTrainingBytes(VeraConfig.defaults(), STORIES))
        .isEqualTo(16L * 3_040 + 4L * 256 * (64 + 64));
    // full fine-tuning: gradient and two moments for each of the 260,032 weights
    assertThat(PeftMethods.extraTrainingBytes(PeftConfigs.defaults(PeftType.FULL), STORIES))
        .isEqualTo(12L * 260_032);
    assertThat(PeftMethods.extraTrainingBytes(PeftConfigs.defaults(PeftType.NONE), STORIES))
        .isZero();
  }
}
