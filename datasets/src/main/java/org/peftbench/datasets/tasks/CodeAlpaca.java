package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.io.Row;

/**
 * CodeAlpaca, the Python subset PEFT-Bench uses (8,477 train / 942 test), in the
 * sahil280114/codealpaca schema: instruction, optional input, and the code as output.
 */
public final class CodeAlpaca extends CodeTask {
  public CodeAlpaca() {
    super(
        "codealpaca",
        "sahil280114/codealpaca (Python subset)",
        "Complete the programming task in Python. Answer with the code only.",
        "train",
        "test");
  }

  @Override
  public Example toExample(Row row) {
    String input = Fields.optionalText(row, "input");
    String output = Fields.text(row, "output");
    String prompt =
        input == null || input.isBlank()
            ? Prompts.build(instruction(), "Task", Fields.text(row, "instruction"))
            : Prompts.build(instruction(), "Task", Fields.text(row, "instruction"), "Input", input);
    return new Example(Long.toString(row.index()), prompt, output, List.of(), List.of(output));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the following instruction, generate a valid Python code that " + "answers it.";

  /**
   * The reference reads Abzu/CodeAlpacaPython's {@code prompt} and {@code response} columns; rows
   * in the sahil280114/codealpaca schema (instruction / input / output) do not carry them.
   */
  @Override
  protected List<Example> referenceExamples(Row row, SplitRole role) {
    if (!row.fields().has("prompt") || !row.fields().has("response")) {
      throw new org.peftbench.datasets.DatasetException(
          row.where()
              + ": the peft-factory protocol reads Abzu/CodeAlpacaPython's 'prompt' and"
              + " 'response' columns, which this row does not have");
    }
    String response = Fields.text(row, "response");
    String user =
        ReferenceText.userMessage(REFERENCE_INSTRUCTION, Fields.optionalText(row, "prompt"), null);
    return List.of(
        new Example(Long.toString(row.index()), user, response, List.of(), List.of(response)));
  }
}
