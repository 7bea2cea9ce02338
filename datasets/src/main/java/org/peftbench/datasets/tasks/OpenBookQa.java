package org.peftbench.datasets.tasks;

import java.util.List;
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
}
