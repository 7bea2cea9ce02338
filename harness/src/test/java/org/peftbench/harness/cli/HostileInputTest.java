package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.safetensors.SafetensorsFile;
import org.peftbench.tensor.safetensors.SafetensorsWriter;

/**
 * The hostile-input cases of issue #16 through the CLI: each ends with a non-zero exit and one line
 * naming the file and the problem, quickly, instead of printing garbage with success.
 */
class HostileInputTest {
  /** A tiny Llama-family model (64 positions, no tokenizer) written by init-model. */
  static final String CONFIG =
      """
      {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 16, "intermediate_size": 32,
       "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
       "vocab_size": 50, "max_position_embeddings": 64, "rms_norm_eps": 1e-6,
       "rope_theta": 10000.0, "tie_word_embeddings": true, "eos_token_id": 2, "bos_token_id": 1}
      """;

  static Path tinyModel(Path dir) throws Exception {
    Path cfg = dir.resolve("cfg/config.json");
    Files.createDirectories(cfg.getParent());
    Files.writeString(cfg, CONFIG);
    Path out = dir.resolve("model");
    MainTest.Run r =
        MainTest.run("init-model", "--config", cfg.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    return out;
  }

  /** The first line of stderr: the error, which must name {@code what}; no stack trace. */
  static void failsWithOneLine(MainTest.Run r, int code, String... what) {
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    String first = r.err().lines().findFirst().orElseThrow();
    assertThat(first).startsWith("peftbench: ").contains(what);
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void initModelNeverOverwritesWeights(@TempDir Path dir) throws Exception {
    Path m = tinyModel(dir);
    byte[] before = Files.readAllBytes(m.resolve("model.safetensors"));
    MainTest.Run again =
        MainTest.run(
            "init-model",
            "--config",
            dir.resolve("cfg/config.json").toString(),
            "--out",
            m.toString(),
            "--seed",
            "9");
    failsWithOneLine(again, ExitCodes.FAILURE, m.toString(), "already holds weights");
    assertThat(Files.readAllBytes(m.resolve("model.safetensors"))).isEqualTo(before);
  }

  @Test
  void nanWeightsMakeGenerateFailInsteadOfPrintingUnk(@TempDir Path dir) throws Exception {
    Path m = tinyModel(dir);
    Path broken = dir.resolve("broken");
    Files.createDirectories(broken);
    Files.copy(m.resolve("config.json"), broken.resolve("config.json"));
    SafetensorsWriter w = new SafetensorsWriter();
    try (SafetensorsFile f = SafetensorsFile.open(m.resolve("model.safetensors"))) {
      for (String name : f.names()) {
        Tensor t = f.tensor(name).toF32();
        if (name.equals("model.norm.weight")) {
          t.set(0, Float.NaN);
        }
        w.add(name, t);
      }
      w.write(broken.resolve("model.safetensors"));
    }
    MainTest.Run g =
        MainTest.run("generate", "--model", broken.toString(), "--ids", "1,5,7", "--json");
    failsWithOneLine(g, ExitCodes.FAILURE, "non-finite logit");
    MainTest.Run s = MainTest.run("score", "--model", broken.toString(), "--ids", "1,5,7");
    failsWithOneLine(s, ExitCodes.FAILURE, "non-finite log-probability");
  }

  @Test
  void brokenConfigValuesAreNamedWithTheirFile(@TempDir Path dir) throws Exception {
    Path m = tinyModel(dir);
    for (String[] c :
        List.of(
            new String[] {"\"rope_theta\": 10000.0", "\"rope_theta\": 0", "\"rope_theta\""},
            new String[] {"\"rms_norm_eps\": 1e-6", "\"rms_norm_eps\": -1", "\"rms_norm_eps\""},
            new String[] {
              "\"num_attention_heads\": 4", "\"num_attention_heads\": 0", "\"num_attention_heads\""
            })) {
      Path bad = dir.resolve("bad-" + c[2].replace("\"", ""));
      Files.createDirectories(bad);
      Files.copy(m.resolve("model.safetensors"), bad.resolve("model.safetensors"));
      Files.writeString(bad.resolve("config.json"), CONFIG.replace(c[0], c[1]));
      MainTest.Run g = MainTest.run("generate", "--model", bad.toString(), "--ids", "1,5,7");
      failsWithOneLine(g, ExitCodes.FAILURE, bad.resolve("config.json").toString(), c[2]);
      assertThat(g.err()).doesNotContain("by zero");
    }
  }

  @Test
  void benchGenerateRefusesAPromptBeyondTheModelsPositionsAtOnce(@TempDir Path dir)
      throws Exception {
    Path m = tinyModel(dir);
    long t0 = System.nanoTime();
    MainTest.Run b =
        MainTest.run(
            "bench", "generate", "--model", m.toString(), "--prompt-tokens", "100000", "--json");
    failsWithOneLine(b, ExitCodes.FAILURE, "100000", "max_position_embeddings");
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10.0);
  }

  @Test
  void trainFileChecksLengthAndTargetsAndNeedsNoTokenizer(@TempDir Path dir) throws Exception {
    Path m = tinyModel(dir); // init-model from a bare config: the folder has no tokenizer
    Path peft = dir.resolve("lora.json");
    Files.writeString(peft, "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4}");
    Path good = dir.resolve("good.jsonl");
    Files.writeString(good, "{\"input_ids\": [1, 5, 7, 9, 11, 2]}\n");
    MainTest.Run ok =
        MainTest.run(
            "train",
            "--model",
            m.toString(),
            "--train-file",
            good.toString(),
            "--peft",
            peft.toString(),
            "--out",
            dir.resolve("a").toString(),
            "--max-steps",
            "1",
            "--json");
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(dir.resolve("a/adapter_model.safetensors")).isRegularFile();

    Path tooLong = dir.resolve("long.jsonl");
    StringBuilder ids = new StringBuilder("1");
    for (int i = 0; i < 100_000; i++) {
      ids.append(", 5");
    }
    Files.writeString(tooLong, "{\"input_ids\": [1, 2]}\n{\"input_ids\": [" + ids + "]}\n");
    long t0 = System.nanoTime();
    MainTest.Run tl =
        MainTest.run(
            "train",
            "--model",
            m.toString(),
            "--train-file",
            tooLong.toString(),
            "--peft",
            peft.toString(),
            "--out",
            dir.resolve("b").toString());
    failsWithOneLine(
        tl, ExitCodes.FAILURE, tooLong + ":2: 100001 tokens exceed the model's 64 positions");
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10.0);

    Path noTargets = dir.resolve("none.jsonl");
    Files.writeString(noTargets, "{\"input_ids\": [1, 5, 7], \"labels\": [-100, -100, -100]}\n");
    MainTest.Run nt =
        MainTest.run(
            "train",
            "--model",
            m.toString(),
            "--train-file",
            noTargets.toString(),
            "--peft",
            peft.toString(),
            "--out",
            dir.resolve("c").toString());
    failsWithOneLine(nt, ExitCodes.FAILURE, noTargets.toString(), "no target tokens");
    assertThat(dir.resolve("c/adapter_model.safetensors")).doesNotExist();
  }

