package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peftbench tasks} and {@code peftbench evaluate-predictions}. */
class DatasetCommandsTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void tasksListsEveryTaskWithRowsPerSplit() throws IOException {
    Path sst2 = Files.createDirectories(dir.resolve("sst2"));
    Files.writeString(
        sst2.resolve("train.jsonl"),
        "{\"sentence\":\"a\",\"label\":0}\n{\"sentence\":\"b\",\"label\":1}\n");
    Files.writeString(sst2.resolve("validation.csv"), "sentence,label\nc,1\n");
    Run r = run("tasks", "--data", dir.toString(), "--json");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    JsonNode tasks = new ObjectMapper().readTree(r.out());
    assertThat(tasks).hasSize(27);
    JsonNode first = tasks.get(3);
    assertThat(first.get("name").asText()).isEqualTo("sst2");
    assertThat(first.get("metrics").toString()).isEqualTo("[\"f1\",\"accuracy\",\"invalid\"]");
    assertThat(first.get("splits").toString()).isEqualTo("{\"train\":2,\"validation\":1}");
    assertThat(tasks.get(0).get("splits").size()).isZero();

    Run table = run("tasks", "--data", dir.toString());
    assertThat(table.out()).contains("sst2").contains("train=2 validation=1").contains("qqp");
  }

  @Test
  void tasksOnAMissingDirectoryIsOneClearLine() {
    Run r = run("tasks", "--data", dir.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).startsWith("peftbench: error: data directory ").contains("does not exist");
  }

  @Test
  void evaluatePredictionsScoresPeftFactoryFiles() throws IOException {
    Path f = dir.resolve("generated_predictions.jsonl");
    Files.writeString(
        f,
        """
        {"prompt": "p", "label": "positive", "predict": "Positive"}
        {"prompt": "p", "label": "negative", "predict": "positive"}
        {"prompt": "p", "label": "negative", "predict": "no idea"}
        {"prompt": "p", "label": "positive", "predict": "<think>hmm</think>\\n\\npositive"}
        """);
    Run r = run("evaluate-predictions", "--task", "sst2", "--predictions", f.toString(), "--json");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    JsonNode json = new ObjectMapper().readTree(r.out());
    // tp=2, fp=2 (one real, one invalid answer replaced by the wrong class), fn=0
    assertThat(json.at("/metrics/f1").asDouble()).isEqualTo(2.0 / 3.0);
    assertThat(json.at("/metrics/accuracy").asDouble()).isEqualTo(0.5);
    assertThat(json.get("predictions").asInt()).isEqualTo(4);
    Run text = run("evaluate-predictions", "--task", "sst2", "--predictions", f.toString());
    assertThat(text.out()).contains("f1").contains("0.6667").contains("(primary)");
  }

  @Test
  void evaluatePredictionsBadInputs() throws IOException {
    Path f = dir.resolve("p.jsonl");
    Files.writeString(
        f,
        "{\"label\": \"positive\", \"predict\": \"x\"}\n{\"label\": \"neutral\", \"predict\": \"x\"}\n");
    Run unknown = run("evaluate-predictions", "--task", "sst2", "--predictions", f.toString());
    assertThat(unknown.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(unknown.err()).contains(f + ":2: unknown label 'neutral'");

    Files.writeString(
        f,
        "{\"label\": \"positive\", \"predict\": \"x\"}\n{\"label\": \"positive\" \"predict\"}\n");
    Run malformed = run("evaluate-predictions", "--task", "sst2", "--predictions", f.toString());
    assertThat(malformed.err()).contains(f + ":2: malformed JSON line");

    Files.writeString(f, "");
    Run empty = run("evaluate-predictions", "--task", "sst2", "--predictions", f.toString());
    assertThat(empty.err()).contains("empty file");

    Run task = run("evaluate-predictions", "--task", "squad", "--predictions", f.toString());
    assertThat(task.err()).contains("unknown task 'squad'");
  }

  @Test
  void evaluatePredictionsAcceptsListsOfAnswersForRecord() throws IOException {
    Path f = dir.resolve("record.jsonl");
    Files.writeString(
        f,
        """
        {"label": ["Diego Costa", "Costa"], "predict": "costa"}
        {"label": "Chelsea", "predict": "the Blues"}
        """);
    Run r =
        run("evaluate-predictions", "--task", "record", "--predictions", f.toString(), "--json");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.at("/metrics/exact_match").asDouble()).isEqualTo(0.5);
    assertThat(json.at("/metrics/f1").asDouble()).isEqualTo(0.5);
  }
}
