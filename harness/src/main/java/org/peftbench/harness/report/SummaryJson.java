package org.peftbench.harness.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.peftbench.harness.pscp.Pscp;
import org.peftbench.harness.suite.PscpSettings;

/**
 * {@code summary.json} (schema {@code peftbench.summary/1}): the suite's results in both
 * aggregations of {@link SeedAggregation}, every PSCP factor for every β, for scripts and plots.
 * Numbers are plain JSON numbers (scores in percent); a statistic that needs two seeds is {@code
 * null} with one.
 */
public final class SummaryJson {
  public static final String SCHEMA = "peftbench.summary/1";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SummaryJson() {}

  public static String json(SeedAggregation s, String suite, String protocol) {
    ObjectNode root = JSON.createObjectNode();
    root.put("schema", SCHEMA);
    root.put("suite", suite);
    root.put("protocol", protocol);
    Aggregate a = s.aggregate();
    root.putObject("runs").put("total", a.all().size()).put("completed", a.completed().size());
    PscpSettings p = a.pscpSettings();
    ObjectNode pscp = root.putObject("pscp");
    pscp.put("c_params", p.cParams());
    pscp.put("c_flops_tflops", p.cFlops());
    pscp.put("c_memory_gb", p.cMemory());
    pscp.put("memory", p.memory());
    p.betas().forEach(pscp.putArray("betas")::add);
    root.put(
        "reference_aggregation",
        "one run per task: the seed that sorts last as text (gather_results.py's"
            + " sorted(glob(...))[-1])");
    root.put(
        "seed_aggregation",
        "mean, sample std (n-1), population std (np.std) and a 95% t interval over seeds");

    var methods = root.putArray("methods");
    for (SeedAggregation.MethodRow m : s.methodRows()) {
      ObjectNode n = methods.addObject();
      n.put("model", m.model());
      n.put("method", m.method());
      n.put("tasks", m.tasks());
      ObjectNode costs = n.putObject("costs");
      costs.put("trainable_params", m.costs().trainableParams());
      costs.put("flops_delta_tflops", m.costs().flopsDeltaTflops());
      costs.put("memory_gb", m.costs().memoryGb());
      ObjectNode ref = n.putObject("reference");
      ref.put("performance", m.referencePerformance());
      putPscp(ref.putObject("pscp"), m.referencePscp());
      ObjectNode seeds = n.putObject("over_seeds");
      putStats(seeds.putObject("performance"), m.performanceOverSeeds());
      putPscp(seeds.putObject("pscp_of_mean"), m.meanPscp());
      ObjectNode perSeed = seeds.putObject("pscp");
      m.pscpOverSeeds().forEach((beta, st) -> putStats(perSeed.putObject(betaKey(beta)), st));
    }
    var tasks = root.putArray("tasks");
    for (SeedAggregation.TaskRow t : s.taskRows()) {
      ObjectNode n = tasks.addObject();
      n.put("model", t.model());
      n.put("method", t.method());
      n.put("task", t.task());
      n.put("main_metric", t.mainMetric());
      n.putObject("reference").put("seed", t.referenceSeed()).put("score", t.referenceScore());
      putStats(n.putObject("over_seeds"), t.seeds());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String betaKey(double beta) {
    return beta == Math.rint(beta) ? Long.toString((long) beta) : Double.toString(beta);
  }

  private static void putPscp(ObjectNode node, Map<Double, Pscp.Breakdown> byBeta) {
    byBeta.forEach(
        (beta, b) -> {
          ObjectNode o = node.putObject(betaKey(beta));
          o.put("performance", b.performance());
          o.put("cost_params_factor", b.paramsFactor());
          o.put("cost_flops_factor", b.flopsFactor());
          o.put("cost_memory_factor", b.memoryFactor());
          o.put("pscp", b.pscp());
        });
  }

  private static void putStats(ObjectNode node, SeedAggregation.SeedStats s) {
    node.put("n", s.n());
    put(node, "mean", s.mean());
    put(node, "std", s.std());
    put(node, "std_population", s.stdPopulation());
    put(node, "ci95_low", s.ci95Low());
    put(node, "ci95_high", s.ci95High());
    ObjectNode by = node.putObject("by_seed");
    s.bySeed().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> by.put(Long.toString(e.getKey()), e.getValue()));
  }

  private static void put(ObjectNode node, String key, double v) {
    if (Double.isFinite(v)) {
      node.put(key, v);
    } else {
      node.putNull(key);
    }
  }
}
