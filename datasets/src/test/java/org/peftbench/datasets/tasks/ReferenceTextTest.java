package org.peftbench.datasets.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.peftbench.datasets.DatasetException;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.Protocol;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.io.Row;

/** The reference's text operations; expected values printed by CPython 3 and numpy. */
class ReferenceTextTest {
  @ParameterizedTest
  @CsvSource({
    "51.0, 51.0",
    "0.1, 0.1",
    "1e-5, 1e-05",
    "1e16, 1e+16",
    "123456789012345678.0, 1.2345678901234568e+17",
    "0.0001, 0.0001",
    "1.5e-7, 1.5e-07",
    "-2.5, -2.5",
    "1e15, 1000000000000000.0",
    "12345.678, 12345.678",
    "9.313225746154785e-10, 9.313225746154785e-10",
    "0.0, 0.0"
  })
  void floatsAreWrittenAsPythonsRepr(double value, String python) {
    assertThat(ReferenceText.pythonFloat(value)).isEqualTo(python);
  }

  @ParameterizedTest
  @CsvSource({
    "3.8, 3.799999952316284",
    "2.6, 2.5999999046325684",
    "4.25, 4.25",
    "0.067, 0.06700000166893005",
    "1.2, 1.2000000476837158"
  })
  void float32ScoresAreWidenedFirst(double value, String python) {
    assertThat(ReferenceText.pythonFloat32(value)).isEqualTo(python);
  }

  @ParameterizedTest
  @CsvSource({
    "the lady, The lady",
    "hELLO World, Hello world",
    "éclair, Éclair",
    "ǆemal, ǅemal",
    "then he, Then he"
  })
  void capitalizeIsPythons(String text, String python) {
    assertThat(ReferenceText.capitalize(text)).isEqualTo(python);
  }

  @Test
  void userMessageLeavesOutEmptyParts() {
    assertThat(ReferenceText.userMessage("Do it.", "p", "q")).isEqualTo("Do it.\np\nq");
    assertThat(ReferenceText.userMessage("", "p", null)).isEqualTo("p");
    assertThat(ReferenceText.userMessage("Do it.", null, " ")).isEqualTo("Do it.\n ");
  }

  @Test
  void wscSpanIsAPatternAndAnInvalidOneNamesTheRow() {
    // "." matches any character, as in the reference's unescaped pattern
    assertThat(ReferenceText.markSpan("Mr. Singer went home.", "Mr.", 0, '*', "f:1"))
        .isEqualTo("* Mr. * Singer went home.");
    assertThat(ReferenceText.markSpan("He saw him.", "him", 2, '#', "f:1"))
        .isEqualTo("He saw # him #.");
    assertThat(ReferenceText.markSpan("He saw him.", "her", 2, '#', "f:1"))
        .isEqualTo("He saw him.");
    assertThatThrownBy(() -> ReferenceText.markSpan("a (b", "(b", 1, '#', "f:7"))
        .isInstanceOf(DatasetException.class)
        .hasMessageStartingWith("f:7: ");
  }

  @Test
  void recordHighlightsJoinTheText() {
    assertThat(ReferenceText.recordPassage("Text.\n@highlight\nOne\n@highlight\nTwo"))
        .isEqualTo("Text. One. Two");
  }

  /**
   * No APPS data is available here (see shared/datasets/apps/SOURCE.md), so the expansion is
   * checked on a row written in the codeparrot/apps schema for this test.
   */
  @Test
  void appsGivesOneExamplePerSolutionWithoutSurrogatesAndOneEmptyWithoutSolutions() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode fields = json.createObjectNode();
    fields.put("problem_id", 7);
    fields.put("question", "Print 1.");
    fields.put("solutions", "[\"print(1)\", \"print('\\ud83d\\ude00'); print(1)\"]");
    fields.put("starter_code", "def f():");
    Row row = new Row(fields, 0, "apps.jsonl:1");
    List<Example> examples = new Apps().examples(row, Protocol.PEFT_FACTORY, SplitRole.EVAL);
    assertThat(examples)
        .extracting(Example::target)
        .containsExactly("print(1)", "print(''); print(1)");
    assertThat(examples.get(0).prompt())
        .isEqualTo(
            "Based on the following instruction, generate a valid Python code that answers it.\n"
                + "Print 1.");
    assertThat(examples.get(1).gold()).containsExactly("print(1)", "print(''); print(1)");

    fields.put("solutions", "");
    assertThat(new Apps().examples(row, Protocol.PEFT_FACTORY, SplitRole.EVAL))
        .extracting(Example::target)
        .containsExactly("");
  }
}
