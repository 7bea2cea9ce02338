package org.peftbench.harness.suite;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import org.peftbench.harness.pscp.Pscp;

/**
 * How a suite's report computes PSCP: the constants, the βs to report (each a uniform β), and which
 * memory measurement stands for M_m ({@code device}, the default: the device-equivalent peak memory
 * of the reference's bf16 GPU training step, the paper's M_m; {@code tensor}: this JVM's peak live
 * tensor bytes, the analogue of PyTorch's {@code max_memory_allocated}; {@code rss}: the process's
 * peak resident set; {@code resident}: the planned device memory of the training step resident on a
 * TornadoVM device, for suites whose every run trained that way).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PscpSettings(
    Double cParams, Double cFlops, Double cMemory, List<Double> betas, String memory) {

  public static final PscpSettings DEFAULTS =
      new PscpSettings(5e8, 10.0, 94.0, List.of(1.0, 2.0), "tensor");

  public PscpSettings resolved() {
    PscpSettings d = DEFAULTS;
    PscpSettings r =
        new PscpSettings(
            cParams != null ? cParams : d.cParams,
            cFlops != null ? cFlops : d.cFlops,
            cMemory != null ? cMemory : d.cMemory,
            betas != null && !betas.isEmpty() ? List.copyOf(betas) : d.betas,
            memory != null ? memory.toLowerCase(java.util.Locale.ROOT) : d.memory);
    if (!java.util.Set.of("device", "tensor", "rss", "resident").contains(r.memory)) {
      throw new IllegalArgumentException(
          "pscp.memory must be 'device', 'tensor', 'rss' or 'resident', got " + memory);
    }
    r.constants(); // validates
    return r;
  }

  public Pscp.Constants constants() {
    return new Pscp.Constants(cParams, cFlops, cMemory);
  }

  public Pscp pscp(double beta) {
    return new Pscp(constants(), Pscp.Betas.uniform(beta));
  }
}
