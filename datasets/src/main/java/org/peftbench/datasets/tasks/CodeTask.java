package org.peftbench.datasets.tasks;

import java.util.List;
import java.util.Map;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.metrics.CodeMetrics;

/** A Python code generation task, scored with BLEU and CodeBLEU's components. */
public abstract class CodeTask extends Task {
  protected CodeTask(
      String name, String hfDataset, String instruction, String trainSplit, String testSplit) {
    super(
        name,
        hfDataset,
        TaskKind.CODE,
        instruction,
        List.of(),
        CodeMetrics.NAMES,
        CodeMetrics.PRIMARY,
        trainSplit,
        testSplit);
  }

  @Override
  protected Map<String, Double> scoreNormalized(
      List<String> predictions, List<List<String>> golds) {
    return CodeMetrics.score(predictions, golds);
  }
}
