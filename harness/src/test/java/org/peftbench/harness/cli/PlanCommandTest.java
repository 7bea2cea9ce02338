package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code peftbench plan}: the paper's grid from config.json and the data files alone. */
class PlanCommandTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static Path shared() {
    String shared = System.getProperty("peftbench.shared");
    Path p = shared == null ? null : Path.of(shared);
    assumeTrue(p != null && Files.isDirectory(p.resolve("datasets")), "../shared not present");
    return p;
  }

  @Test
  void peftBenchGridIs945RunsWithThePapersSettings() throws Exception {
    Path data = shared().resolve("datasets");
    Run text = run("plan", "--suite", "peft-bench", "--data", data.toString());
    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out())
        .contains("protocol peft-factory")
        .contains("= 945 runs")
        .contains("sequence cutoff 2048 tokens, generation limit 1024 new tokens");

    Run r = run("plan", "--suite", "peft-bench", "--data", data.toString(), "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode plan = new ObjectMapper().readTree(r.out());
    assertThat(plan.get("runs").asInt()).isEqualTo(945);
    Map<String, JsonNode> methods = new HashMap<>();
    plan.get("methodRows").forEach(m -> methods.put(m.get("method").asText(), m));
    assertThat(methods.get("prompt-tuning").at("/training/learning_rate").asDouble())
        .isEqualTo(3e-2);
    assertThat(methods.get("p-tuning").at("/training/learning_rate").asDouble()).isEqualTo(1e-3);
    assertThat(methods.get("prefix-tuning").at("/training/learning_rate").asDouble())
        .isEqualTo(1e-5);
    assertThat(methods.get("lora").at("/training/learning_rate").asDouble()).isEqualTo(5e-5);
    // LoRA r16 on k_proj, v_proj, down_proj of Llama-3-8B: the paper's 14,680,064 parameters;
    // LN tuning 65 norms x 4096; BitFit 32 x (4096 + 1024) biases on q_proj, v_proj
    assertThat(methods.get("lora").get("trainableParams").asLong()).isEqualTo(14_680_064L);
    assertThat(methods.get("lntuning").get("trainableParams").asLong()).isEqualTo(266_240L);
    assertThat(methods.get("bitfit").get("trainableParams").asLong()).isEqualTo(163_840L);
    assertThat(methods.get("prompt-tuning").get("trainableParams").asLong()).isEqualTo(409_600L);

    // SST-2 (67,349 training rows): val_size 0.1 -> 6,735 validation rows, 60,614 train rows,
    // 15,154 batches of 4 x 10 epochs = 151,540 steps, evaluated every ceil(0.05 x 151,540)
    JsonNode sst2 = null;
    JsonNode sst2Prefix = null;
    for (JsonNode c : plan.get("cells")) {
      if (c.get("task").asText().equals("sst2") && c.get("method").asText().equals("lora")) {
        sst2 = c;
      }
      if (c.get("task").asText().equals("sst2")
          && c.get("method").asText().equals("prefix-tuning")) {
        sst2Prefix = c;
      }
    }
    assertThat(sst2).isNotNull();
    assertThat(sst2.get("trainRows").asLong()).isEqualTo(67_349L);
    assertThat(sst2.get("validationExamples").asInt()).isEqualTo(6_735);
    assertThat(sst2.get("trainExamples").asInt()).isEqualTo(60_614);
    assertThat(sst2.get("steps").asInt()).isEqualTo(151_540);
    assertThat(sst2.get("evalEverySteps").asInt()).isEqualTo(7_577);
    assertThat(sst2.get("flops").asDouble()).isPositive();
    // prefix tuning: val_size 0.2 and eval_steps 0.1
    assertThat(sst2Prefix.get("validationExamples").asInt()).isEqualTo(13_470);
    assertThat(sst2Prefix.get("steps").asInt()).isEqualTo(134_700);
    assertThat(sst2Prefix.get("evalEverySteps").asInt()).isEqualTo(13_470);
    assertThat(plan.get("totalFlops").asDouble()).isPositive();
  }

  @Test
  void unknownSuiteIsOneLine() {
    Run r = run("plan", "--suite", "no-such-suite");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("no suite file 'no-such-suite'");
  }
}
