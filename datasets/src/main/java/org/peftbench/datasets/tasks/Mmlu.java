package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** MMLU: 57-subject multiple choice; train from auxiliary_train, test = the validation split. */
public final class Mmlu extends ClassificationTask {
  private static final List<String> LABELS = List.of("A", "B", "C", "D");

  public Mmlu() {
    super(
        "mmlu",
        "cais/mmlu:all",
        TaskKind.MULTIPLE_CHOICE,
        "The following is a multiple choice question. Answer with the letter of the correct option (A, B, C or D).",
        LABELS,
        "answer",
        List.of("0", "1", "2", "3"),
        false,
        false,
        "auxiliary_train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    List<String> choices = choices(row);
    String subject = Fields.text(row, "subject").replace('_', ' ');
    return Prompts.build(
        instruction(),
        "Subject",
        subject,
        "Question",
        Fields.text(row, "question") + Prompts.options(LABELS, choices));
  }

  private static List<String> choices(Row row) {
    List<String> choices = Fields.textList(row, "choices");
    if (choices.size() != 4) {
      throw new org.peftbench.datasets.DatasetException(
          row.where() + ": expected 4 choices, found " + choices.size());
    }
    return choices;
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the question and provided choices, select the right answer. "
          + "Respond only with the corresponding choices A, B, C, and D.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    List<String> c = choices(row);
    return "Question: "
        + Fields.text(row, "question")
        + "\n\nChoices:\nA: "
        + c.get(0)
        + "\nB: "
        + c.get(1)
        + "\nC: "
        + c.get(2)
        + "\nD: "
        + c.get(3);
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(REFERENCE_INSTRUCTION, referenceInputs(row), null);
  }
}
