package org.peftbench.autograd.optim;

/**
 * Counts micro-batches for gradient accumulation: each micro-batch's loss is scaled by {@link
 * #lossScale()} before {@code backward()} (gradients add up across calls), and {@link #microStep()}
 * says when the accumulated gradient is complete and the optimizer should step. With a mean loss
 * per micro-batch this reproduces the gradient of the mean over the whole effective batch.
 *
 * <pre>{@code
 * GradAccumulation acc = new GradAccumulation(4);
 * for (Batch b : batches) {
 *   Ops.scale(loss(b), acc.lossScale()).backward();
 *   if (acc.microStep()) {
 *     GradClip.clipGlobalNorm(params, 1.0);
 *     optimizer.step(schedule.lr(acc.optimizerSteps() - 1));
 *     optimizer.zeroGrad();
 *   }
 * }
 * }</pre>
 */
public final class GradAccumulation {
  private final int steps;
  private long micro;

  public GradAccumulation(int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("gradient accumulation steps must be >= 1, got " + steps);
    }
    this.steps = steps;
  }

  /** The factor for each micro-batch loss: {@code 1 / steps}. */
  public float lossScale() {
    return 1f / steps;
  }

  /** Records one micro-batch; true when it completes an accumulation window. */
  public boolean microStep() {
    micro++;
    return micro % steps == 0;
  }

  /** Completed optimizer steps so far. */
  public long optimizerSteps() {
    return micro / steps;
  }

  public int steps() {
    return steps;
  }
}
