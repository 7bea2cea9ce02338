/**
 * Optimizers ({@link org.peftbench.autograd.optim.AdamW}, {@link org.peftbench.autograd.optim.Sgd})
 * matching PyTorch's update formulas in float32, HuggingFace learning-rate schedules ({@link
 * org.peftbench.autograd.optim.LrSchedule}), global gradient-norm clipping ({@link
 * org.peftbench.autograd.optim.GradClip}), gradient accumulation ({@link
 * org.peftbench.autograd.optim.GradAccumulation}) and optimizer state files for resuming (a
 * safetensors file written atomically).
 */
package org.peftbench.autograd.optim;
