package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** WSC (SuperGLUE, the wsc.fixed config): Winograd coreference as a true/false question. */
public final class Wsc extends ClassificationTask {
  private static final List<String> LABELS = List.of("false", "true");

  public Wsc() {
    super(
        "wsc",
        "super_glue/wsc.fixed",
        TaskKind.CLASSIFICATION,
        "Does the pronoun refer to the given noun phrase in the text? " + answerWith(LABELS),
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
        "Text",
        Fields.text(row, "text"),
        "Pronoun",
        Fields.text(row, "span2_text"),
        "Noun phrase",
        Fields.text(row, "span1_text"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the following sentence, determine whether the pronoun marked "
          + "with * * is referencing the noun marked with # #. Respond only with "
          + "the corresponding true or false.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    // T5's marking: the noun phrase between "*", then the pronoun between "#"; marking the first
    // span adds two words before the second when it comes first.
    int span1 = (int) Fields.number(row, "span1_index");
    int span2 = (int) Fields.number(row, "span2_index");
    String text =
        ReferenceText.markSpan(
            Fields.text(row, "text"), Fields.text(row, "span1_text"), span1, '*', row.where());
    int shifted = span2 + (span1 < span2 ? 2 : 0);
    return ReferenceText.markSpan(text, Fields.text(row, "span2_text"), shifted, '#', row.where());
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
