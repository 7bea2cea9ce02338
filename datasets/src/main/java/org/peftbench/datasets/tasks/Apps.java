package org.peftbench.datasets.tasks;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.peftbench.datasets.DatasetException;
import org.peftbench.datasets.Example;
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
}
