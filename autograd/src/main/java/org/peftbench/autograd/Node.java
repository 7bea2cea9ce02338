package org.peftbench.autograd;

import org.peftbench.tensor.Tensor;

/**
 * The record of one op in the graph: its inputs, how to send the output's gradient back to them,
 * and the tensors it saved for that (closed right after the backward step ran).
 */
final class Node {
  /** Sends {@code out.grad()} to the inputs of the op that produced {@code out}. */
  @FunctionalInterface
  interface Backward {
    void apply(Var out);
  }

  final String op;
  Var[] inputs;
  Backward backward;
  Tensor[] saved;

  Node(String op, Var[] inputs, Backward backward, Tensor[] saved) {
    this.op = op;
    this.inputs = inputs;
    this.backward = backward;
    this.saved = saved;
  }

  /** Drops everything the node holds so the graph and its activations can be collected. */
  void release() {
    if (saved != null) {
      for (Tensor t : saved) {
        if (t != null) {
          t.close();
        }
      }
    }
    saved = null;
    inputs = null;
    backward = null;
  }
}
