package org.peftbench.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.io.RowStream;
import org.peftbench.datasets.io.Rows;

/**
 * The {@code peft-factory} protocol against golden prompts: two real rows per task, converted by an
 * independent Python re-implementation of the reference (tools/gen_prompt_fixtures.py), must give
 * the same user messages and targets byte for byte, and the same rows one per answer where the
 * reference repeats them.
 */
class PeftFactoryPromptsTest {
  private static final String FIXTURES = "prompts/peft_factory_prompts.json";

  /** Tasks without any real data here (see their SOURCE.md), so without a fixture. */
  static final Set<String> NO_DATA = Set.of("qqp", "apps", "codealpaca");

  static JsonNode fixtures() throws IOException {
    try (InputStream in = PeftFactoryPromptsTest.class.getResourceAsStream(FIXTURES)) {
      return new ObjectMapper().readTree(in);
    }
  }

  static Stream<Arguments> cases() throws IOException {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : fixtures().get("cases")) {
      out.add(
          Arguments.of(
              c.get("task").asText()
                  + " "
                  + c.get("file").asText()
                  + ":"
                  + c.get("line").asInt()
                  + " ("
                  + c.get("role").asText()
                  + ")",
              c));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void userMessagesAndTargetsMatchTheReference(String name, JsonNode c) throws Exception {
    Task task = TaskRegistry.byName(c.get("task").asText());
    Row row = row(task.name(), c.get("file").asText(), c.get("line").asInt());
    SplitRole role = c.get("role").asText().equals("train") ? SplitRole.TRAIN : SplitRole.EVAL;

    List<Example> examples = task.examples(row, Protocol.PEFT_FACTORY, role);

    JsonNode expected = c.get("examples");
    assertThat(examples).hasSize(expected.size());
    for (int i = 0; i < examples.size(); i++) {
      Example e = examples.get(i);
      JsonNode x = expected.get(i);
      assertThat(e.prompt()).isEqualTo(x.get("user").asText());
      assertThat(e.target()).isEqualTo(x.get("target").asText());
      int templates = 0;
      for (ReferenceTemplate t : ReferenceTemplate.values()) {
        if (x.has(t.id() + "_prompt")) {
          assertThat(e.formatted(t.formatter()).prompt())
              .isEqualTo(x.get(t.id() + "_prompt").asText());
          assertThat(t.response(e.target())).isEqualTo(x.get(t.id() + "_response").asText());
          templates++;
        }
      }
      assertThat(templates).as("rendered templates").isPositive();
    }
  }

  @Test
  void everyReferenceTemplateIsCheckedOnSomeRow() throws IOException {
    Set<String> seen = new TreeSet<>();
    for (JsonNode c : fixtures().get("cases")) {
      for (JsonNode x : c.get("examples")) {
        x.fieldNames()
            .forEachRemaining(
                f -> {
                  if (f.endsWith("_prompt")) {
                    seen.add(f.substring(0, f.length() - "_prompt".length()));
                  }
                });
      }
    }
    Set<String> all = new TreeSet<>();
    for (ReferenceTemplate t : ReferenceTemplate.values()) {
      all.add(t.id());
    }
    assertThat(seen).isEqualTo(all);
  }

  @Test
  void everyTaskWithDataHasTwoRows() throws IOException {
    Set<String> covered = new TreeSet<>();
    for (JsonNode c : fixtures().get("cases")) {
      covered.add(TaskRegistry.byName(c.get("task").asText()).name());
    }
    Set<String> expected = new TreeSet<>(TaskRegistry.names());
    expected.removeAll(NO_DATA);
    assertThat(covered).isEqualTo(expected);
  }

  @Test
  void recordGivesOneExamplePerGoldAnswerWithAllAnswersAsReferences() throws Exception {
    Row row = null;
    for (JsonNode c : fixtures().get("cases")) {
      if (c.get("task").asText().equals("record") && c.get("examples").size() > 1) {
        row = row("record", c.get("file").asText(), c.get("line").asInt());
      }
    }
    assertThat(row).isNotNull();
    List<Example> examples =
        TaskRegistry.byName("record").examples(row, Protocol.PEFT_FACTORY, SplitRole.EVAL);
    List<String> targets = examples.stream().map(Example::target).toList();
    for (Example e : examples) {
      assertThat(e.gold()).isEqualTo(targets);
      assertThat(e.id()).isEqualTo(examples.get(0).id());
    }
  }

  @Test
  void splitLoaderExpandsRecordRowsUnderPeftFactoryOnly(@TempDir Path root) throws Exception {
    Task record = TaskRegistry.byName("record");
    Path file = SharedData.datasets().resolve("record").resolve("fewglue32_train.jsonl");
    int rows = 0;
    int answers = 0;
    try (RowStream in = Rows.open(file)) {
      while (in.hasNext()) {
        rows++;
        answers += in.next().fields().get("answers").size();
      }
    }
    // The 32 FewGLUE rows as the training split of a data folder of their own.
    Files.createDirectories(root.resolve("record"));
    Files.copy(file, root.resolve("record").resolve("train.jsonl"));
    DataDir dir = new DataDir(root);
    List<List<Example>> reference =
        new SplitLoader(dir, SplitOptions.defaults(), PromptFormatter.PLAIN, Protocol.PEFT_FACTORY)
            .loadTrainAndValidation(record);
    List<List<Example>> corrected =
        new SplitLoader(dir, SplitOptions.defaults(), PromptFormatter.PLAIN)
            .loadTrainAndValidation(record);
    assertThat(answers).isGreaterThan(rows);
    assertThat(reference.get(0).size() + reference.get(1).size()).isEqualTo(answers);
    assertThat(corrected.get(0).size() + corrected.get(1).size()).isEqualTo(rows);
    assertThat(reference.get(0).get(0).prompt()).startsWith("Based on the following query");
  }

  @Test
  void correctedProtocolKeepsTheProjectsPrompts() throws Exception {
    Task copa = TaskRegistry.byName("copa");
    Row row = row("copa", "train.jsonl", 0);
    assertThat(copa.examples(row, Protocol.CORRECTED, SplitRole.TRAIN))
        .containsExactly(copa.toExample(row));
  }

  /** Row {@code line} of a shared data file, or of a test resource named "resource:NAME". */
  static Row row(String task, String file, int line) throws URISyntaxException {
    Path path;
    if (file.startsWith("resource:")) {
      path =
          Path.of(
              PeftFactoryPromptsTest.class
                  .getResource("prompts/" + file.substring("resource:".length()))
                  .toURI());
    } else {
      path = SharedData.datasets().resolve(task).resolve(file);
    }
    try (RowStream rows = Rows.open(path)) {
      for (int i = 0; rows.hasNext(); i++) {
        Row row = rows.next();
        if (i == line) {
          return row;
        }
      }
    }
    throw new AssertionError(path + " has no row " + line);
  }
}
