package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** MathQA: GRE/GMAT-style math word problems with five options; the HF correct is "a".."e". */
public final class MathQa extends ClassificationTask {
  private static final List<String> LABELS = List.of("a", "b", "c", "d", "e");

  public MathQa() {
    super(
        "mathqa",
        "allenai/math_qa",
        TaskKind.MULTIPLE_CHOICE,
        "Solve the math word problem and answer with the letter of the correct option (a, b, c, d or e).",
        LABELS,
        "correct",
        LABELS,
        true,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Problem",
        Fields.text(row, "Problem"),
        "Options",
        Fields.text(row, "options"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the problem and provided options, select the right answer. "
          + "Respond only with the corresponding choices a, b, c, d, and e.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    return "Problem: "
        + Fields.text(row, "Problem")
        + "\n\nOptions: "
        + Fields.text(row, "options");
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(REFERENCE_INSTRUCTION, referenceInputs(row), null);
  }
}
