package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peftbench.transformer.ModelStructure;

/**
 * The device-equivalent M_m ({@link DeviceMemory}): its parts by hand on stories260K, and the
 * comparison with the paper's Llama-3-8B values that docs/protocol.md (Costs) reports.
 */
class DeviceMemoryTest {
  static final ModelStructure STORIES = ForwardFlopsTest.STORIES;
  static final ModelStructure LLAMA3_8B =
      ModelStructure.load(Fixtures.shared().resolve("models/llama-3-8b-instruct"));

  static DeviceMemory.Estimate estimate(String json, ModelStructure m, int batch, int length) {
    return DeviceMemory.estimate(PeftConfigs.fromJson(json, "test"), m, batch, length);
  }

  @Test
  void partsByHandOnStories() {
    // C 64, I 172, 5 layers, q 64 wide, k/v 32, V 512; B 2, T 10 → N = 20 tokens
    // one layer per token: norms 8·64 + q/k/v 2·(64 + 64) + attention 2·64 + SiLU 2·172
    //   + gate·up 4·172 = 1,928 bytes
    DeviceMemory.Estimate e = estimate("{\"peft_type\":\"LN_TUNING\"}", STORIES, 2, 10);
    assertThat(e.weights()).isEqualTo(2 * STORIES.totalParameters());
    assertThat(e.frozen()).isZero();
    long ln = PeftConfigs.fromJson("{\"peft_type\":\"LN_TUNING\"}", "t").count(STORIES).trainable();
    assertThat(e.state()).isEqualTo(16 * ln);
    assertThat(e.gradientCheckpointing()).isTrue();
    assertThat(e.activations()).isEqualTo(5 * 20 * 2 * 64 + 20 * 1_928);
    assertThat(e.logits()).isEqualTo(14L * 20 * 512);
    assertThat(e.overhead()).isEqualTo(1L << 30);
    assertThat(e.total())
        .isEqualTo(
            e.weights() + e.state() + e.activations() + e.logits() + e.overhead() + e.frozen());
  }

  @Test
  void methodPartsByHand() {
    // prompt tuning: 8 virtual tokens lengthen every sequence
    assertThat(
            estimate("{\"peft_type\":\"PROMPT_TUNING\",\"num_virtual_tokens\":8}", STORIES, 2, 10)
                .positions())
        .isEqualTo(18);
    // prefix tuning runs without gradient checkpointing: every layer's tensors are kept
    DeviceMemory.Estimate prefix =
        estimate("{\"peft_type\":\"PREFIX_TUNING\",\"num_virtual_tokens\":8}", STORIES, 2, 10);
    assertThat(prefix.gradientCheckpointing()).isFalse();
    assertThat(prefix.activations()).isEqualTo(5L * 20 * 1_928);
    // BitFit on q (64→64) and v (64→32) clones both weights in bf16 on every layer
    assertThat(estimate("{\"peft_type\":\"BITFIT\"}", STORIES, 2, 10).frozen())
        .isEqualTo(5L * 2 * (64 * 64 + 64 * 32));
    // LoRA r 8, dropout 0.1 on q and v: per module input 2·64, mask 64, x·Aᵀ 2·8 per token
    DeviceMemory.Estimate lora =
        estimate("{\"peft_type\":\"LORA\",\"r\":8,\"lora_dropout\":0.1}", STORIES, 2, 10);
    assertThat(lora.activations()).isEqualTo(5 * 20 * 2 * 64 + 20 * (1_928 + 2 * (128 + 64 + 16)));
  }

  /**
   * The paper's M_m (cal_psqp.py) against this estimate at the suite's batch size 4 (PEFT-Bench's
   * train.yaml for every method) and 1,024 padded tokens, half the cutoff: LoRA, IA3, LN tuning and
   * BitFit land within 15%; the other three miss by the amounts docs/protocol.md explains.
   */
  @Test
  void againstThePapersLlama3Values() {
    Map<String, Object[]> methods = new LinkedHashMap<>();
    methods.put(
        "lora",
        new Object[] {
          "{\"peft_type\":\"LORA\",\"r\":16,\"lora_alpha\":16,\"lora_dropout\":0.05,"
              + "\"target_modules\":[\"k_proj\",\"v_proj\",\"down_proj\"]}",
          4,
          27.75,
          26.65
        });
    methods.put(
        "ia3",
        new Object[] {
          "{\"peft_type\":\"IA3\",\"target_modules\":[\"k_proj\",\"v_proj\",\"down_proj\"],"
              + "\"feedforward_modules\":\"down_proj\"}",
          4,
          28.41,
          26.19
        });
    methods.put("lntuning", new Object[] {"{\"peft_type\":\"LN_TUNING\"}", 4, 27.43, 26.14});
    methods.put("bitfit", new Object[] {"{\"peft_type\":\"BITFIT\"}", 4, 27.20, 27.48});
    methods.put(
        "p-tuning",
        new Object[] {
          "{\"peft_type\":\"P_TUNING\",\"num_virtual_tokens\":100,"
              + "\"encoder_reparameterization_type\":\"MLP\",\"encoder_hidden_size\":768}",
          4,
          34.53,
          27.13
        });
    methods.put(
        "prompt-tuning",
        new Object[] {
          "{\"peft_type\":\"PROMPT_TUNING\",\"num_virtual_tokens\":100}", 4, 42.47, 27.02
        });
    methods.put(
        "prefix-tuning",
        new Object[] {
          "{\"peft_type\":\"PREFIX_TUNING\",\"num_virtual_tokens\":32,\"prefix_projection\":true,"
              + "\"encoder_hidden_size\":512}",
          4,
          27.61,
          43.29
        });
    for (var m : methods.entrySet()) {
      Object[] v = m.getValue();
      double gb = estimate((String) v[0], LLAMA3_8B, (Integer) v[1], 1024).totalGb();
      double paper = (Double) v[2];
      assertThat(gb)
          .as(m.getKey() + " (docs/protocol.md's value)")
          .isCloseTo((Double) v[3], within(0.005));
      if (List.of("lora", "ia3", "lntuning", "bitfit").contains(m.getKey())) {
        assertThat(gb / paper).as(m.getKey() + " against the paper").isBetween(0.85, 1.15);
      }
    }
  }
}
