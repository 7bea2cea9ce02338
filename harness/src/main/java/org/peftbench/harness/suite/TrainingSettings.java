package org.peftbench.harness.suite;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Training hyperparameters. Every field may be absent (null) in a suite file; {@link #overriddenBy}
 * layers a method's overrides over the suite's settings, and {@link #resolved} fills what is still
 * missing with PEFT-Bench's defaults.
 *
 * <p>PEFT-Bench defaults: AdamW, learning rate 5e-5, warmup ratio 0.1, weight decay 1e-5, cosine
 * schedule, batch size 4, 10 epochs, evaluation on the validation split during training and the
 * checkpoint with the best validation loss kept.
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
    Boolean shuffle) {

  public static final TrainingSettings PEFT_BENCH_DEFAULTS =
      new TrainingSettings("adamw", 5e-5, "cosine", 0.1, 1e-5, 4, 1, 10, 1.0, null, true);

  public static final TrainingSettings EMPTY =
      new TrainingSettings(null, null, null, null, null, null, null, null, null, null, null);

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
        pick(o.shuffle, shuffle));
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
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning_rate must be > 0, got " + learningRate);
    }
    if (!java.util.List.of("constant", "linear", "cosine")
        .contains(scheduler.toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException(
          "scheduler must be constant, linear or cosine, got '" + scheduler + "'");
    }
    if (warmupRatio < 0 || warmupRatio > 1) {
      throw new IllegalArgumentException("warmup_ratio must be in [0, 1], got " + warmupRatio);
    }
    if (weightDecay < 0) {
      throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
    }
    if (batchSize < 1 || gradAccum < 1 || epochs < 1) {
      throw new IllegalArgumentException("batch_size, grad_accum and epochs must be >= 1");
    }
    if (maxGradNorm < 0) {
      throw new IllegalArgumentException("max_grad_norm must be >= 0 (0 = no clipping)");
    }
    if (evalEverySteps != null && evalEverySteps < 1) {
      throw new IllegalArgumentException("eval_every_steps must be >= 1");
    }
  }

  private static <T> T pick(T over, T base) {
    return over != null ? over : base;
  }
}
