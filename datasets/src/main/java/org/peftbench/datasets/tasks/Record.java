package org.peftbench.datasets.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.datasets.DatasetException;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.metrics.SquadMetrics;

/**
 * ReCoRD (SuperGLUE): fill the {@code @placeholder} of a query with an entity of a news passage.
 * Scored with token F1 and exact match (SQuAD normalization), each maximised over the gold answers.
 */
public final class Record extends Task {
  public Record() {
    super(
        "record",
        "super_glue/record",
        TaskKind.READING_COMPREHENSION,
        "Read the passage and answer with the entity that should replace @placeholder in the query.",
        List.of(),
        List.of("f1", "exact_match"),
        "f1",
        "train",
        "validation");
  }

  @Override
  public Example toExample(Row row) {
    List<String> answers = Fields.textList(row, "answers");
    if (answers.isEmpty()) {
      throw new DatasetException(
          row.where() + ": no answers (the HF ReCoRD test split is unlabeled)");
    }
    // CNN/Daily Mail highlights are marked "@highlight\n"; show them as bullet points.
    String passage = Fields.text(row, "passage").replace("@highlight\n", "- ");
    String prompt =
        Prompts.build(
            instruction(),
            "Passage",
            passage,
            "Query",
            Fields.text(row, "query"),
            "Candidates",
            String.join(", ", Fields.textList(row, "entities")));
    return new Example(Fields.id(row, null), prompt, answers.get(0), List.of(), answers);
  }

  @Override
  protected Map<String, Double> scoreNormalized(
      List<String> predictions, List<List<String>> golds) {
    Map<String, Double> s = SquadMetrics.score(predictions, golds);
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("f1", s.get("f1"));
    out.put("exact_match", s.get("exact_match"));
    return out;
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the following query, entities, and passage, replace the "
          + "@placeholder in the query. Respond only with the correct replacement.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    return "Query: "
        + Fields.text(row, "query")
        + "\n\nEntities: "
        + String.join(", ", Fields.textList(row, "entities"))
        + "\n\nPassage: "
        + ReferenceText.recordPassage(Fields.text(row, "passage"));
  }

  /**
   * One example per gold answer, each with that answer as its target and all of them as its
   * references (the reference repeats the row in every split; a row without answers gets the target
   * "&lt;unk&gt;"). The copies share the query's id, by which the ReCoRD metric groups them.
   */
  @Override
  protected List<Example> referenceExamples(Row row, SplitRole role) {
    List<String> answers = Fields.textList(row, "answers");
    if (answers.isEmpty()) {
      answers = List.of("<unk>");
    }
    String user = ReferenceText.userMessage(REFERENCE_INSTRUCTION, referenceInputs(row), null);
    String id = Fields.id(row, null);
    List<Example> out = new java.util.ArrayList<>(answers.size());
    for (String answer : answers) {
      out.add(new Example(id, user, answer, List.of(), answers));
    }
    return out;
  }
}
