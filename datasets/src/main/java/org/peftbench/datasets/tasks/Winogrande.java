package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** WinoGrande (winogrande_xl): fill the blank with one of two options; the HF answer is "1"/"2". */
public final class Winogrande extends ClassificationTask {
  private static final List<String> LABELS = List.of("option1", "option2");

  public Winogrande() {
    super(
        "winogrande",
        "allenai/winogrande:winogrande_xl",
        TaskKind.MULTIPLE_CHOICE,
        "Which option fills the blank (_) in the sentence? Answer with option1 or option2.",
        LABELS,
        "answer",
        List.of("1", "2"),
        true,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Sentence",
        Fields.text(row, "sentence"),
        "option1",
        Fields.text(row, "option1"),
        "option2",
        Fields.text(row, "option2"));
  }
}
