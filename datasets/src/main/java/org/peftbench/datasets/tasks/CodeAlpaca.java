package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.Example;
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
}
