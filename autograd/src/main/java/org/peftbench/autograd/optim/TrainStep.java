package org.peftbench.autograd.optim;

import java.util.List;
import java.util.function.Consumer;
import org.peftbench.autograd.OpProfile;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.StepContext;
import org.peftbench.autograd.Var;

/**
 * One optimizer step, the only place training steps are written (the run trainer, the training
 * benchmark and the device tests use it):
 *
 * <pre>
 * for each of the G micro-batches m:                    inside StepContext(training, seed, step, m)
 *   loss_m = forward(m);  backward(loss_m / G)           gradients add up over the micro-batches
 * clip the global gradient norm to max_grad_norm         (when > 0)
 * optimizer.step(schedule.lr(step));  zero the gradients
 * </pre>
 *
 * With a mean loss per micro-batch this is the gradient of the mean over the effective batch (HF
 * Trainer's accumulation). Each micro-batch's forward and backward run inside its {@link
 * StepContext}, so every dropout mask is a function of (seed, step, micro-batch, module) and a
 * resumed run repeats the uninterrupted one exactly. A non-finite micro-batch loss stops the step
 * before any update (the gradients are cleared).
 */
public final class TrainStep {
  /** The loss of one micro-batch, computed inside its {@link StepContext}. */
  @FunctionalInterface
  public interface MicroBatchLoss {
    Var loss(int microBatch);
  }

  /**
   * What one step did.
   *
   * @param loss the mean of the micro-batch losses; the non-finite loss when the step stopped
   * @param gradNorm the global gradient norm before clipping (NaN without clipping)
   * @param lr the learning rate applied
   * @param failedMicroBatch the micro-batch whose loss was not finite, or -1
   */
  public record Result(double loss, double gradNorm, double lr, int failedMicroBatch) {
    /** Whether the step stopped on a non-finite loss (no update was made). */
    public boolean failed() {
      return failedMicroBatch >= 0;
    }
  }

  private final Optimizer optimizer;
  private final LrSchedule schedule;
  private final double maxGradNorm;
  private final GradAccumulation accumulation;
  private final long seed;

  /**
   * @param maxGradNorm the global norm gradients are clipped to; 0 = no clipping
   * @param gradAccum micro-batches per step
   * @param seed the run's seed, part of every {@link StepContext}
   */
  public TrainStep(
      Optimizer optimizer, LrSchedule schedule, double maxGradNorm, int gradAccum, long seed) {
    if (maxGradNorm < 0) {
      throw new IllegalArgumentException("max_grad_norm must be >= 0, got " + maxGradNorm);
    }
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.maxGradNorm = maxGradNorm;
    this.accumulation = new GradAccumulation(gradAccum);
    this.seed = seed;
  }

  public int gradAccum() {
    return accumulation.steps();
  }

  public List<Parameter> parameters() {
    return optimizer.parameters();
  }

  /** Runs step {@code step} (0-based). */
  public Result run(long step, MicroBatchLoss loss) {
    return run(step, loss, null);
  }

  /**
   * Runs step {@code step} (0-based); {@code beforeUpdate} (may be null) sees the parameters with
   * their final (clipped) gradients just before the optimizer updates them.
   */
  public Result run(long step, MicroBatchLoss loss, Consumer<List<Parameter>> beforeUpdate) {
    int g = accumulation.steps();
    double stepLoss = 0;
    for (int m = 0; m < g; m++) {
      try (StepContext.Scope ignored = new StepContext(true, seed, step, m).open()) {
        Var l = loss.loss(m);
        double v = l.item();
        if (!Double.isFinite(v)) {
          optimizer.zeroGrad();
          return new Result(v, Double.NaN, Double.NaN, m);
        }
        stepLoss += v / g;
        // backward inside the context: recomputed (checkpointed) blocks draw the same masks
        (g == 1 ? l : Ops.scale(l, accumulation.lossScale())).backward();
      }
    }
    double norm = Double.NaN;
    if (maxGradNorm > 0) {
      norm = GradClip.clipGlobalNorm(optimizer.parameters(), maxGradNorm);
    }
    OpProfile.lap("gradient clipping");
    if (beforeUpdate != null) {
      beforeUpdate.accept(optimizer.parameters());
    }
    double lr = schedule.lr(step);
    optimizer.step(lr);
    OpProfile.lap("optimizer step");
    optimizer.zeroGrad();
    OpProfile.lap("zero gradients");
    return new Result(stepLoss, norm, lr, -1);
  }
}
