package org.peftbench.autograd;

import java.util.Arrays;
import org.peftbench.tensor.Tensor;

/**
 * A named leaf of the graph: a model weight. Trainable parameters accumulate gradients across
 * {@code backward()} calls until {@link #zeroGrad()}; frozen ones never get a gradient buffer.
 * Their values may be memory-mapped BF16/F16/F32 tensors; a trainable value that an optimizer
 * updates must be heap F32 (see {@link #setValue}).
 */
public class Parameter extends Var {
  private final String name;
  private boolean trainable;

  public Parameter(String name, Tensor value, boolean trainable) {
    super(value, false, null, false);
    this.name = name;
    this.trainable = trainable;
  }

  /** HF-style parameter name, e.g. {@code model.layers.0.self_attn.q_proj.weight}. */
  public String name() {
    return name;
  }

  public boolean isTrainable() {
    return trainable;
  }

  @Override
  public boolean requiresGrad() {
    return trainable;
  }

  /** Freezes or unfreezes; freezing drops the gradient buffer. */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable;
    if (!trainable) {
      zeroGrad();
    }
  }

  /** Drops the gradient (the next backward allocates a fresh zero-filled one). */
  public void zeroGrad() {
    if (grad != null) {
      grad.close();
      grad = null;
    }
  }

  /**
   * Replaces the value with one of the same shape, e.g. a heap F32 copy of a mapped weight before
   * training it: {@code p.setValue(p.value().toF32())}.
   */
  public void setValue(Tensor newValue) {
    if (!Arrays.equals(newValue.shape(), value.shape())) {
      throw new IllegalArgumentException(
          "parameter "
              + name
              + " has shape "
              + Arrays.toString(value.shape())
              + ", cannot set a value of shape "
              + Arrays.toString(newValue.shape()));
    }
    value = newValue;
  }

  @Override
  public String toString() {
    return "Parameter "
        + name
        + Arrays.toString(value.shape())
        + " "
        + value.dtype()
        + (trainable ? " trainable" : " frozen");
  }
}
