package org.peftbench.autograd;

import java.util.Arrays;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backends;

/**
 * A value in the computation graph: a tensor, the gradient of the loss with respect to it (once
 * {@link #backward()} has run), and — for results of {@link Ops} — the node that produced it.
 *
 * <p>Leaves are {@link Parameter}s (named, trainable or frozen) and {@link #constant constants}
 * (inputs, masks). A result requires a gradient when grad mode is on and any input requires one; a
 * result that requires none records nothing, so frozen parts of a model cost no graph memory.
 *
 * <p>Memory: {@link #backward()} releases the graph as it goes. Each intermediate result's gradient
 * and the tensors its op saved are closed as soon as that op's backward step has run, and so is the
 * intermediate's own value (read what you need, e.g. logits for a metric, before calling {@code
 * backward()}). Values that ops computed from constants only while grad mode was on (a frozen
 * projection of the input embeddings, say) are activations too: they are closed after the last node
 * of the graph that reads them, directly or through other such values, has run. Closing a heap
 * tensor only ends its count in the {@code MemoryTracker}; the array stays readable. The root's
 * value, parameters and {@link #constant}s stay.
 */
public class Var {
  Tensor value;
  Tensor grad;
  Node node;

  /** Set when backward released the node that produced this value. */
  boolean released;

  /**
   * For an op result that recorded nothing (grad mode on, no input requiring a gradient): its
   * inputs that are such results too, so backward can release a frozen chain's activations.
   */
  Var[] constantInputs;

  private final boolean leafRequiresGrad;

  /** Whether {@link #value} was allocated by the op that produced it (not a view, not a leaf). */
  final boolean ownsValue;

  Var(Tensor value, boolean leafRequiresGrad, Node node, boolean ownsValue) {
    if (value == null) {
      throw new IllegalArgumentException("a Var needs a value");
    }
    this.value = value;
    this.leafRequiresGrad = leafRequiresGrad;
    this.node = node;
    this.ownsValue = ownsValue;
  }

  /** A leaf that never receives a gradient (inputs, masks, frozen buffers). */
  public static Var constant(Tensor t) {
    return new Var(t, false, null, false);
  }

  /**
   * A leaf that receives a gradient but is not a named {@link Parameter} (checkpointing, tests).
   */
  static Var leaf(Tensor t) {
    return new Var(t, true, null, false);
  }

  public Tensor value() {
    return value;
  }

  /** The accumulated gradient, same shape as the value; null until a gradient has arrived. */
  public Tensor grad() {
    return grad;
  }

  /** Whether a gradient flows into this value. */
  public boolean requiresGrad() {
    return node != null || leafRequiresGrad;
  }

  /** Whether this value was produced by a recorded op (as opposed to a leaf). */
  public boolean isLeaf() {
    return node == null;
  }

  public int[] shape() {
    return value.shape();
  }

  /** Size of dimension {@code i}; negative {@code i} counts from the end. */
  public int dim(int i) {
    return value.dim(i);
  }

  public int rank() {
    return value.rank();
  }

  /** The single element of a scalar (or one-element) value. */
  public float item() {
    if (value.numel() != 1) {
      throw new IllegalStateException("item() of a " + Arrays.toString(value.shape()) + " value");
    }
    return value.get(0);
  }

  /**
   * Back-propagates from this scalar (seed 1): every leaf that requires a gradient gets {@code
   * dThis/dLeaf} added to its {@link #grad()}. Releases the graph (see the class comment); calling
   * it twice through the same graph is an error.
   */
  public void backward() {
    if (value.numel() != 1) {
      throw new IllegalStateException(
          "backward() needs a scalar, this value is " + Arrays.toString(value.shape()));
    }
    Tensor seed = Tensor.zeros(value.shape());
    seed.fill(1f);
    backward(seed);
  }

  /** Back-propagates with an explicit seed gradient of this value's shape (taken over, closed). */
  void backward(Tensor seed) {
    if (released) {
      seed.close();
      throw Backprop.releasedError("backward() called twice on this value");
    }
    if (!requiresGrad()) {
      seed.close();
      throw new IllegalStateException(
          "backward() from a value that depends on no trainable parameter (all frozen, or computed"
              + " in no-grad mode)");
    }
    Backprop.run(this, seed);
  }

  // ---- gradient plumbing for ops ----

  /** The gradient buffer, allocated zero-filled on first use (ops add into it). */
  Tensor gradBuffer() {
    if (grad == null) {
      grad = Tensor.zeros(value.shape());
    }
    return grad;
  }

  /** Adds {@code g} (this value's element count) to the gradient and takes ownership of it. */
  void accumulateGrad(Tensor g) {
    if (grad == null) {
      grad = Arrays.equals(g.shape(), value.shape()) ? g : g.reshape(value.shape());
      return;
    }
    Backends.current().axpy(1f, g, grad);
    g.close();
  }

  /** Removes the gradient from this Var and hands it to the caller (who then owns it). */
  Tensor takeGrad() {
    Tensor g = grad;
    grad = null;
    return g;
  }

  @Override
  public String toString() {
    return "Var"
        + Arrays.toString(value.shape())
        + (node != null ? " <- " + node.op : requiresGrad() ? " leaf" : " constant");
  }
}
