package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** Social IQa: social commonsense, three answers; the HF label is the string "1"/"2"/"3". */
public final class Siqa extends ClassificationTask {
  private static final List<String> LABELS = List.of("A", "B", "C");

  public Siqa() {
    super(
        "siqa",
        "allenai/social_i_qa",
        TaskKind.MULTIPLE_CHOICE,
        "Answer the question about the social situation with the letter of the best answer (A, B or C).",
        LABELS,
        "label",
        List.of("1", "2", "3"),
        true,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Context",
        Fields.text(row, "context"),
        "Question",
        Fields.text(row, "question")
            + Prompts.options(
                LABELS,
                List.of(
                    Fields.text(row, "answerA"),
                    Fields.text(row, "answerB"),
                    Fields.text(row, "answerC"))));
  }

  /** The instruction of the reference's training entry for this task (data/dataset_info.json). */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the context, question and provided choices, select the right "
          + "answer. Respond only with the corresponding choices A, B, and C.";

  /**
   * The instruction of the reference's {@code _eval} entry, which differs (data/dataset_info.json).
   */
  private static final String REFERENCE_EVAL_INSTRUCTION =
      "Based on the context, question and provided choices, select the right "
          + "answer. Respond only with the corresponding choices A, B and C.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    return "Context: "
        + Fields.text(row, "context")
        + "\n\nQuestion: "
        + Fields.text(row, "question")
        + "\n\nChoices:\nA: "
        + Fields.text(row, "answerA")
        + "\nB: "
        + Fields.text(row, "answerB")
        + "\nC: "
        + Fields.text(row, "answerC");
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        (role == SplitRole.EVAL ? REFERENCE_EVAL_INSTRUCTION : REFERENCE_INSTRUCTION),
        referenceInputs(row),
        null);
  }
}
