package org.peftbench.harness.suite;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Training hyperparameters. Every field may be absent (null) in a suite file; {@link #overriddenBy}
 * layers a method's overrides over the suite's settings, and {@link #resolved} fills what is still
 * missing with PEFT-Bench's defaults.
 *
 * <p>PEFT-Bench defaults (examples/peftbench/*&#47;llama-3-8b-instruct/train.yaml): AdamW, learning
 * rate 5e-5, warmup ratio 0.1, weight decay 1e-5, cosine schedule, batch size 4, 10 epochs, 10% of
 * the training split held out ({@code val_size: 0.1}), evaluation on it every 5% of the optimizer
 * steps ({@code eval_steps: 0.05}, HF's {@code ceil(0.05 · max_steps)}) and the checkpoint with the
 * best validation loss kept.
 *
 * @param evalEverySteps evaluate every this many optimizer steps; when absent, every {@code
 *     evalEveryFraction} of the run's steps
 * @param evalEveryFraction evaluate every {@code ceil(fraction · total steps)} steps (HF's
 *     fractional {@code eval_steps})
 * @param validationFraction the share of the training split held out for validation ({@code
 *     val_size})
 * @param gradientCheckpointing recompute each decoder layer's activations in backward instead of
 *     keeping them ({@code gradient_checkpointing}; absent = off): the model's {@code
 *     setGradientCheckpointing}, on the per-op path and the resident device step alike. The same
 *     trajectory with less memory, so it is not part of a checkpoint's fingerprint ({@link
 *     #trajectoryText})
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingSettings(
    String optimizer,
    Double learningRate,
    String scheduler,
    Double warmupRatio,
    Double weightDecay,
    Integer batchSize,
    Integer gradAccum,
    Integer epochs,
    Double maxGradNorm,
    Integer evalEverySteps,
    Boolean shuffle,
    Double evalEveryFraction,
    Double validationFraction,
    Boolean gradientCheckpointing) {

  public static final TrainingSettings PEFT_BENCH_DEFAULTS =
      new TrainingSettings(
          "adamw", 5e-5, "cosine", 0.1, 1e-5, 4, 1, 10, 1.0, null, true, 0.05, 0.1, null);

  public static final TrainingSettings EMPTY =
      new TrainingSettings(
          null, null, null, null, null, null, null, null, null, null, null, null, null, null);

  /** The pre-protocol constructor: fractions left to the defaults. */
  public TrainingSettings(
      String optimizer,
      Double learningRate,
      String scheduler,
      Double warmupRatio,
      Double weightDecay,
      Integer batchSize,
      Integer gradAccum,
      Integer epochs,
      Double maxGradNorm,
      Integer evalEverySteps,
      Boolean shuffle) {
    this(
        optimizer,
        learningRate,
        scheduler,
        warmupRatio,
        weightDecay,
        batchSize,
        gradAccum,
        epochs,
        maxGradNorm,
        evalEverySteps,
        shuffle,
        null,
        null,
        null);
  }

  /** The protocol's constructor: no gradient checkpointing. */
  public TrainingSettings(
      String optimizer,
      Double learningRate,
      String scheduler,
      Double warmupRatio,
      Double weightDecay,
      Integer batchSize,
      Integer gradAccum,
      Integer epochs,
      Double maxGradNorm,
      Integer evalEverySteps,
      Boolean shuffle,
      Double evalEveryFraction,
      Double validationFraction) {
    this(
        optimizer,
        learningRate,
        scheduler,
        warmupRatio,
        weightDecay,
        batchSize,
        gradAccum,
        epochs,
        maxGradNorm,
        evalEverySteps,
        shuffle,
        evalEveryFraction,
        validationFraction,
        null);
  }

  /** Whether {@code gradient_checkpointing} is on (absent = off). */
  public boolean checkpointsGradients() {
    return Boolean.TRUE.equals(gradientCheckpointing);
  }

  /** These settings with {@code gradient_checkpointing} set. */
  public TrainingSettings withGradientCheckpointing(Boolean on) {
    return new TrainingSettings(
        optimizer,
        learningRate,
        scheduler,
        warmupRatio,
        weightDecay,
        batchSize,
        gradAccum,
        epochs,
        maxGradNorm,
        evalEverySteps,
        shuffle,
        evalEveryFraction,
        validationFraction,
        on);
  }

  /**
   * Every setting that shapes the training trajectory, as text for a checkpoint's fingerprint: all
   * but {@code gradient_checkpointing} (recomputation gives the same losses and gradients), in the
   * form fingerprints had before that setting existed, so earlier checkpoints still resume.
   */
  public String trajectoryText() {
    return "TrainingSettings[optimizer="
        + optimizer
        + ", learningRate="
        + learningRate
        + ", scheduler="
        + scheduler
        + ", warmupRatio="
        + warmupRatio
        + ", weightDecay="
        + weightDecay
        + ", batchSize="
        + batchSize
        + ", gradAccum="
        + gradAccum
        + ", epochs="
        + epochs
        + ", maxGradNorm="
        + maxGradNorm
        + ", evalEverySteps="
        + evalEverySteps
        + ", shuffle="
        + shuffle
        + ", evalEveryFraction="
        + evalEveryFraction
        + ", validationFraction="
        + validationFraction
        + "]";
  }

  /**
   * Optimizer steps between two evaluations of a run of {@code totalSteps}: {@code
   * eval_every_steps} when given, else {@code ceil(eval_every_fraction · totalSteps)} (at least 1).
   */
  public int evalIntervalSteps(int totalSteps) {
    if (evalEverySteps != null) {
      return evalEverySteps;
    }
    double f =
        evalEveryFraction != null ? evalEveryFraction : PEFT_BENCH_DEFAULTS.evalEveryFraction;
    return Math.max(1, (int) Math.ceil(f * totalSteps));
  }

  /** These settings with every non-null field of {@code o} taking precedence. */
  public TrainingSettings overriddenBy(TrainingSettings o) {
    if (o == null) {
      return this;
    }
    return new TrainingSettings(
        pick(o.optimizer, optimizer),
        pick(o.learningRate, learningRate),
        pick(o.scheduler, scheduler),
        pick(o.warmupRatio, warmupRatio),
        pick(o.weightDecay, weightDecay),
        pick(o.batchSize, batchSize),
        pick(o.gradAccum, gradAccum),
        pick(o.epochs, epochs),
        pick(o.maxGradNorm, maxGradNorm),
        pick(o.evalEverySteps, evalEverySteps),
        pick(o.shuffle, shuffle),
        pick(o.evalEveryFraction, evalEveryFraction),
        pick(o.validationFraction, validationFraction),
        pick(o.gradientCheckpointing, gradientCheckpointing));
  }

  /** PEFT-Bench's defaults overridden by these settings, validated. */
  public TrainingSettings resolved() {
    TrainingSettings r = PEFT_BENCH_DEFAULTS.overriddenBy(this);
    r.validate();
    return r;
  }

  void validate() {
    if (!"adamw".equalsIgnoreCase(optimizer) && !"sgd".equalsIgnoreCase(optimizer)) {
      throw new IllegalArgumentException("optimizer must be adamw or sgd, got '" + optimizer + "'");
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          "learning_rate must be a finite number > 0, got " + learningRate);
    }
    if (!java.util.List.of("constant", "linear", "cosine")
        .contains(scheduler.toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException(
          "scheduler must be constant, linear or cosine, got '" + scheduler + "'");
    }
    if (!(warmupRatio >= 0 && warmupRatio <= 1)) { // NaN too
      throw new IllegalArgumentException("warmup_ratio must be in [0, 1], got " + warmupRatio);
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException(
          "weight_decay must be a finite number >= 0, got " + weightDecay);
    }
    if (batchSize < 1 || gradAccum < 1 || epochs < 1) {
      throw new IllegalArgumentException("batch_size, grad_accum and epochs must be >= 1");
    }
    if (!(maxGradNorm >= 0) || !Double.isFinite(maxGradNorm)) {
      throw new IllegalArgumentException(
          "max_grad_norm must be a finite number >= 0 (0 = no clipping), got " + maxGradNorm);
    }
    if (evalEverySteps != null && evalEverySteps < 1) {
      throw new IllegalArgumentException("eval_every_steps must be >= 1");
    }
    if (!(evalEveryFraction > 0 && evalEveryFraction <= 1)) {
      throw new IllegalArgumentException(
          "eval_every_fraction must be in (0, 1], got " + evalEveryFraction);
    }
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new IllegalArgumentException(
          "validation_fraction must be in (0, 1), got " + validationFraction);
    }
  }

  private static <T> T pick(T over, T base) {
    return over != null ? over : base;
  }
}
