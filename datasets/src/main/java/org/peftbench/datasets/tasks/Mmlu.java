package org.peftbench.datasets.tasks;

import java.util.List;
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
    List<String> choices = Fields.textList(row, "choices");
    String subject = Fields.text(row, "subject").replace('_', ' ');
    return Prompts.build(
        instruction(),
        "Subject",
        subject,
        "Question",
        Fields.text(row, "question") + Prompts.options(LABELS, choices));
  }
}
