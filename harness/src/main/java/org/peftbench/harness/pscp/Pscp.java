package org.peftbench.harness.pscp;

/**
 * PSCP, "PEFT Soft Cost Penalties" (PEFT-Bench): a task score discounted by what the method costs.
 *
 * <pre>
 * PSCP = P · (1 + M_p/C_p)^(−β_p) · (1 + M_f/C_f)^(−β_f) · (1 + M_m/C_m)^(−β_m)
 * </pre>
 *
 * <ul>
 *   <li>P: the mean task score in percent;
 *   <li>M_p: trainable parameters, C_p = 5·10⁸ parameters;
 *   <li>M_f: extra inference FLOPs of the adapted model over the base model for one 512-token
 *       sequence, in TFLOPs; C_f = 10 TFLOPs;
 *   <li>M_m: peak training memory in GB, C_m = 94 GB (one H100 NVL);
 *   <li>β: how hard each cost is penalised (1 by default; the report also shows β = 2).
 * </ul>
 *
 * <p>Each factor is 1 at zero cost and halves (for β = 1) when the cost equals its constant, so a
 * "soft" penalty: cheap methods lose almost nothing, costs near the constants weigh in.
 */
public record Pscp(Constants constants, Betas betas) {

  /** The normalising constants C_p (parameters), C_f (TFLOPs) and C_m (GB). */
  public record Constants(double params, double tflops, double memoryGb) {
    public static final Constants PEFT_BENCH = new Constants(5e8, 10.0, 94.0);

    public Constants {
      if (!(params > 0) || !(tflops > 0) || !(memoryGb > 0)) {
        throw new IllegalArgumentException(
            "PSCP constants must be positive, got C_p="
                + params
                + " C_f="
                + tflops
                + " C_m="
                + memoryGb);
      }
    }
  }

  /** The exponents β_p, β_f, β_m. */
  public record Betas(double params, double flops, double memory) {
    public static Betas uniform(double beta) {
      return new Betas(beta, beta, beta);
    }

    public Betas {
      if (!Double.isFinite(params) || !Double.isFinite(flops) || !Double.isFinite(memory)) {
        throw new IllegalArgumentException("PSCP betas must be finite numbers");
      }
    }
  }

  /** The three cost measurements of one method. */
  public record Costs(double trainableParams, double flopsDeltaTflops, double memoryGb) {
    public Costs {
      check("trainable parameters", trainableParams);
      check("FLOPs delta (TFLOPs)", flopsDeltaTflops);
      check("memory (GB)", memoryGb);
    }

    private static void check(String what, double v) {
      if (!Double.isFinite(v) || v < 0) {
        throw new IllegalArgumentException(
            "PSCP " + what + " must be a finite number >= 0, got " + v);
      }
    }
  }

  /** The score and the three multiplicative penalty factors, for tables that show them. */
  public record Breakdown(
      double performance,
      double paramsFactor,
      double flopsFactor,
      double memoryFactor,
      double pscp) {}

  public static Pscp peftBench(double beta) {
    return new Pscp(Constants.PEFT_BENCH, Betas.uniform(beta));
  }

  /** PSCP of a method with mean task score {@code performancePercent} (0–100) and these costs. */
  public double score(double performancePercent, Costs costs) {
    return breakdown(performancePercent, costs).pscp();
  }

  public Breakdown breakdown(double performancePercent, Costs costs) {
    if (!Double.isFinite(performancePercent)) {
      throw new IllegalArgumentException("PSCP performance must be finite");
    }
    double fp = factor(costs.trainableParams(), constants.params(), betas.params());
    double ff = factor(costs.flopsDeltaTflops(), constants.tflops(), betas.flops());
    double fm = factor(costs.memoryGb(), constants.memoryGb(), betas.memory());
    return new Breakdown(performancePercent, fp, ff, fm, performancePercent * fp * ff * fm);
  }

  /** (1 + M/C)^(−β). */
  static double factor(double cost, double constant, double beta) {
    return Math.pow(1.0 + cost / constant, -beta);
  }
}
