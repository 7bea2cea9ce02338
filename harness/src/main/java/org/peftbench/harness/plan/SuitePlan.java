package org.peftbench.harness.plan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.datasets.DataDir;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskRegistry;
import org.peftbench.harness.run.GenerationLengths;
import org.peftbench.harness.run.Trainer;
import org.peftbench.harness.suite.Caps;
import org.peftbench.harness.suite.MethodSpec;
import org.peftbench.harness.suite.ModelPaths;
import org.peftbench.harness.suite.Suite;
import org.peftbench.harness.suite.TrainingSettings;
import org.peftbench.peft.ForwardFlops;
import org.peftbench.peft.ParameterCount;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftMethods;
import org.peftbench.transformer.ModelStructure;

/**
 * A suite's grid before anything runs (what {@code peftbench plan} prints): every model × method ×
 * task with its settings, the split sizes from the real data files (row counts only), the optimizer
 * steps of each run, its evaluation cadence, the trainable parameters (from {@code config.json})
 * and an estimate of its FLOPs. No weights are read.
 *
 * <p>FLOP estimate, per sequence of {@link ForwardFlops#PSCP_TOKENS} tokens with the adapted
 * model's forward FLOPs {@code F} ({@link PeftMethods#forwardFlops}): training {@code 3F} per
 * example seen (forward + a backward of about twice the forward; an upper bound for PEFT, whose
 * frozen weights need no weight gradients), validation {@code F} per validation example per
 * evaluation, test {@code F} per test example plus {@code F/512} per generated token up to the
 * generation limit (again an upper bound: generation stops at EOS). Real sequence lengths differ
 * per task; the estimate is for comparing grids, not for billing.
 */
public final class SuitePlan {
  /** The sequence length of the FLOP estimate (PEFT-Bench's M_f: one 512-token sequence). */
  public static final int FLOP_TOKENS = 512;

  /** One model × method × task cell (the same for every seed). */
  public record Cell(
      String model,
      String method,
      String task,
      Long trainRows,
      Long testRows,
      Integer validationExamples,
      Integer trainExamples,
      Integer testExamples,
      Integer steps,
      Integer evalEverySteps,
      Integer evaluations,
      Double flops,
      String missing) {}

  /** One model × method: its settings and size. */
  public record MethodRow(
      String model,
      String method,
      String peftType,
      ObjectNode peft,
      TrainingSettings training,
      long trainableParams,
      long totalParams,
      double forwardFlopsBase,
      double forwardFlopsAdapted) {}

  public record Plan(
      String suite,
      String protocol,
      int runs,
      int models,
      int tasks,
      int methods,
      int seeds,
      String dataDir,
      int cutoff,
      int maxNewTokens,
      List<MethodRow> methodRows,
      List<Cell> cells,
      double totalFlops) {}

  private SuitePlan() {}

  /**
   * @param suiteDir the suite file's folder (relative model and data paths), or null
   * @param dataOverride a datasets folder replacing the suite's, or null
   */
  public static Plan of(Suite suite, Path suiteDir, Path dataOverride) {
    Path dataRoot =
        dataOverride != null
            ? dataOverride
            : ModelPaths.resolve(
                suite.dataDir() == null ? "../shared/datasets" : suite.dataDir(), suiteDir);
    if (!Files.isDirectory(dataRoot)) {
      throw new IllegalArgumentException("data folder " + dataRoot + " does not exist");
    }
    DataDir data = new DataDir(dataRoot);
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    for (String t : suite.tasks()) {
      TaskRegistry.byName(t); // an unknown name fails here, listing the tasks
      counts.put(t, Files.isDirectory(data.taskDir(t)) ? data.counts(t) : Map.of());
    }
    List<MethodRow> methodRows = new ArrayList<>();
    List<Cell> cells = new ArrayList<>();
    double total = 0;
    int cutoff = 0;
    int maxNew = 0;
    for (String model : suite.models()) {
      Path dir = ModelPaths.resolve(model, suiteDir);
      Path config = Files.isDirectory(dir) ? dir.resolve("config.json") : dir;
      if (!Files.isRegularFile(config)) {
        throw new IllegalArgumentException("model " + model + ": no config.json at " + config);
      }
      ModelStructure structure = ModelStructure.load(config);
      String modelName = dir.getFileName().toString();
      for (MethodSpec m : suite.methods()) {
        PeftConfig pc;
        try {
          pc = PeftConfigs.fromJson(m.peft(), "method '" + m.name() + "'").resolve(structure);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("method '" + m.name() + "': " + e.getMessage(), e);
        }
        ParameterCount count = pc.count(structure);
        ForwardFlops f = PeftMethods.forwardFlops(pc, structure, ForwardFlops.PSCP_TOKENS);
        ObjectNode resolved = PeftConfigs.toJson(pc, model);
        TrainingSettings ts = suite.effectiveTraining(m);
        Caps caps = suite.effectiveCaps(m);
        GenerationLengths lengths = GenerationLengths.of(suite.protocolResolved(), caps);
        cutoff = lengths.cutoff();
        maxNew = lengths.maxNewTokens();
        methodRows.add(
            new MethodRow(
                modelName,
                m.name(),
                m.peftType(),
                m.peft(),
                ts,
                count.trainable(),
                count.total(),
                f.base(),
                f.adapted()));
        for (String t : suite.tasks()) {
          Task task = TaskRegistry.byName(t);
          Long trainRows = counts.get(t).get(task.trainSplit());
          Long testRows = counts.get(t).get(task.testSplit());
          if (trainRows == null || testRows == null || trainRows < 2) {
            cells.add(
                new Cell(
                    modelName,
                    m.name(),
                    t,
                    trainRows,
                    testRows,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    "no "
                        + (trainRows == null ? task.trainSplit() : task.testSplit())
                        + " split under "
                        + data.taskDir(t)));
            continue;
          }
          int nVal = (int) Math.ceil(ts.validationFraction() * trainRows);
          int nTrain = (int) (trainRows - nVal);
          int val = capped(nVal, caps.maxValidationExamples());
          int train = capped(nTrain, caps.maxTrainExamples());
          int test = capped((int) (long) testRows, caps.maxTestExamples());
          int steps = Trainer.totalSteps(train, ts, caps.maxSteps());
          int every = ts.evalIntervalSteps(steps);
          int evaluations = steps / every + (steps % every == 0 ? 0 : 1); // + the final one
          double fwd = f.adapted();
          int newTokens = lengths.maxNewTokens() > 0 ? lengths.maxNewTokens() : 0;
          double flops =
              3.0 * fwd * (double) steps * ts.batchSize() * ts.gradAccum()
                  + fwd * (double) evaluations * val
                  + test * (fwd + fwd / ForwardFlops.PSCP_TOKENS * newTokens);
          double perRun = flops;
          total += perRun * suite.seeds().size();
          cells.add(
              new Cell(
                  modelName,
                  m.name(),
                  t,
                  trainRows,
                  testRows,
                  val,
                  train,
                  test,
                  steps,
                  every,
                  evaluations,
                  perRun,
                  null));
        }
      }
    }
    return new Plan(
        suite.name(),
        suite.protocolResolved().key(),
        suite.runs().size(),
        suite.models().size(),
        suite.tasks().size(),
        suite.methods().size(),
        suite.seeds().size(),
        dataRoot.toString(),
        cutoff,
        maxNew,
        methodRows,
        cells,
        total);
  }

  private static int capped(int n, Integer cap) {
    return cap == null ? n : Math.min(n, cap);
  }
}
