package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/**
 * MultiRC (SuperGLUE), scored as PEFT-Bench does: binary F1 and accuracy over the individual answer
 * options (one row per option), not the per-question EM / F1a of the SuperGLUE leaderboard.
 */
public final class MultiRc extends ClassificationTask {
  private static final List<String> LABELS = List.of("false", "true");

  public MultiRc() {
    super(
        "multirc",
        "super_glue/multirc",
        TaskKind.CLASSIFICATION,
        "Given the paragraph, is the answer to the question correct? " + answerWith(LABELS),
        LABELS,
        "label",
        List.of("False", "True"),
        false,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Paragraph",
        Fields.text(row, "paragraph"),
        "Question",
        Fields.text(row, "question"),
        "Answer",
        Fields.text(row, "answer"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the following paragraph, question, and answer, determine "
          + "whether the answer answers the question. Respond only with the "
          + "corresponding true or false.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    return "Paragraph: "
        + Fields.text(row, "paragraph")
        + "\n\nQuestion: "
        + Fields.text(row, "question")
        + "\n\nAnswer: "
        + Fields.text(row, "answer");
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(REFERENCE_INSTRUCTION, referenceInputs(row), null);
  }

  @Override
  protected List<String> referenceLabels() {
    return List.of("False", "True");
  }
}
