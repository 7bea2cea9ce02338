package org.peftbench.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every task against the real shared data: rows per split as documented in each SOURCE.md, the
 * PEFT-Bench splits, a checked sample prompt, and clear errors for the splits that are missing.
 */
class TaskLoadingTest {
  /** Rows per split file in ../shared/datasets (from each task's SOURCE.md). */
  static final Map<String, Map<String, Long>> EXPECTED_ROWS =
      Map.ofEntries(
          Map.entry("mnli", Map.of("validation_matched", 9815L)),
          Map.entry("qqp", Map.of()),
          Map.entry("qnli", Map.of("validation", 5463L)),
          Map.entry("sst2", Map.of("train", 67349L, "validation", 872L)),
          Map.entry("stsb", Map.of("train", 5749L, "validation", 1500L)),
          Map.entry("mrpc", Map.of("train", 3668L, "validation", 408L)),
          Map.entry("rte", Map.of("train", 2490L, "validation", 277L)),
          Map.entry("cola", Map.of("train", 8551L, "validation", 1043L)),
          Map.entry("multirc", Map.of("train", 27243L, "validation", 4848L)),
          Map.entry("record", Map.of("fewglue32_train", 32L)),
          Map.entry("boolq", Map.of("fewglue32_train", 32L, "validation", 3270L)),
          Map.entry("wic", Map.of("train", 5428L, "validation", 638L)),
          Map.entry("wsc", Map.of("train", 554L, "validation", 104L)),
          Map.entry("cb", Map.of("train", 250L, "validation", 56L)),
          Map.entry("copa", Map.of("train", 400L, "validation", 100L)),
          Map.entry("mmlu", Map.of("dev", 285L, "test", 14042L, "validation", 1531L)),
          Map.entry("piqa", Map.of("test", 3084L, "validation", 1838L)),
          Map.entry("siqa", Map.of("train", 33410L, "validation", 1954L)),
          Map.entry("hellaswag", Map.of("validation", 10042L)),
          Map.entry("winogrande", Map.of("validation", 1267L)),
          Map.entry("openbookqa", Map.of("train", 4957L, "validation", 500L, "test", 500L)),
          Map.entry("mathqa", Map.of("test_subset1000", 1000L)),
          Map.entry("gsm8k", Map.of("train", 7473L, "test", 1319L)),
          Map.entry("svamp", Map.of("full", 1000L)),
          Map.entry("conala", Map.of("train", 2379L, "test", 500L)),
          Map.entry("codealpaca", Map.of("full", 2017L)),
          Map.entry("apps", Map.of()));

  /** A line of the first test example's prompt, and its target. */
  static final Map<String, List<String>> FIRST_TEST_EXAMPLE =
      Map.ofEntries(
          Map.entry("mnli", List.of("Premise: The new rights are nice enough", "neutral")),
          Map.entry(
              "qnli",
              List.of(
                  "Question: What came into force after the new constitution was herald?",
                  "entailment")),
          Map.entry(
              "sst2",
              List.of("Sentence: it 's a charming and often affecting journey .", "positive")),
          Map.entry("stsb", List.of("Sentence 1: A man with a hard hat is dancing.", "5.0")),
          Map.entry(
              "mrpc",
              List.of(
                  "Sentence 1: He said the foodservice pie business doesn't fit the company's long-term growth strategy.",
                  "equivalent")),
          Map.entry(
              "rte", List.of("Sentence 2: Christopher Reeve had an accident.", "not_entailment")),
          Map.entry(
              "cola",
              List.of("Sentence: The sailors rode the breeze clear of the rocks.", "acceptable")),
          Map.entry(
              "multirc",
              List.of(
                  "Question: Would the mass of a baseball affect how much force you have to use to pick it up?",
                  "false")),
          Map.entry(
              "boolq",
              List.of("Question: does ethanol take more energy make that produces", "false")),
          Map.entry("wic", List.of("Word: class", "false")),
          Map.entry("wsc", List.of("Pronoun: him", "false")),
          Map.entry("cb", List.of("Hypothesis: Valence was helping", "contradiction")),
          Map.entry("copa", List.of("Question: What was the effect?", "choice2")),
          Map.entry("mmlu", List.of("A) 4", "A")),
          Map.entry(
              "piqa",
              List.of(
                  "Goal: How do I ready a guinea pig cage for it's new occupants?", "solution1")),
          Map.entry("siqa", List.of("C) Find somewhere to go", "C")),
          Map.entry(
              "hellaswag", List.of("ending4: starts pulling up roofing on a roof.", "ending4")),
          Map.entry("winogrande", List.of("option2: Maria", "option2")),
          Map.entry("openbookqa", List.of("A) Deep sea animals", "A")),
          Map.entry(
              "gsm8k", List.of("Question: Janet\u2019s ducks lay 16 eggs per day.", "#### 18")),
          Map.entry(
              "conala",
              List.of(
                  "Intent: send a signal `signal.SIGUSR1` to the current process",
                  "os.kill(os.getpid(), signal.SIGUSR1)")));

