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
   * AdamW's state of each trainable, in the spec's order: the first and second moments and the
   * number of steps taken (the bias correction's t). What a checkpoint needs to resume.
   */
  record OptimizerState(
      long steps, java.util.List<float[]> expAvg, java.util.List<float[]> expAvgSq) {}

  /** Copies AdamW's moments from the device (at checkpoints). */
  OptimizerState copyOptimizerStateToHost();

  /**
   * Continues from a checkpoint's optimizer state: loaded before the first step (it goes to the
   * device with the parameters).
   *
   * @throws IllegalStateException after the first step
   * @throws IllegalArgumentException when the sizes do not match the spec's trainables
   */
  void loadOptimizerState(OptimizerState state);

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
