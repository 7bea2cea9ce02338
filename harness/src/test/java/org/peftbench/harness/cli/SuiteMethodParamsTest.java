package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peftbench.harness.suite.MethodSpec;
import org.peftbench.harness.suite.SuiteLoader;

/**
 * {@code peftbench params --model llama-3-8b-instruct --peft <block>} for every method block of the
 * bundled peft-bench suite prints the paper's trainable-parameter count (PEFT-Bench's
 * scripts/peftbench/cal_psqp.py), except P-tuning: the suite trains the MLP encoder the reference's
 * train.yaml builds (7,296,512); the paper's 53,130,752 is the LSTM of the reference's
 * FLOP-profiling config, which the same command prints for that block (docs/protocol.md, Methods).
 */
class SuiteMethodParamsTest {
  static final Map<String, Long> PAPER = new LinkedHashMap<>();

  static {
    PAPER.put("ia3", 196_608L);
    PAPER.put("prompt-tuning", 409_600L);
    PAPER.put("prefix-tuning", 34_177_536L);
    PAPER.put("lora", 14_680_064L);
    PAPER.put("lntuning", 266_240L);
    PAPER.put("bitfit", 163_840L);
  }

  static long trainable(String block) throws Exception {
    ParamsCommandTest.Run r =
        ParamsCommandTest.run(
            "params",
            "--model",
            ParamsCommandTest.models().resolve("llama-3-8b-instruct").toString(),
            "--peft",
            block,
            "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    return j.get("trainable").longValue();
  }

  @Test
  void everySuiteBlockPrintsThePapersCount() throws Exception {
    Map<String, Long> got = new LinkedHashMap<>();
    for (MethodSpec m : SuiteLoader.load("peft-bench").methods()) {
      got.put(m.name(), trainable(new ObjectMapper().writeValueAsString(m.peft())));
    }
    assertThat(got).containsAllEntriesOf(PAPER);
    assertThat(got).containsEntry("p-tuning", 7_296_512L).hasSize(7);
  }

  @Test
  void theReferencesProfilingConfigForPTuningIsTheLstm() throws Exception {
    // scripts/peftbench/stat_utils/configs/p-tuning.yaml, written as a suite block (YAML flow)
    assertThat(
            trainable(
                "{peft_type: P_TUNING, num_virtual_tokens: 100,"
                    + " encoder_reparameterization_type: LSTM, encoder_hidden_size: 768}"))
        .isEqualTo(53_130_752L);
  }

  @Test
  void aBrokenBlockIsOneClearLine() {
    ParamsCommandTest.Run r =
        ParamsCommandTest.run(
            "params",
            "--model",
            ParamsCommandTest.models().resolve("llama-3-8b-instruct").toString(),
            "--peft",
            "{peft_type: LORA, r: [");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("--peft").doesNotContain("\tat ");
  }
}