  static Stream<Arguments> tasks() {
    return TaskRegistry.all().stream().map(t -> Arguments.of(t.name()));
  }

  @Test
  void registryHasThe27Tasks() {
    assertThat(TaskRegistry.names()).hasSize(27).doesNotHaveDuplicates();
    assertThat(EXPECTED_ROWS.keySet()).containsExactlyInAnyOrderElementsOf(TaskRegistry.names());
    assertThat(TaskRegistry.byName("MATH_QA").name()).isEqualTo("mathqa");
    assertThatThrownBy(() -> TaskRegistry.byName("squad"))
        .hasMessageContaining("unknown task 'squad'")
        .hasMessageContaining("sst2");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tasks")
  void loadsWhatTheSharedDataHolds(String name) {
    DataDir dir = new DataDir(SharedData.datasets());
    Task task = TaskRegistry.byName(name);
    Map<String, Long> counts = dir.counts(name);
    assertThat(counts).isEqualTo(EXPECTED_ROWS.get(name));
    SplitLoader loader = new SplitLoader(dir);

    if (counts.containsKey(task.testSplit())) {
      List<Example> test = loader.loadTest(task);
      assertThat((long) test.size()).isEqualTo(counts.get(task.testSplit()));
      Example first = test.get(0);
      List<String> expected = FIRST_TEST_EXAMPLE.get(name);
      assertThat(first.prompt())
          .startsWith(task.instruction())
          .contains(expected.get(0))
          .endsWith("\nAnswer:");
      assertThat(first.target()).endsWith(expected.get(1));
      assertThat(first.gold()).contains(first.target());
      if (!task.labels().isEmpty()) {
        assertThat(first.choices()).isEqualTo(task.labels());
        assertThat(first.targetChoice()).isGreaterThanOrEqualTo(0);
      }
    } else {
      assertThatThrownBy(() -> loader.loadTest(task))
          .isInstanceOf(DatasetException.class)
          .hasMessageContaining("split '" + task.testSplit() + "' not found")
          .hasMessageContaining("needed:");
    }

    if (counts.containsKey(task.trainSplit())) {
      long n = counts.get(task.trainSplit());
      List<List<Example>> tv = loader.loadTrainAndValidation(task);
      long validation = (long) Math.ceil(n * 0.1);
      assertThat((long) tv.get(1).size()).isEqualTo(validation);
      assertThat((long) tv.get(0).size()).isEqualTo(n - validation);
      Set<String> trainIds = new HashSet<>();
      tv.get(0).forEach(e -> trainIds.add(e.id()));
      assertThat(tv.get(1)).noneMatch(e -> trainIds.contains(e.id()));
    } else {
      String found = counts.isEmpty() ? "holds no data files" : "holds: ";
      assertThatThrownBy(() -> loader.loadTrainAndValidation(task))
          .isInstanceOf(DatasetException.class)
          .hasMessageContaining("split '" + task.trainSplit() + "' not found")
          .hasMessageContaining(found);
    }
  }
}
