package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** WiC (SuperGLUE): word sense disambiguation across two sentences. */
public final class Wic extends ClassificationTask {
  private static final List<String> LABELS = List.of("false", "true");

  public Wic() {
    super(
        "wic",
        "super_glue/wic",
        TaskKind.CLASSIFICATION,
        "Is the word used with the same meaning in both sentences? " + answerWith(LABELS),
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
        "Word",
        Fields.text(row, "word"),
        "Sentence 1",
        Fields.text(row, "sentence1"),
        "Sentence 2",
        Fields.text(row, "sentence2"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the context from the following sentence pair, classify the "
          + "word into true or false classes, based on its meaning in both of the "
          + "sentences. Respond only with the corresponding true or false.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    return "Sentence1: "
        + Fields.text(row, "sentence1")
        + "\n\nSentence2: "
        + Fields.text(row, "sentence2")
        + "\n\nWord: "
        + Fields.text(row, "word");
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
