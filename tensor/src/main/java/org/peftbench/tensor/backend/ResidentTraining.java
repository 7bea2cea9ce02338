package org.peftbench.tensor.backend;

/**
 * An optional capability of a {@link Backend}: a whole training step resident on its device. The
 * backend keeps the frozen weights, the trainable parameters, their gradients and the optimizer's
 * moments in device memory; per step only the batch goes in and the loss comes out.
 *
 * <p>The {@link Backend} interface runs one kernel per call, so autograd's training step copies
 * every activation to the device and back. A backend that implements this interface runs the
 * forward of every layer (keeping the activations backward needs), the loss, the backward of every
 * layer, the accumulation of the trainable parameters' gradients, gradient clipping and AdamW as
 * one unit on the device, described by a {@link LlamaTrainSpec}.
 *
 * <p>The contract is autograd's training step on the same model and method (the model's per-op
 * forward, {@code Backprop}, {@code GradClip.clipGlobalNorm} and {@code AdamW}): an implementation
 * must give the same losses and parameters up to float rounding.
 */
public interface ResidentTraining {
  /**
   * Builds the step for {@code spec} and uploads its weights and parameters (compiling the device
   * program is left to the first {@link ResidentTrainer#step}).
   *
   * @throws IllegalArgumentException when the spec has something the device step cannot run
   */
  ResidentTrainer openTrainer(LlamaTrainSpec spec);
}
