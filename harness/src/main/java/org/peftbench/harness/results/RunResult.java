package org.peftbench.harness.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result file of one run ({@code runs/<run id>.json}), schema {@value #SCHEMA}.
 *
 * <p>Everything outside {@link #measurements} and {@link #provenance} depends only on the suite,
 * the data and the seed: two runs of the same config give identical values there, whatever the
 * thread count. {@code measurements} holds what depends on the machine (times, throughput, memory);
 * {@code provenance} says where and with what the run was made.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "schema",
  "run_id",
  "config_hash",
  "suite",
  "status",
  "status_message",
  "model",
  "method",
  "peft_type",
  "task",
  "seed",
  "config",
  "train",
  "evaluations",
  "test",
  "cost",
  "measurements",
  "provenance"
})
public final class RunResult {
  public static final String SCHEMA = "peftbench.run/1";

  /** Run states. A run is complete (and skipped on re-runs) only when COMPLETED. */
  public enum Status {
    COMPLETED,
    /** Training produced a NaN or infinite loss; the run stopped there. */
    NONFINITE_LOSS,
    /** Any other error; {@code status_message} says which. */
    FAILED
  }

  public String schema = SCHEMA;
  public String runId;

  /** {@code Suite.RunSpec#configHash()} of the configuration this result is for. */
  public String configHash;

  public String suite;
  public Status status;
  public String statusMessage;
  public String model;
  public String method;
  public String peftType;
  public String task;
  public long seed;

  /** The effective settings: {@code peft} (adapter config), training, caps, evaluation. */
  public ObjectNode config;

  public Train train = new Train();
  public List<Evaluation> evaluations = new ArrayList<>();
  public Test test;
  public Cost cost = new Cost();
  public Measurements measurements = new Measurements();
  public Provenance provenance;

  /** The training trajectory. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static final class Train {
    public int steps;
    public int plannedSteps;
    public int trainExamples;

    /** The mean training loss of every optimizer step, in order. */
    public List<Double> losses = new ArrayList<>();

    /** The step whose adapter was kept (lowest validation loss). */
    public Integer bestStep;

    public Double bestValidationLoss;
  }

  /** One periodic evaluation on the validation split. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Evaluation(int step, double epoch, double validationLoss, double trainLoss) {}

  /** Final metrics on the test split with the kept adapter. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static final class Test {
    public String mode;
    public int examples;
    public Map<String, Double> metrics = new LinkedHashMap<>();
    public String mainMetric;

    /** The main metric in percent: the P of PSCP. */
    public double scorePercent;

    /** The first few predictions, for a human look. */
    public List<Map<String, String>> samples = new ArrayList<>();
  }

  /** Deterministic costs: counts and analytical FLOPs. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static final class Cost {
    public long trainableParams;
    public long totalParams;

    /** Forward FLOPs of one 512-token sequence, base model. */
    public double forwardFlopsBase;

    /** The same for the adapted model unmerged, as trained (the paper's M_f definition). */
    public double forwardFlopsAdapted;

    /** The method could fold into the weights for serving (M_f still counts it unmerged). */
    public boolean mergedForInference;

    /** M_f of PSCP: (adapted − base) / 1e12. */
    public double flopsDeltaTflops;

    /**
     * M_m of PSCP: the device-equivalent peak memory of the reference's bf16 training step at this
     * run's batch size and longest training sequence, in GB ({@code peft.DeviceMemory}); null in
     * results written before it existed.
     */
    public Double deviceMemoryGb;

    /** The batch size and padded sequence length (before virtual tokens) of that estimate. */
    public Integer deviceMemoryBatch;

    public Integer deviceMemorySequenceLength;
  }

  /** Machine-dependent measurements. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static final class Measurements {
    public Double peakRssGb;
    public Double peakTensorGb;

    /**
     * The device memory of the training step resident on the device (planned for the whole step:
     * weights, parameters, AdamW's moments, activations, scratch), in GB; null when steps ran per
     * operation. {@code pscp.memory: resident} uses it as M_m.
     */
    public Double residentStepDeviceGb;

    public Double secondsPerStep;
    public Double trainSeconds;
    public Double evalSeconds;
    public Double prefillTokensPerSecondBase;
    public Double decodeTokensPerSecondBase;
    public Double prefillTokensPerSecondAdapted;
    public Double decodeTokensPerSecondAdapted;

    /** Whether training resumed from a checkpoint (a previous attempt was interrupted). */
    public Boolean resumed;
  }
}
