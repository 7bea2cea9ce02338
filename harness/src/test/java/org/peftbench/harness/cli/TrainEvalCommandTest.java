package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainEvalCommandTest {
  static Path shared() {
    Path p = Path.of(System.getProperty("peftbench.shared", "../../shared")).toAbsolutePath();
    Assumptions.assumeTrue(Files.isDirectory(p.resolve("models/stories260K")), "no ../shared");
    return p;
  }

  @Test
  void trainOnAPreTokenizedFileInFileOrderThenEvaluate(@TempDir Path tmp) throws Exception {
    Path shared = shared();
    Path train = tmp.resolve("train.jsonl");
    Files.writeString(
        train,
        """
        {"input_ids": [1, 403, 407, 261, 378, 269, 300, 2], "labels": [-100, -100, -100, 261, 378, 269, 300, 2]}
        {"input_ids": [1, 68, 379, 302, 306, 260]}

        {"input_ids": [1, 403, 411, 365, 269, 2], "labels": [1, 403, 411, 365, 269, 2]}
        """);
    Path peft = tmp.resolve("lora.json");
    Files.writeString(
        peft,
        "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"q_proj\", \"v_proj\"]}");
    Path out = tmp.resolve("adapter");
    MainTest.Run r =
        MainTest.run(
            "train",
            "--model",
            shared.resolve("models/stories260K").toString(),
            "--train-file",
            train.toString(),
            "--peft",
            peft.toString(),
            "--out",
            out.toString(),
            "--shuffle",
            "false",
            "--batch-size",
            "2",
            "--max-steps",
            "3",
            "--lr",
            "0.01",
            "--warmup-ratio",
            "0",
            "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("losses")).hasSize(3);
    assertThat(j.get("trainable_params").asLong())
        .isEqualTo(5L * (4 * 64 + 64 * 4 + 4 * 64 + 32 * 4));
    assertThat(out.resolve("adapter_config.json")).exists();
    assertThat(out.resolve("adapter_model.safetensors")).exists();
    assertThat(Files.readAllLines(out.resolve("train_log.jsonl"))).hasSize(3);
    // 3 rows, batch 2, file order: steps see rows {0,1}, {2}, {0,1} again → step 3 repeats step 1's
    // data after two updates, so its loss is lower
    assertThat(j.get("losses").get(2).asDouble()).isLessThan(j.get("losses").get(0).asDouble());

    MainTest.Run ev =
        MainTest.run(
            "eval",
            "--model",
            shared.resolve("models/stories260K").toString(),
            "--adapter",
            out.toString(),
            "--task",
            "copa",
            "--mode",
            "rank",
            "--data",
            shared.resolve("datasets").toString(),
            "--max-test-examples",
            "4",
            "--json");
    assertThat(ev.code()).as(ev.err()).isZero();
    JsonNode e = new ObjectMapper().readTree(ev.out());
    assertThat(e.get("mode").asText()).isEqualTo("rank");
    assertThat(e.get("examples").asInt()).isEqualTo(4);
    assertThat(e.get("metrics").size()).isPositive();
  }

  @Test
  void badTrainFileNamesTheLine(@TempDir Path tmp) throws Exception {
    Path shared = shared();
    Path train = tmp.resolve("bad.jsonl");
    Files.writeString(train, "{\"input_ids\": [1, 2]}\n{\"input_ids\": [1, 2], \"labels\": [5]}\n");
    Path peft = tmp.resolve("ia3.json");
    Files.writeString(peft, "{\"peft_type\": \"IA3\"}");
    MainTest.Run r =
        MainTest.run(
            "train",
            "--model",
            shared.resolve("models/stories260K").toString(),
            "--train-file",
            train.toString(),
            "--peft",
            peft.toString(),
            "--out",
            tmp.resolve("o").toString());
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("bad.jsonl:2", "labels has 1 entries");
    MainTest.Run noSource =
        MainTest.run("train", "--model", "x", "--peft", peft.toString(), "--out", "o");
    assertThat(noSource.code()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void benchTrainReportsSpeedAndMemory(@TempDir Path tmp) throws Exception {
    Path shared = shared();
    Path peft = tmp.resolve("lora.json");
    Files.writeString(
        peft, "{\"peft_type\": \"LORA\", \"r\": 4, \"target_modules\": [\"q_proj\"]}");
    MainTest.Run r =
        MainTest.run(
            "bench",
            "train",
            "--model",
            shared.resolve("models/stories260K").toString(),
            "--peft",
            peft.toString(),
            "--batch",
            "2",
            "--seq",
            "16",
            "--steps",
            "2",
            "--warmup",
            "1",
            "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("tokens_per_second").asDouble()).isPositive();
    assertThat(j.get("seconds_per_step").asDouble()).isPositive();
    assertThat(j.get("peak_tensor_bytes").asLong()).isPositive();
    assertThat(j.get("peak_rss_bytes").asLong()).isPositive();
    assertThat(j.get("trainable_params").asLong()).isEqualTo(5L * (4 * 64 + 64 * 4));
  }
}
