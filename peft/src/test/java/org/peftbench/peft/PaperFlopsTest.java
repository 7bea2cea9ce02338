package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.peftbench.transformer.ModelStructure;

/**
 * M_f on Llama-3-8B-Instruct (one 512-token sequence, unmerged, as trained) against the paper's
 * DeepSpeed-profiler values (PEFT-Bench scripts/peftbench/stat_utils/flops_*.json, TFLOPs): base
 * 8.38, prompt tuning 10.05, P-tuning 10.06 (its stat config is the LSTM), prefix tuning 8.39,
 * LoRA/LN tuning/BitFit 8.38, IA3 8.69. docs/protocol.md (Costs) explains the three differences:
 * the profiler counts about 7% more per token (base and the virtual-token deltas alike); the
 * paper's LoRA was never built (its config has do_train false, and LLaMA-Factory adds LoRA only
 * when training); IA3's 0.31 is not the method's arithmetic.
 */
class PaperFlopsTest {
  static final ModelStructure LLAMA3_8B = DeviceMemoryTest.LLAMA3_8B;

  static ForwardFlops flops(String json) {
    return PeftMethods.forwardFlops(PeftConfigs.fromJson(json, "test"), LLAMA3_8B, 512);
  }

  @Test
  void baseIsWithinTenPercentOfTheProfilersCount() {
    double base = LLAMA3_8B.forwardFlops(512, 0) / 1e12;
    assertThat(base).isCloseTo(7.822, within(0.001));
    assertThat(base / 8.38).isBetween(0.90, 1.0);
  }

  @Test
  void virtualTokenMethodsAddWhatThePaperAdds() {
    double prompt =
        flops("{\"peft_type\":\"PROMPT_TUNING\",\"num_virtual_tokens\":100}").deltaTflops();
    double pTuning =
        flops(
                "{\"peft_type\":\"P_TUNING\",\"num_virtual_tokens\":100,"
                    + "\"encoder_reparameterization_type\":\"LSTM\",\"encoder_hidden_size\":768}")
            .deltaTflops();
    // the same ~0.93 ratio as the base: the difference is per token, not per method
    assertThat(prompt / (10.05 - 8.38)).isBetween(0.90, 1.0);
    assertThat(pTuning / (10.06 - 8.38)).isBetween(0.90, 1.0);
    // the LSTM encoder on 100 tokens: ~0.01 TFLOPs, the paper's 10.06 − 10.05
    assertThat(pTuning - prompt).isCloseTo(0.0105, within(0.001));
    double prefix =
        flops(
                "{\"peft_type\":\"PREFIX_TUNING\",\"num_virtual_tokens\":32,"
                    + "\"prefix_projection\":true,\"encoder_hidden_size\":512}")
            .deltaTflops();
    // 8.39 − 8.38 with both rounded to 0.01: somewhere in [0, 0.02]
    assertThat(prefix).isBetween(0.005, 0.02);
  }

  @Test
  void layerMethodsAreSmallUnmergedAndTheDocumentedDifferencesHold() {
    assertThat(flops("{\"peft_type\":\"LN_TUNING\"}").deltaTflops()).isZero();
    assertThat(flops("{\"peft_type\":\"BITFIT\"}").deltaTflops()).isLessThan(0.005);
    // the paper's LoRA is 0 (never built when profiled); unmerged it costs 0.015
    double lora =
        flops(
                "{\"peft_type\":\"LORA\",\"r\":16,\"lora_alpha\":16,"
                    + "\"target_modules\":[\"k_proj\",\"v_proj\",\"down_proj\"]}")
            .deltaTflops();
    assertThat(lora).isCloseTo(0.0152, within(0.0001));
    // IA3: 32 layers · 512 tokens · (1024 + 1024 + 4096) multiplies = 0.0001, not 0.31
    double ia3 =
        flops(
                "{\"peft_type\":\"IA3\",\"target_modules\":[\"k_proj\",\"v_proj\",\"down_proj\"],"
                    + "\"feedforward_modules\":\"down_proj\"}")
            .deltaTflops();
    assertThat(ia3).isEqualTo(32.0 * 512 * 6144 / 1e12);
  }
}
