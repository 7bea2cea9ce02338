package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.datasets.DataDir;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.PromptFormatter;
import org.peftbench.datasets.SplitLoader;
import org.peftbench.datasets.SplitOptions;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.TaskRegistry;
import org.peftbench.harness.run.PredictionsFile;

/**
 * The reference answers, fed back as predictions through {@code peftbench evaluate-predictions},
 * score 100% on every task whose test split is here: the scoring is the reference's (nothing cut at
 * a newline, GSM8K's full worked answer read after its last {@code ####}, code compared whole).
 *
 * <p>Code tasks are the one exception, in the reference too: CodeBLEU's n-gram match is NLTK's
 * corpus BLEU, whose modified precision divides by {@code max(1, count)}, so a snippet shorter than
 * n tokens adds 1 to the order-n denominator and nothing to its numerator, and identical code
 * scores below 1 (CoNaLa's one-liners most: about 0.93). For them the test checks that syntax and
 * data-flow match are 1 and that BLEU is exactly that closed form. Each task's test split is
 * sampled (seeded) to at most {@link #SAMPLE} examples to keep the test fast; the predictions file
 * is the one a run writes ({@link PredictionsFile}).
 */
class GoldPredictionsTest {
  static final int SAMPLE = 300;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void goldAnswersScoreOneHundredPercentOnEveryTaskWithData(@TempDir Path dir) throws Exception {
    String shared = System.getProperty("peftbench.shared");
    Path root = shared == null ? null : Path.of(shared, "datasets");
    assumeTrue(root != null && Files.isDirectory(root), "../shared/datasets not present");
    DataDir data = new DataDir(root);
    Map<String, Double> scores = new LinkedHashMap<>();
    List<String> multiline = new ArrayList<>();
    List<String> codeTasks = new ArrayList<>();
    for (Task task : TaskRegistry.all()) {
      if (!Files.isDirectory(data.taskDir(task.name()))
          || !data.splits(task.name()).containsKey(task.testSplit())) {
        continue;
      }
      List<Example> test =
          new SplitLoader(data, new SplitOptions(42, 0, 0, SAMPLE), PromptFormatter.PLAIN)
              .loadTest(task);
      List<String> golds = test.stream().map(Example::target).toList();
      if (golds.stream().anyMatch(g -> g.contains("\n"))) {
        multiline.add(task.name());
      }
      Path file = dir.resolve(task.name() + ".jsonl");
      PredictionsFile.write(file, test, golds);
      Run r =
          run(
              "evaluate-predictions",
              "--task",
              task.name(),
              "--predictions",
              file.toString(),
              "--json");
      assertThat(r.code()).as(task.name() + ": " + r.err()).isZero();
      JsonNode j = new ObjectMapper().readTree(r.out());
      String primary = j.get("primary_metric").asText();
      scores.put(task.name(), j.get("metrics").get(primary).asDouble());
      if (task.kind() == TaskKind.CODE) {
        JsonNode m = j.get("metrics");
        assertThat(m.get("syntax_match").asDouble()).as(task.name()).isEqualTo(1.0);
        assertThat(m.get("dataflow_match").asDouble()).as(task.name()).isEqualTo(1.0);
        assertThat(m.get("bleu").asDouble())
            .as(task.name())
            .isCloseTo(identicalCorpusBleu(golds), within(1e-12));
        scores.remove(task.name());
        codeTasks.add(task.name());
      }
      if (j.get("metrics").has("format_errors")) {
        assertThat(j.get("metrics").get("format_errors").asDouble()).as(task.name()).isZero();
      }
    }
    assertThat(scores).as("tasks with a test split here").hasSizeGreaterThanOrEqualTo(20);
    for (Map.Entry<String, Double> e : scores.entrySet()) {
      assertThat(e.getValue()).as(e.getKey() + " " + scores).isEqualTo(1.0);
    }
    // the answers that a first-newline cut used to break are among those checked
    assertThat(multiline).contains("gsm8k");
    assertThat(codeTasks).contains("conala");
  }

  /**
   * NLTK's corpus BLEU-4 of a corpus against itself: order n has Σ max(0, len − n + 1) matching
   * n-grams over Σ max(1, len − n + 1) counted ones; the brevity penalty is 1.
   */
  static double identicalCorpusBleu(List<String> texts) {
    double logSum = 0;
    for (int n = 1; n <= 4; n++) {
      long matched = 0;
      long counted = 0;
      for (String t : texts) {
        String s = t.strip();
        int len = s.isEmpty() ? 0 : s.split("\\s+").length;
        matched += Math.max(0, len - n + 1);
        counted += Math.max(1, len - n + 1);
      }
      logSum += Math.log((double) matched / counted);
    }
    return Math.exp(logSum / 4);
  }
}
