package org.peftbench.datasets.tasks;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.peftbench.datasets.DatasetException;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.io.Row;

/**
 * APPS (codeparrot/apps): competitive programming problems; the target is the first reference
 * solution. {@code solutions} is a JSON-encoded list of programs; problems without any solution
 * (some test problems) have no reference and are skipped.
 */
public final class Apps extends CodeTask {
  private static final ObjectMapper JSON = new ObjectMapper();

  public Apps() {
    super(
        "apps",
        "codeparrot/apps",
        "Write a Python program that solves the problem, reading from standard input and writing to"
            + " standard output (or completing the starter code). Answer with the code only.",
        "train",
        "test");
  }

  @Override
  public Example toExample(Row row) {
    String encoded = Fields.optionalText(row, "solutions");
    if (encoded == null || encoded.isBlank()) {
      return null;
    }
    JsonNode solutions;
    try {
      solutions = JSON.readTree(encoded);
    } catch (JacksonException e) {
      throw new DatasetException(row.where() + ": field 'solutions' is not a JSON list", e);
    }
    if (!solutions.isArray()) {
      throw new DatasetException(row.where() + ": field 'solutions' is not a JSON list");
    }
    if (solutions.isEmpty()) {
      return null;
    }
    String code = solutions.get(0).asText();
    String starter = Fields.optionalText(row, "starter_code");
    String prompt =
        starter == null || starter.isBlank()
            ? Prompts.build(instruction(), "Problem", Fields.text(row, "question"))
            : Prompts.build(
                instruction(), "Problem", Fields.text(row, "question"), "Starter code", starter);
    return new Example(Fields.id(row, "problem_id"), prompt, code, List.of(), List.of(code));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the following instruction, generate a valid Python code that " + "answers it.";

  /**
   * One example per reference solution (surrogate characters removed), the problem statement alone
   * as the prompt (the reference drops the starter code); a problem without solutions gives one
   * example with an empty target. Every split is expanded, the test split included.
   */
  @Override
  protected List<Example> referenceExamples(Row row, SplitRole role) {
    String encoded = Fields.optionalText(row, "solutions");
    List<String> solutions = new java.util.ArrayList<>();
    if (encoded != null && !encoded.isEmpty()) {
      JsonNode parsed;
      try {
        parsed = JSON.readTree(encoded);
      } catch (JacksonException e) {
        throw new DatasetException(row.where() + ": field 'solutions' is not a JSON list", e);
      }
      if (parsed == null || !parsed.isArray()) {
        throw new DatasetException(row.where() + ": field 'solutions' is not a JSON list");
      }
      for (JsonNode s : parsed) {
        solutions.add(ReferenceText.withoutSurrogates(s.asText()));
      }
    }
    if (solutions.isEmpty()) {
      solutions.add("");
    }
    String user =
        ReferenceText.userMessage(REFERENCE_INSTRUCTION, Fields.text(row, "question"), null);
    String id = Fields.id(row, "problem_id");
    List<Example> out = new java.util.ArrayList<>(solutions.size());
    for (String solution : solutions) {
      out.add(new Example(id, user, solution, List.of(), solutions));
    }
    return out;
  }
}
