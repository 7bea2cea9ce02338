package org.peftbench.harness.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.peftbench.harness.pscp.Pscp;
import org.peftbench.harness.results.RunResult;
import org.peftbench.harness.suite.PscpSettings;

/**
 * Summaries over runs: per (model, method, task) the mean ± standard deviation of the test score
 * over seeds, and per (model, method) the mean task score P, the mean costs and PSCP.
 *
 * <p>Only COMPLETED runs count. The standard deviation is the sample one (n − 1), 0 for one seed.
 */
public final class Aggregate {

  /** Mean and sample standard deviation of {@code n} values. */
  public record Stat(double mean, double std, int n) {
    public static Stat of(Collection<Double> xs) {
      int n = xs.size();
      if (n == 0) {
        return new Stat(Double.NaN, Double.NaN, 0);
      }
      double sum = 0;
      for (double x : xs) {
        sum += x;
      }
      double mean = sum / n;
      double ss = 0;
      for (double x : xs) {
        ss += (x - mean) * (x - mean);
      }
      return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0.0, n);
    }
  }

  /** PSCP row of one (model, method): the score, the costs and PSCP for every β. */
  public record MethodSummary(
      String model,
      String method,
      double performance,
      int tasks,
      double trainableParams,
      double flopsDeltaTflops,
      double memoryGb,
      Map<Double, Pscp.Breakdown> pscpByBeta) {}

  private final List<RunResult> completed;
  private final List<RunResult> all;
  private final PscpSettings pscp;

  public Aggregate(List<RunResult> runs, PscpSettings pscp) {
    this.all = List.copyOf(runs);
    this.completed =
        runs.stream()
            .filter(r -> r.status == RunResult.Status.COMPLETED && r.test != null)
            .toList();
    this.pscp = pscp.resolved();
  }

  public List<RunResult> all() {
    return all;
  }

  public List<RunResult> completed() {
    return completed;
  }

  public PscpSettings pscpSettings() {
    return pscp;
  }

  public List<String> models() {
    return distinct(all, r -> r.model);
  }

  /** Methods in the order they first appear (the suite's order when runs come from one suite). */
  public List<String> methods() {
    return distinct(all, r -> r.method);
  }

  public List<String> tasks() {
    return distinct(all, r -> r.task);
  }

  /** Test score (percent) of (model, method, task) over its completed seeds. */
  public Stat score(String model, String method, String task) {
    List<Double> xs = new ArrayList<>();
    for (RunResult r : completed) {
      if (r.model.equals(model) && r.method.equals(method) && r.task.equals(task)) {
        xs.add(r.test.scorePercent);
      }
    }
    return Stat.of(xs);
  }

  /** The main metric's name for a task (from its first completed run). */
  public String mainMetric(String task) {
    for (RunResult r : completed) {
      if (r.task.equals(task)) {
        return r.test.mainMetric;
      }
    }
    return "";
  }

  /** The memory measurement PSCP uses for a run, in GB. */
  public double memoryGb(RunResult r) {
    Double v =
        switch (pscp.memory()) {
          case "rss" -> r.measurements.peakRssGb;
          case "tensor" -> r.measurements.peakTensorGb;
          case "resident" -> r.measurements.residentStepDeviceGb;
          default -> r.cost.deviceMemoryGb;
        };
    if (v == null && pscp.memory().equals("resident")) {
      // never mix a device's measured step with another measure (or a 0) in one ranking
      throw new IllegalArgumentException(
          "pscp.memory 'resident': run "
              + r.model
              + " / "
              + r.method
              + " / "
              + r.task
              + " trained without a resident device step (no resident_step_device_gb); use"
              + " 'device', 'tensor' or 'rss'");
    }
    return v == null ? 0.0 : v;
  }

  /** One summary per (model, method) that has at least one completed run. */
  public List<MethodSummary> methodSummaries() {
    List<MethodSummary> out = new ArrayList<>();
    for (String model : models()) {
      for (String method : methods()) {
        List<RunResult> runs =
            completed.stream()
                .filter(r -> r.model.equals(model) && r.method.equals(method))
                .toList();
        if (runs.isEmpty()) {
          continue;
        }
        List<Double> taskMeans = new ArrayList<>();
        for (String task : tasks()) {
          Stat s = score(model, method, task);
          if (s.n() > 0) {
            taskMeans.add(s.mean());
          }
        }
        double p = Stat.of(taskMeans).mean();
        double params = mean(runs, r -> r.cost.trainableParams);
        double flops = Math.max(0.0, mean(runs, r -> r.cost.flopsDeltaTflops));
        double mem = mean(runs, this::memoryGb);
        Map<Double, Pscp.Breakdown> byBeta = new LinkedHashMap<>();
        for (double beta : pscp.betas()) {
          byBeta.put(beta, pscp.pscp(beta).breakdown(p, new Pscp.Costs(params, flops, mem)));
        }
        out.add(new MethodSummary(model, method, p, taskMeans.size(), params, flops, mem, byBeta));
      }
    }
    return out;
  }

  private static double mean(List<RunResult> runs, ToDoubleFunction<RunResult> f) {
    double s = 0;
    for (RunResult r : runs) {
      s += f.applyAsDouble(r);
    }
    return s / runs.size();
  }

  private static List<String> distinct(
      List<RunResult> runs, java.util.function.Function<RunResult, String> f) {
    LinkedHashSet<String> s = new LinkedHashSet<>();
    for (RunResult r : runs) {
      s.add(f.apply(r));
    }
    return List.copyOf(s);
  }
}
