package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.peft.PeftType;
import org.peftbench.transformer.CausalLM;

/** {@code peftbench params}, and adapters written by us used by {@code score}/{@code generate}. */
class ParamsCommandTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static Path models() {
    String shared = System.getProperty("peftbench.shared");
    Path p = shared == null ? null : Path.of(shared, "models");
    assumeTrue(p != null && Files.isDirectory(p), "../shared/models not present");
    return p;
  }

  @Test
  void countsLlama3_8bFromItsConfigAlone(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("adapter_config.json");
    Files.writeString(
        cfg,
        "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16, \"target_modules\": [\"q_proj\", \"v_proj\"]}");
    Run r =
        run(
            "params",
            "--model",
            models().resolve("llama-3-8b-instruct").toString(),
            "--peft",
            cfg.toString(),
            "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    // the numbers HF PEFT prints for Llama-3-8B with r=8 LoRA on q_proj, v_proj
    assertThat(j.get("trainable").longValue()).isEqualTo(3_407_872L);
    assertThat(j.get("total").longValue()).isEqualTo(8_033_669_120L);
    Run text =
        run(
            "params",
            "--model",
            models().resolve("llama-3-8b-instruct/config.json").toString(),
            "--peft",
            cfg.toString());
    assertThat(text.out()).contains("trainable params: 3,407,872 || all params: 8,033,669,120");
  }

  @Test
  void badInputIsOneClearLine(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("adapter_config.json");
    Files.writeString(cfg, "{\"peft_type\": \"LORA\", \"target_modules\": [\"c_attn\"]}");
    Run r =
        run(
            "params",
            "--model",
            models().resolve("stories260K").toString(),
            "--peft",
            cfg.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("matches none").contains("q_proj");
    Run missing =
        run("params", "--model", dir.resolve("nope").toString(), "--peft", cfg.toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("nope");
  }

  @Test
  void scoreAndGenerateUseOurAdapters(@TempDir Path dir) throws Exception {
    Path stories = models().resolve("stories260K");
    for (PeftType type :
        new PeftType[] {PeftType.LORA, PeftType.PROMPT_TUNING, PeftType.PREFIX_TUNING}) {
      Path adapter = dir.resolve(type.name());
      try (CausalLM m = CausalLM.load(stories)) {
        PeftModel.apply(m, PeftConfigs.defaults(type), 3, null).save(adapter, stories.toString());
      }
      Run base =
          run("score", "--model", stories.toString(), "--text", "Once upon a time", "--json");
      Run adapted =
          run(
              "score",
              "--model",
              stories.toString(),
              "--adapter",
              adapter.toString(),
              "--text",
              "Once upon a time",
              "--json");
      assertThat(adapted.code()).as(adapted.err()).isZero();
      double lb = new ObjectMapper().readTree(base.out()).get("loss").doubleValue();
      double la = new ObjectMapper().readTree(adapted.out()).get("loss").doubleValue();
      if (type == PeftType.LORA) {
        assertThat(la)
            .as("LoRA starts as the identity (B = 0)")
            .isCloseTo(lb, org.assertj.core.data.Offset.offset(1e-5));
      } else {
        assertThat(la)
            .as(type + " changes the scores")
            .isNotCloseTo(lb, org.assertj.core.data.Offset.offset(1e-3));
      }
      Run g =
          run(
              "generate",
              "--model",
              stories.toString(),
              "--adapter",
              adapter.toString(),
              "--prompt",
              "Once",
              "--max-new-tokens",
              "5",
              "--json");
      assertThat(g.code()).as(g.err()).isZero();
      assertThat(new ObjectMapper().readTree(g.out()).get("ids")).hasSize(5);
    }
  }
}
