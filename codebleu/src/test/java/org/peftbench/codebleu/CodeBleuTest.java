package org.peftbench.codebleu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Python parser against tree-sitter-python 0.21 and CodeBLEU against its reference
 * implementation (fixtures from tools/gen_codebleu_fixtures.py).
 */
class CodeBleuTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static InputStream resource(String name) {
    return CodeBleuTest.class.getResourceAsStream("/org/peftbench/codebleu/" + name);
  }

  static String leaves(PyNode root) {
    List<PyNode> leaves = new ArrayList<>();
    root.leaves(leaves);
    StringBuilder sb = new StringBuilder("[");
    for (PyNode n : leaves) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('[').append(JSON.valueToTree(n.type()).toString()).append(',').append(n.named());
      sb.append(',').append(n.startRow).append(',').append(n.startCol).append(',').append(n.endRow);
      sb.append(',').append(n.endCol).append(']');
    }
    return sb.append(']').toString();
  }

  @Test
  void treesAreTreeSitters() throws IOException {
    int checked = 0;
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(resource("python_trees.jsonl"), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode c = JSON.readTree(line);
        String code = c.get("code").asText();
        PyNode tree = PythonParser.parse(code);
        assertThat(tree.sexp()).as(code).isEqualTo(c.get("sexp").asText());
        assertThat(leaves(tree)).as(code).isEqualTo(c.get("leaves").toString());
        checked++;
      }
    }
    assertThat(checked).isEqualTo(800);
  }

  @Test
  void scoresMatchTheReferenceImplementation() throws IOException {
    JsonNode cases = JSON.readTree(resource("codebleu_fixtures.json"));
    for (JsonNode c : cases) {
      List<String> predictions = new ArrayList<>();
      List<List<String>> references = new ArrayList<>();
      c.get("predictions")
          .forEach(p -> predictions.add(p.asText().strip().toLowerCase(Locale.ROOT)));
      c.get("references")
          .forEach(r -> references.add(List.of(r.asText().strip().toLowerCase(Locale.ROOT))));
      Map<String, Double> got = CodeBleu.score(references, predictions);
      JsonNode want = c.get("expected");
      String label = predictions.size() + " examples, valid=" + c.get("valid").asBoolean();
      for (String exact : List.of("ngram_match_score", "weighted_ngram_match_score")) {
        assertThat(got.get(exact))
            .as(label + " " + exact)
            .isCloseTo(want.get(exact).get(0).asDouble(), within(1e-9));
      }
      if (c.get("valid").asBoolean()) {
        assertThat(got.get("syntax_match_score"))
            .as(label)
            .isCloseTo(want.get("syntax_match_score").get(0).asDouble(), within(1e-9));
        // the reference's data flow depends on Python's hash seed: its range over seeds 0-7
        for (String ranged : List.of("dataflow_match_score", "codebleu")) {
          assertThat(got.get(ranged))
              .as(label + " " + ranged)
              .isBetween(
                  want.get(ranged).get(0).asDouble() - 1e-9,
                  want.get(ranged).get(1).asDouble() + 1e-9);
        }
      } else {
        // code with syntax errors: tree-sitter's error recovery is approximated
        assertThat(got.get("syntax_match_score"))
            .as(label)
            .isCloseTo(want.get("syntax_match_score").get(0).asDouble(), within(0.01));
        assertThat(got.get("dataflow_match_score"))
            .as(label)
            .isCloseTo(want.get("dataflow_match_score").get(0).asDouble(), within(0.03));
      }
    }
  }

  @Test
  void commentsAndDocstringsAreRemovedLikeTheReference() {
    // the spaces before a comment stay, as in the reference
    assertThat(CommentStripper.strip("x = 1  # one\n# alone\ny = 2")).isEqualTo("x = 1  \ny = 2");
    assertThat(CommentStripper.strip("def f():\n    \"\"\"Doc.\"\"\"\n    return 1"))
        .isEqualTo("def f():\n    return 1");
    // a string at column 0 is dropped too, as in the reference
    assertThat(CommentStripper.strip("'{}'.format(x)")).isEqualTo(".format(x)");
    assertThat(CommentStripper.strip("print('a' + 'b')")).isEqualTo("print('a' + 'b')");
    // Python's tokenizer fails on an open bracket at EOF: the code is kept as it is
    assertThat(CommentStripper.strip("f(x  # c")).isEqualTo("f(x  # c");
  }

  @Test
  void unparseableCodeKeepsItsCompleteExpressions() {
    PyNode tree = CodeBleu.tree("lst = [Object() for in range(100)]");
    assertThat(tree.sexp())
        .startsWith("(module (ERROR")
        .contains("(call function: (identifier) arguments: (argument_list (integer)))");
    Map<String, Double> same =
        CodeBleu.score(List.of(List.of("x = f(a, b)")), List.of("x = f(a, b)"));
    assertThat(same.get("syntax_match_score")).isEqualTo(1.0);
    assertThat(same.get("dataflow_match_score")).isEqualTo(1.0);
  }

  @Test
  void degenerateGenerationsAreScoredNotFatal() {
    // unclosed nested calls (a truncated generation) parse in linear time; absurd nesting and
    // chains become a flat ERROR node instead of overflowing the stack
    for (String s :
        List.of(
            "f(".repeat(300) + "x",
            "(".repeat(5000) + "x" + ")".repeat(5000),
            "x = " + "a + ".repeat(5000) + "b",
            "'''unterminated",
            "\\\n)]}")) {
      Map<String, Double> r = CodeBleu.score(List.of(List.of("y = f(x)")), List.of(s));
      assertThat(r.get("codebleu"))
          .as(s.substring(0, Math.min(20, s.length())))
          .isBetween(0.0, 1.0);
    }
  }

  @Test
  void strippingMatchesTheReferenceOnSnippetsAndTruncations() throws IOException {
    int checked = 0;
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(resource("strip_fixtures.jsonl"), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode c = JSON.readTree(line);
        String code = c.get("code").asText();
        assertThat(CommentStripper.strip(code)).as(code).isEqualTo(c.get("stripped").asText());
        checked++;
      }
    }
    assertThat(checked).isEqualTo(1005);
  }
}
