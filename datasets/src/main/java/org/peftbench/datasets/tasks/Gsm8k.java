package org.peftbench.datasets.tasks;

import java.util.List;
import java.util.Map;
import org.peftbench.datasets.DatasetException;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.metrics.MathMetrics;

/**
 * GSM8K: grade-school math; the target is the worked solution ending in {@code #### <number>}, and
 * an answer is right when its number after {@code ####} equals the gold's.
 */
public final class Gsm8k extends Task {
  public Gsm8k() {
    super(
        "gsm8k",
        "openai/gsm8k:main",
        TaskKind.MATH,
        "Solve the math word problem step by step. End with a line '#### <number>' giving the final"
            + " answer.",
        List.of(),
        List.of("accuracy", "format_errors"),
        "accuracy",
        "train",
        "test");
  }

  @Override
  public Example toExample(Row row) {
    String answer = Fields.text(row, "answer");
    if (MathMetrics.finalNumber(answer) == null) {
      throw new DatasetException(row.where() + ": answer has no '#### <number>' final line");
    }
    String prompt = Prompts.build(instruction(), "Question", Fields.text(row, "question"));
    return new Example(Fields.id(row, null), prompt, answer, List.of(), List.of(answer));
  }

  @Override
  protected Map<String, Double> scoreNormalized(
      List<String> predictions, List<List<String>> golds) {
    return MathMetrics.gsm8k(predictions, first(golds));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Answer following math question. The answer is always numerical. Mark "
          + "your final answer with a newline starting with '####'.";

  @Override
  protected List<Example> referenceExamples(Row row, SplitRole role) {
    String answer = Fields.text(row, "answer");
    String user =
        ReferenceText.userMessage(REFERENCE_INSTRUCTION, Fields.text(row, "question"), null);
    return List.of(new Example(Fields.id(row, null), user, answer, List.of(), List.of(answer)));
  }
}