  @Test
  void aParameterCountBeyondALongIsAnErrorNotAWrappedNumber(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("config.json");
    // 1000 layers of 2e9 × 2e9 projections: about 3e22 parameters
    Files.writeString(
        cfg,
        """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2000000000,
         "intermediate_size": 2000000000, "num_hidden_layers": 1000, "num_attention_heads": 1,
         "num_key_value_heads": 1, "vocab_size": 32000}
        """);
    Path peft = dir.resolve("lora.json");
    Files.writeString(peft, "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16}");
    MainTest.Run r =
        MainTest.run("params", "--model", cfg.toString(), "--peft", peft.toString(), "--json");
    failsWithOneLine(r, ExitCodes.FAILURE, cfg.toString(), "parameter count exceeds");
  }

  @Test
  void runRefusesAFolderOfAnotherSuiteInOneLine(@TempDir Path dir) throws Exception {
    Path shared = TrainEvalCommandTest.shared();
    Path suite = dir.resolve("mine.yaml");
    Files.writeString(
        suite,
        """
        name: mine
        models: [%s]
        tasks: [copa]
        seeds: [1]
        data_dir: %s
        methods:
          - name: ia3
            peft: {peft_type: IA3}
        """
            .formatted(shared.resolve("models/stories260K"), shared.resolve("datasets")));
    Path out = dir.resolve("results");
    Files.createDirectories(out);
    Files.writeString(out.resolve(".suite"), "theirs\n");
    MainTest.Run r = MainTest.run("run", "--suite", suite.toString(), "--out", out.toString());
    failsWithOneLine(r, ExitCodes.FAILURE, out.toString(), "suite 'theirs', not 'mine'", "--force");
    assertThat(out.resolve("runs")).doesNotExist();
  }
}
