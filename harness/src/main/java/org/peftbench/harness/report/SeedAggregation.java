package org.peftbench.harness.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.harness.pscp.Pscp;
import org.peftbench.harness.results.RunResult;
import org.peftbench.harness.suite.PscpSettings;

/**
 * The two ways a suite's runs are summarised per (model, method, task) and per (model, method).
 *
 * <ul>
 *   <li><b>Reference</b> (PEFT-Bench's {@code scripts/peftbench/gather_results.py}): one run per
 *       task, the last of {@code sorted(glob("eval_<task>*"))}, i.e. the run whose seed, written in
 *       decimal, sorts last as text (of 42, 123, 456, 789, 101112: 789); the method's {@code P_avg}
 *       is the mean over tasks of those runs' scores.
 *   <li><b>Over seeds</b>: every completed seed; per task the mean, the sample standard deviation
 *       (n − 1), the population one (numpy's {@code np.std}, which the reference's stability table
 *       prints) and a 95% confidence interval {@code mean ± t_{0.975, n−1} · s/√n}; per method the
 *       same statistics of {@code P} over seeds, where a seed's {@code P} is its mean over the
 *       tasks it completed.
 * </ul>
 *
 * PSCP is computed for each aggregation from its {@code P} and the method's mean costs (over all
 * its completed runs), for every β of the suite.
 */
public final class SeedAggregation {
  /** Confidence level of the intervals. */
  public static final double LEVEL = 0.95;

  /** Statistics of a score over seeds. */
  public record SeedStats(
      int n,
      double mean,
      double std,
      double stdPopulation,
      double ci95Low,
      double ci95High,
      Map<Long, Double> bySeed) {

    static SeedStats of(Map<Long, Double> bySeed) {
      int n = bySeed.size();
      if (n == 0) {
        return new SeedStats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, bySeed);
      }
      double sum = 0;
      for (double x : bySeed.values()) {
        sum += x;
      }
      double mean = sum / n;
      double ss = 0;
      for (double x : bySeed.values()) {
        ss += (x - mean) * (x - mean);
      }
      double std = n > 1 ? Math.sqrt(ss / (n - 1)) : Double.NaN;
      double half =
          n > 1 ? StudentT.twoSidedQuantile(LEVEL, n - 1) * std / Math.sqrt(n) : Double.NaN;
      return new SeedStats(
          n, mean, std, Math.sqrt(ss / n), mean - half, mean + half, Map.copyOf(bySeed));
    }
  }

  /** One (model, method, task). */
  public record TaskRow(
      String model,
      String method,
      String task,
      String mainMetric,
      long referenceSeed,
      double referenceScore,
      SeedStats seeds) {}

  /** One (model, method). */
  public record MethodRow(
      String model,
      String method,
      int tasks,
      Pscp.Costs costs,
      double referencePerformance,
      Map<Double, Pscp.Breakdown> referencePscp,
      SeedStats performanceOverSeeds,
      Map<Double, Pscp.Breakdown> meanPscp,
      Map<Double, SeedStats> pscpOverSeeds) {}

  private final Aggregate aggregate;
  private final List<TaskRow> taskRows = new ArrayList<>();
  private final List<MethodRow> methodRows = new ArrayList<>();

  public SeedAggregation(Aggregate aggregate) {
    this.aggregate = aggregate;
    PscpSettings pscp = aggregate.pscpSettings();
    for (String model : aggregate.models()) {
      for (String method : aggregate.methods()) {
        List<RunResult> runs =
            aggregate.completed().stream()
                .filter(r -> r.model.equals(model) && r.method.equals(method))
                .toList();
        if (runs.isEmpty()) {
          continue;
        }
        List<Double> referenceScores = new ArrayList<>();
        Map<Long, List<Double>> perSeed = new LinkedHashMap<>();
        for (String task : aggregate.tasks()) {
          List<RunResult> taskRuns = runs.stream().filter(r -> r.task.equals(task)).toList();
          if (taskRuns.isEmpty()) {
            continue;
          }
          RunResult ref = referenceRun(taskRuns);
          Map<Long, Double> bySeed = new LinkedHashMap<>();
          for (RunResult r : taskRuns) {
            bySeed.put(r.seed, r.test.scorePercent);
            perSeed.computeIfAbsent(r.seed, s -> new ArrayList<>()).add(r.test.scorePercent);
          }
          taskRows.add(
              new TaskRow(
                  model,
                  method,
                  task,
                  ref.test.mainMetric,
                  ref.seed,
                  ref.test.scorePercent,
                  SeedStats.of(bySeed)));
          referenceScores.add(ref.test.scorePercent);
        }
        Pscp.Costs costs =
            new Pscp.Costs(
                mean(runs.stream().map(r -> (double) r.cost.trainableParams).toList()),
                Math.max(0, mean(runs.stream().map(r -> r.cost.flopsDeltaTflops).toList())),
                mean(runs.stream().map(aggregate::memoryGb).toList()));
        double referenceP = mean(referenceScores);
        Map<Long, Double> pBySeed = new LinkedHashMap<>();
        perSeed.forEach((seed, xs) -> pBySeed.put(seed, mean(xs)));
        SeedStats pStats = SeedStats.of(pBySeed);
        Map<Double, Pscp.Breakdown> refPscp = new LinkedHashMap<>();
        Map<Double, Pscp.Breakdown> meanPscp = new LinkedHashMap<>();
        Map<Double, SeedStats> pscpStats = new LinkedHashMap<>();
        for (double beta : pscp.betas()) {
          Pscp metric = pscp.pscp(beta);
          refPscp.put(beta, metric.breakdown(referenceP, costs));
          meanPscp.put(beta, metric.breakdown(pStats.mean(), costs));
          Map<Long, Double> bySeed = new LinkedHashMap<>();
          pBySeed.forEach((seed, p) -> bySeed.put(seed, metric.score(p, costs)));
          pscpStats.put(beta, SeedStats.of(bySeed));
        }
        methodRows.add(
            new MethodRow(
                model,
                method,
                referenceScores.size(),
                costs,
                referenceP,
                refPscp,
                pStats,
                meanPscp,
                pscpStats));
      }
    }
  }

  /**
   * The run gather_results.py keeps among a task's runs: the greatest seed as decimal text (its
   * glob sorts the eval folders {@code eval_<task>_<seed>_<timestamp>} and takes the last).
   */
  public static RunResult referenceRun(List<RunResult> taskRuns) {
    return taskRuns.stream()
        .max(Comparator.comparing((RunResult r) -> Long.toString(r.seed)))
        .orElseThrow();
  }

  public Aggregate aggregate() {
    return aggregate;
  }

  public List<TaskRow> taskRows() {
    return taskRows;
  }

  public List<MethodRow> methodRows() {
    return methodRows;
  }

  private static double mean(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return s / xs.size();
  }
}
