package org.peftbench.datasets.tasks;

import java.util.List;
import java.util.Map;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.metrics.MathMetrics;

/**
 * SVAMP (the ChilleD/SVAMP 700/300 split): the target is the equation and its value, {@code ( 76.0
 * - 25.0 ) = 51}. Scored for equation consistency (PEFT-Bench's accuracy) and, separately, for
 * matching the gold equation and the gold answer.
 */
public final class Svamp extends Task {
  public Svamp() {
    super(
        "svamp",
        "ChilleD/SVAMP",
        TaskKind.MATH,
        "Write one equation that solves the math word problem, in the form '( expression ) ="
            + " answer'.",
        List.of(),
        List.of("accuracy", "gold_equation_match", "answer_match", "format_errors"),
        "accuracy",
        "train",
        "test");
  }

  /** Python's float formatting of an integral answer: 51.0 becomes "51". */
  static String formatAnswer(double answer) {
    if (Math.abs(answer - Math.rint(answer)) <= 1e-9) {
      return Long.toString((long) Math.rint(answer));
    }
    return Double.toString(answer);
  }

  @Override
  public Example toExample(Row row) {
    String equation = Fields.text(row, "Equation").strip();
    if (!equation.startsWith("(")) {
      equation = "( " + equation + " )";
    }
    String target = equation + " = " + formatAnswer(Fields.number(row, "Answer"));
    String problem =
        row.fields().has("question_concat")
            ? Fields.text(row, "question_concat")
            : Fields.text(row, "Body").strip() + " " + Fields.text(row, "Question").strip();
    String prompt = Prompts.build(instruction(), "Problem", problem);
    return new Example(Fields.id(row, "ID"), prompt, target, List.of(), List.of(target));
  }

  @Override
  protected Map<String, Double> scoreNormalized(
      List<String> predictions, List<List<String>> golds) {
    return MathMetrics.svamp(predictions, first(golds));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Answer following math question. The answer is always numerical. "
          + "Respond only with a single equation with parentheses (e.g., (1 + 1) = "
          + "2).";

  /**
   * The reference's prompt is the question alone; its target the equation as stored, " = ", and
   * Python's {@code str()} of the float answer ("( 76.0 - 25.0 ) = 51.0").
   */
  @Override
  protected List<Example> referenceExamples(Row row, SplitRole role) {
    String target =
        Fields.text(row, "Equation")
            + " = "
            + ReferenceText.pythonFloat(Fields.number(row, "Answer"));
    String inputs = "Question: " + Fields.text(row, "question_concat");
    String user = ReferenceText.userMessage(REFERENCE_INSTRUCTION, inputs, null);
    return List.of(new Example(Fields.id(row, "ID"), user, target, List.of(), List.of(target)));
  }
}
