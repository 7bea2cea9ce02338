package org.peftbench.harness.cost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlopModelTest {
  // stories260K's shape: C 64, I 172, L 5, H 8, K 4, D 8, V 512.
  static final FlopModel.Arch STORIES = new FlopModel.Arch("llama", 64, 172, 5, 8, 4, 8, 512, true);

  static ObjectNode peft(String json) throws Exception {
    return (ObjectNode) new ObjectMapper().readTree(json);
  }

  @Test
  void baseForwardByHand() {
    // per layer, T = 512:
    //   q, o   2·512·64·64 · 2  =  8,388,608
    //   k, v   2·512·64·32 · 2  =  4,194,304
    //   attn   2·512·512·8·8 · 2 = 67,108,864
    //   mlp    3 · 2·512·64·172 = 33,816,576
    //   = 113,508,352; × 5 layers = 567,541,760; LM head 2·512·64·512 = 33,554,432
    assertThat(FlopModel.base(STORIES, 512)).isEqualTo(601_096_192.0);
  }

  @Test
  void mergeableMethodsCostNothingExtra() throws Exception {
    for (String type : List.of("LORA", "IA3", "LN_TUNING")) {
      FlopModel.Result r =
          FlopModel.adapted(STORIES, 512, peft("{\"peft_type\":\"" + type + "\"}"));
      assertThat(r.merged()).isTrue();
      assertThat(r.deltaTflops()).isZero();
    }
  }

  @Test
  void prefixAddsAttentionToVirtualKeys() throws Exception {
    // 5 layers · (scores + weighted sum) 2 · 2·512·8·D8·H8 = 5 · 4 · 512·512 = 5,242,880
    FlopModel.Result r =
        FlopModel.adapted(
            STORIES, 512, peft("{\"peft_type\":\"PREFIX_TUNING\",\"num_virtual_tokens\":8}"));
    assertThat(r.adapted() - r.base()).isEqualTo(5_242_880.0);
  }

  @Test
  void prefixProjectionAddsItsEncoderOnce() throws Exception {
    // encoder: 2·n8·C64·e16 + 2·n8·e16·(2·L5·K4·D8) = 16,384 + 81,920
    FlopModel.Result r =
        FlopModel.adapted(
            STORIES,
            512,
            peft(
                "{\"peft_type\":\"PREFIX_TUNING\",\"num_virtual_tokens\":8,"
                    + "\"prefix_projection\":true,\"encoder_hidden_size\":16}"));
    assertThat(r.adapted() - r.base()).isEqualTo(5_242_880.0 + 98_304.0);
  }

  @Test
  void promptTuningRunsTheModelOnMorePositions() throws Exception {
    FlopModel.Result r =
        FlopModel.adapted(
            STORIES, 512, peft("{\"peft_type\":\"PROMPT_TUNING\",\"num_virtual_tokens\":8}"));
    assertThat(r.adapted()).isEqualTo(FlopModel.base(STORIES, 520));
    assertThat(r.adapted()).isGreaterThan(r.base() * 1.0156).isLessThan(r.base() * 1.04);
  }

  @Test
  void bitfitAddsOneAddPerBias() throws Exception {
    // q_proj (64 outputs) + v_proj (32 outputs): 512 · 96 per layer, 5 layers
    FlopModel.Result r =
        FlopModel.adapted(
            STORIES,
            512,
            peft("{\"peft_type\":\"BITFIT\",\"target_modules\":[\"q_proj\",\"v_proj\"]}"));
    assertThat(r.adapted() - r.base()).isEqualTo(5 * 512 * 96.0);
  }

  @Test
  void unmergedLora() {
    // r 8 on q (64→64) and v (64→32): 2·512·8·(128 + 96) per layer, 5 layers
    assertThat(FlopModel.loraUnmerged(STORIES, 512, 8, List.of("q_proj", "v_proj")))
        .isEqualTo(5 * 2.0 * 512 * 8 * 224);
  }
}
