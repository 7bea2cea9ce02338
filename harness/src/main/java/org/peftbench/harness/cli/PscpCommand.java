package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.peftbench.harness.pscp.Pscp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peftbench pscp}: the PSCP of one method from its score and costs. */
@Command(
    name = "pscp",
    mixinStandardHelpOptions = true,
    description = {
      "Compute PSCP = P·(1+M_p/C_p)^-β_p·(1+M_f/C_f)^-β_f·(1+M_m/C_m)^-β_m"
          + " (C_p = 5e8 params, C_f = 10 TFLOPs, C_m = 94 GB unless overridden)."
    })
public final class PscpCommand implements Callable<Integer> {
  @Range(min = 0, max = 100)
  @Option(
      names = "--performance",
      required = true,
      paramLabel = "P",
      description = "Mean task score in percent (0-100).")
  double performance;

  @Range(min = 0)
  @Option(
      names = "--params",
      required = true,
      paramLabel = "N",
      description = "Trainable parameters M_p.")
  double params;

  @Range(min = 0)
  @Option(
      names = "--flops-delta",
      required = true,
      paramLabel = "TF",
      description = "Extra inference TFLOPs per 512-token sequence M_f.")
  double flopsDelta;

  @Range(min = 0)
  @Option(
      names = "--memory-gb",
      required = true,
      paramLabel = "GB",
      description = "Peak training memory M_m in GB.")
  double memoryGb;

  @Range(min = 0, max = 100)
  @Option(
      names = "--beta",
      paramLabel = "B",
      description = "One β for all three penalties (default 1).")
  Double beta;

  @Range(min = 0, max = 100)
  @Option(names = "--beta-params", paramLabel = "B", description = "β_p (default: --beta).")
  Double betaParams;

  @Range(min = 0, max = 100)
  @Option(names = "--beta-flops", paramLabel = "B", description = "β_f (default: --beta).")
  Double betaFlops;

  @Range(min = 0, max = 100)
  @Option(names = "--beta-memory", paramLabel = "B", description = "β_m (default: --beta).")
  Double betaMemory;

  @Range(min = Double.MIN_VALUE)
  @Option(names = "--c-params", paramLabel = "C", description = "C_p (default 5e8).")
  double cParams = Pscp.Constants.PEFT_BENCH.params();

  @Range(min = Double.MIN_VALUE)
  @Option(names = "--c-flops", paramLabel = "C", description = "C_f in TFLOPs (default 10).")
  double cFlops = Pscp.Constants.PEFT_BENCH.tflops();

  @Range(min = Double.MIN_VALUE)
  @Option(names = "--c-memory", paramLabel = "C", description = "C_m in GB (default 94).")
  double cMemory = Pscp.Constants.PEFT_BENCH.memoryGb();

  @Option(names = "--json", description = "Print {\"pscp\": ...} with the factors as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (beta != null && (betaParams != null || betaFlops != null || betaMemory != null)) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "give either --beta or --beta-params/--beta-flops/--beta-memory, not both");
    }
    double base = beta == null ? 1.0 : beta;
    Pscp.Breakdown b;
    try {
      Pscp pscp =
          new Pscp(
              new Pscp.Constants(cParams, cFlops, cMemory),
              new Pscp.Betas(
                  betaParams == null ? base : betaParams,
                  betaFlops == null ? base : betaFlops,
                  betaMemory == null ? base : betaMemory));
      b = pscp.breakdown(performance, new Pscp.Costs(params, flopsDelta, memoryGb));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper m = new ObjectMapper();
      ObjectNode n = m.createObjectNode();
      n.put("pscp", b.pscp());
      n.put("performance", b.performance());
      n.put("params_factor", b.paramsFactor());
      n.put("flops_factor", b.flopsFactor());
      n.put("memory_factor", b.memoryFactor());
      out.println(m.writeValueAsString(n));
    } else {
      out.printf(
          "PSCP %.4f  (P %.4f x params %.6f x flops %.6f x memory %.6f)%n",
          b.pscp(), b.performance(), b.paramsFactor(), b.flopsFactor(), b.memoryFactor());
    }
    return ExitCodes.OK;
  }
}
