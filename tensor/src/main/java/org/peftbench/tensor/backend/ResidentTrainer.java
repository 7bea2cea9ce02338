package org.peftbench.tensor.backend;

/**
 * A training step resident on a device ({@link ResidentTraining}): the trainable parameters live
 * there between steps and come back only when asked ({@link #copyParametersToHost}).
 */
public interface ResidentTrainer extends AutoCloseable {
  /**
   * One optimizer step on one batch: forward, mean next-token cross-entropy over the counted
   * positions, backward, global gradient-norm clipping (when the spec's max norm is {@code > 0}),
   * AdamW at learning rate {@code lr}.
   *
   * @param batch the tokens, aligned labels ({@code -100} = not predicted), positions and padding
   * @param lr the learning rate of this step
   * @return the loss before the update and the gradient norm before clipping
   */
  StepResult step(TrainBatch batch, double lr);

  /** What one step measured. */
  record StepResult(float loss, float gradNorm) {}

  /**
   * Copies the trained values back into the host tensors of the spec's trainables (at checkpoints
   * and at the end of training).
   */
  void copyParametersToHost();

  /**
   * Device memory the step needs, planned when it was built: weights, parameters and optimizer
   * state, every activation kept for backward and every scratch buffer, in bytes.
   */
  long plannedDeviceBytes();

  /** Steps that ran on the device so far. */
  long deviceSteps();

  /**
   * Operations of the steps that ran on the host instead of the device (a resident step runs none:
   * tests assert this stays 0, so a silent fallback to the host fails them).
   */
  long hostOperations();

  @Override
  void close();
}
