package org.peftbench.datasets.tasks;

import java.util.List;
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
}
