package org.peftbench.autograd;

import java.util.List;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;

/** Helpers the op families share: recording a result and small tensor utilities. */
final class Graph {
  private Graph() {}

  static Backend be() {
    return Backends.current();
  }

  /** Whether an op over these inputs must record a node. */
  static boolean recording(Var... inputs) {
    if (!GradMode.isEnabled()) {
      return false;
    }
    for (Var v : inputs) {
      if (v != null && v.requiresGrad()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Wraps an op's result. When recording, the node keeps {@code inputs}, {@code backward} and the
   * {@code saved} tensors (closed after the backward step); otherwise the saved tensors are closed
   * now and the result is a constant.
   *
   * @param owns whether {@code value} was freshly allocated by the op (false for views)
   */
  static Var result(
      String op,
      Tensor value,
      boolean owns,
      Node.Backward backward,
      Tensor[] saved,
      Var... inputs) {
    OpProfile.lap(op, OpProfile.Phase.FORWARD);
    if (recording(inputs)) {
      return new Var(value, false, new Node(op, inputs, backward, saved), owns);
    }
    List<Var> collector = COLLECTOR.get();
    if (saved != null) {
      for (Tensor t : saved) {
        if (t != null) {
          t.close();
        }
      }
    }
    Var constant = new Var(value, false, null, owns);
    if (GradMode.isEnabled()) {
      constant.constantInputs = opConstants(inputs);
    }
    if (collector != null && owns) {
      collector.add(constant);
    }
    return constant;
  }

  /** When set, op results that record nothing are also added to this list (see Checkpoint). */
  private static final ThreadLocal<List<Var>> COLLECTOR = new ThreadLocal<>();

  /** Starts collecting unrecorded op results on this thread; returns the previous collector. */
  static List<Var> collect(List<Var> into) {
    List<Var> previous = COLLECTOR.get();
    COLLECTOR.set(into);
    return previous;
  }

  /** Restores the collector returned by {@link #collect}. */
  static void restoreCollector(List<Var> previous) {
    COLLECTOR.set(previous);
  }

  /** Whether v is an op result that recorded nothing (its value allocated by the op). */
  static boolean isOpConstant(Var v) {
    return v != null && v.node == null && v.ownsValue && !v.requiresGrad() && !v.released;
  }

  private static Var[] opConstants(Var[] inputs) {
    int n = 0;
    for (Var v : inputs) {
      if (isOpConstant(v)) {
        n++;
      }
    }
    if (n == 0) {
      return null;
    }
    Var[] out = new Var[n];
    int i = 0;
    for (Var v : inputs) {
      if (isOpConstant(v)) {
        out[i++] = v;
      }
    }
    return out;
  }

  static Var result(String op, Tensor value, Node.Backward backward, Var... inputs) {
    return result(op, value, true, backward, null, inputs);
  }

  /** {@code t} itself if it is heap F32, else a decoded heap copy (the caller closes copies). */
  static Tensor heap(Tensor t) {
    return t.isHeapF32() ? t : t.toF32();
  }

  /** Closes {@code copy} if it is not {@code original} (pairs with {@link #heap}). */
  static void closeCopy(Tensor copy, Tensor original) {
    if (copy != original) {
      copy.close();
    }
  }

  /** Adds {@code g} into v's gradient buffer without taking ownership of {@code g}. */
  static void addGrad(Var v, Tensor g) {
    be().axpy(1f, g, v.gradBuffer());
  }

  /** Product of {@code shape[from..to)}. */
  static int prod(int[] shape, int from, int to) {
    int n = 1;
    for (int i = from; i < to; i++) {
      n *= shape[i];
    }
    return n;
  }

  static int axis(int axis, int rank) {
    int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
    }
    return a;
  }
}
