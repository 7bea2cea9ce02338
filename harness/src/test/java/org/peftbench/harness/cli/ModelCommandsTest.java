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

/** init-model, generate, score and bench generate through the CLI entry point. */
class ModelCommandsTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static Path stories() {
    String shared = System.getProperty("peftbench.shared");
    Path p = shared == null ? null : Path.of(shared, "models", "stories260K");
    assumeTrue(p != null && Files.isDirectory(p), "../shared/models/stories260K not present");
    return p;
  }

  @Test
  void generateFromBosAndScoreAgree() throws Exception {
    Path m = stories();
    Run g =
        run(
            "generate",
            "--model",
            m.toString(),
            "--prompt",
            "",
            "--max-new-tokens",
            "12",
            "--json");
    assertThat(g.code()).as(g.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(g.out());
    assertThat(j.get("text").asText()).startsWith("Once upon a time, there was a little girl");
    assertThat(j.get("ids")).hasSize(12);
    StringBuilder ids = new StringBuilder("1");
    j.get("ids").forEach(x -> ids.append(',').append(x.intValue()));
    Run s = run("score", "--model", m.toString(), "--ids", ids.toString(), "--json");
    assertThat(s.code()).as(s.err()).isZero();
    JsonNode sj = new ObjectMapper().readTree(s.out());
    assertThat(sj.get("logprobs")).hasSize(12);
    double sum = 0;
    for (JsonNode x : sj.get("logprobs")) {
      assertThat(x.doubleValue()).isNegative();
      sum -= x.doubleValue();
    }
    assertThat(sj.get("loss").doubleValue())
        .isCloseTo(sum / 12, org.assertj.core.data.Offset.offset(1e-6));
    // a greedy story is likely under its own model
    assertThat(sj.get("loss").doubleValue()).isLessThan(1.0);
  }

  @Test
  void initModelThenGenerateScoreAndBench(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("config.json");
    Files.writeString(
        cfg,
        """
        {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 16, "intermediate_size": 32,
         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
         "vocab_size": 50, "max_position_embeddings": 64, "rms_norm_eps": 1e-6,
         "tie_word_embeddings": true, "eos_token_id": 2, "bos_token_id": 1}
        """);
    Path out = dir.resolve("model");
    Run init =
        run(
            "init-model",
            "--config",
            cfg.toString(),
            "--seed",
            "3",
            "--out",
            out.toString(),
            "--dtype",
            "bf16");
    assertThat(init.code()).as(init.err()).isZero();
    assertThat(out.resolve("model.safetensors")).exists();
    assertThat(out.resolve("config.json")).exists();
    Run g =
        run(
            "generate",
            "--model",
            out.toString(),
            "--ids",
            "1,5,7",
            "--max-new-tokens",
            "5",
            "--json");
    assertThat(g.code()).as(g.err()).isZero();
    JsonNode ids = new ObjectMapper().readTree(g.out()).get("ids");
    assertThat(ids.size()).isBetween(1, 5);
    Run s = run("score", "--model", out.toString(), "--ids", "1,5,7,9", "--json");
    assertThat(s.code()).as(s.err()).isZero();
    // random init with std 0.02: nearly uniform predictions, loss close to log(50)
    double loss = new ObjectMapper().readTree(s.out()).get("loss").doubleValue();
    assertThat(loss).isCloseTo(Math.log(50), org.assertj.core.data.Offset.offset(0.1));
    Run b =
        run(
            "bench",
            "generate",
            "--model",
            out.toString(),
            "--prompt-tokens",
            "8",
            "--new-tokens",
            "4",
            "--json");
    assertThat(b.code()).as(b.err()).isZero();
    JsonNode bj = new ObjectMapper().readTree(b.out());
    assertThat(bj.get("prefill_tokens_per_s").doubleValue()).isPositive();
    assertThat(bj.get("decode_tokens_per_s").doubleValue()).isPositive();
    assertThat(bj.get("dtype").asText()).isEqualTo("BF16");
    // same seed, same weights
    Path again = dir.resolve("again");
    run(
        "init-model",
        "--config",
        cfg.toString(),
        "--seed",
        "3",
        "--out",
        again.toString(),
        "--dtype",
        "bf16");
    assertThat(Files.readAllBytes(again.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(out.resolve("model.safetensors")));
  }

  @Test
  void chatPromptUsesTheModelsTemplate(@TempDir Path dir) throws Exception {
    String shared = System.getProperty("peftbench.shared");
    Path qwen = shared == null ? null : Path.of(shared, "models", "qwen3-1.7b");
    assumeTrue(qwen != null && Files.isDirectory(qwen), "../shared/models/qwen3-1.7b not present");
    // a tiny Qwen3 with the real vocabulary and tokenizer files beside its config
    Path cfgDir = dir.resolve("cfg");
    Files.createDirectories(cfgDir);
    Files.writeString(
        cfgDir.resolve("config.json"),
        """
        {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 16, "intermediate_size": 16,
         "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
         "head_dim": 8, "vocab_size": 151936, "tie_word_embeddings": true,
         "bos_token_id": 151643, "eos_token_id": 151645}
        """);
    Files.copy(qwen.resolve("tokenizer.json"), cfgDir.resolve("tokenizer.json"));
    Files.copy(qwen.resolve("tokenizer_config.json"), cfgDir.resolve("tokenizer_config.json"));
    Path out = dir.resolve("model");
    Run init =
        run(
            "init-model",
            "--config",
            cfgDir.resolve("config.json").toString(),
            "--out",
            out.toString(),
            "--dtype",
            "bf16");
    assertThat(init.code()).as(init.err()).isZero();
    assertThat(out.resolve("tokenizer.json")).exists();
    Run g =
        run(
            "generate",
            "--model",
            out.toString(),
            "--prompt",
            "Hi",
            "--chat",
            "--max-new-tokens",
            "3",
            "--json");
    assertThat(g.code()).as(g.err()).isZero();
    assertThat(new ObjectMapper().readTree(g.out()).get("ids").size()).isBetween(1, 3);
  }

  @Test
  void badInputIsOneClearError(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("config.json");
    Files.writeString(cfg, "{\"architectures\": [\"T5ForConditionalGeneration\"]}");
    Run r = run("init-model", "--config", cfg.toString(), "--out", dir.resolve("m").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("T5ForConditionalGeneration").contains("LlamaForCausalLM");
    Run u = run("score", "--model", dir.toString());
    assertThat(u.code()).isEqualTo(2); // --ids or --text required
  }
}
