package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** OpenBookQA (main): elementary science multiple choice; the HF answerKey is "A".."D". */
public final class OpenBookQa extends ClassificationTask {
  private static final List<String> LABELS = List.of("A", "B", "C", "D");

  public OpenBookQa() {
    super(
        "openbookqa",
        "allenai/openbookqa:main",
        TaskKind.MULTIPLE_CHOICE,
        "Answer the science question with the letter of the correct option (A, B, C or D).",
        LABELS,
        "answerKey",
        LABELS,
        true,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    com.fasterxml.jackson.databind.JsonNode choices = Fields.object(row, "choices");
    List<String> texts = Fields.textList(row, "choices.text", choices.path("text"));
    return Prompts.build(
        instruction(),
        "Question",
        Fields.text(row, "question_stem") + Prompts.options(LABELS, texts));
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
    com.fasterxml.jackson.databind.JsonNode choices = Fields.object(row, "choices");
    List<String> t = Fields.textList(row, "choices.text", choices.path("text"));
    if (t.size() != 4) {
      throw new org.peftbench.datasets.DatasetException(
          row.where() + ": expected 4 choices, found " + t.size());
    }
    return "Question: "
        + Fields.text(row, "question_stem")
        + "\n\nChoices:\nA: "
        + t.get(0)
        + "\nB: "
        + t.get(1)
        + "\nC: "
        + t.get(2)
        + "\nD: "
        + t.get(3);
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(REFERENCE_INSTRUCTION, referenceInputs(row), null);
  }
}
