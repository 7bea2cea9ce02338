package org.peftbench.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.tensor.Tensor;

/**
 * The reverse sweep: orders the recorded nodes so every value comes after all its consumers, then
 * runs each node's backward step once its output's gradient is complete, releasing the node right
 * after.
 */
final class Backprop {
  private Backprop() {}

  static void run(Var root, Tensor seed) {
    List<Var> order = topologicalOrder(root);
    if (root.node == null) {
      // a leaf: the seed is its gradient
      root.accumulateGrad(seed);
      return;
    }
    root.accumulateGrad(seed);
    Map<Var, Integer> constantUses = opConstantUses(order);
    OpProfile.lap("backward: order the graph");
    // order has inputs before their consumers; walk it backwards
    for (int i = order.size() - 1; i >= 0; i--) {
      Var y = order.get(i);
      Node n = y.node;
      Var[] inputs = n.inputs;
      try {
        if (y.grad != null) {
          n.backward.apply(y);
        }
      } finally {
        n.release();
        y.node = null;
        y.released = true;
        if (y.grad != null && y != root) {
          y.grad.close();
          y.grad = null;
        }
        if (y != root && y.ownsValue) {
          y.value.close();
        }
        releaseConstants(inputs, constantUses);
        OpProfile.lap(n.op, OpProfile.Phase.BACKWARD);
      }
    }
    if (root.grad != null) {
      root.grad.close();
      root.grad = null;
    }
  }

  /**
   * Op results that recorded nothing (e.g. a frozen projection of a constant) are leaves of this
   * graph, but their values were allocated by ops and are activations like any other: count how
   * many nodes read each, and close it after the last of them ran.
   */
  private static Map<Var, Integer> opConstantUses(List<Var> order) {
    Map<Var, Integer> uses = new IdentityHashMap<>();
    ArrayDeque<Var> discovered = new ArrayDeque<>();
    for (Var y : order) {
      count(y.node.inputs, uses, discovered);
    }
    while (!discovered.isEmpty()) {
      Var c = discovered.pop();
      if (c.constantInputs != null) {
        count(c.constantInputs, uses, discovered);
      }
    }
    return uses;
  }

  private static void count(Var[] inputs, Map<Var, Integer> uses, ArrayDeque<Var> discovered) {
    for (Var u : inputs) {
      if (Graph.isOpConstant(u) && uses.merge(u, 1, Integer::sum) == 1) {
        discovered.push(u);
      }
    }
  }

  private static void releaseConstants(Var[] inputs, Map<Var, Integer> uses) {
    if (inputs == null) {
      return;
    }
    for (Var u : inputs) {
      Integer left = u == null ? null : uses.get(u);
      if (left == null) {
        continue;
      }
      if (left == 1) {
        uses.remove(u);
        u.value.close();
        Var[] upstream = u.constantInputs;
        u.constantInputs = null;
        releaseConstants(upstream, uses);
      } else {
        uses.put(u, left - 1);
      }
    }
  }

  static IllegalStateException releasedError(String what) {
    return new IllegalStateException(
        "backward() through a graph that an earlier backward() already released ("
            + what
            + "); sum the losses and call backward() once");
  }

  /** Non-leaf values reachable from {@code root}, inputs before consumers (iterative DFS). */
  private static List<Var> topologicalOrder(Var root) {
    List<Var> order = new ArrayList<>();
    if (root.node == null) {
      return order;
    }
    Map<Var, Boolean> visited = new IdentityHashMap<>();
    ArrayDeque<Var> stack = new ArrayDeque<>();
    ArrayDeque<Integer> nextInput = new ArrayDeque<>();
    stack.push(root);
    nextInput.push(0);
    visited.put(root, Boolean.TRUE);
    while (!stack.isEmpty()) {
      Var v = stack.peek();
      int k = nextInput.pop();
      Var[] in = v.node.inputs;
      if (k < in.length) {
        nextInput.push(k + 1);
        Var u = in[k];
        if (u != null && u.released) {
          throw releasedError("op " + v.node.op + " reads a value whose graph is gone");
        }
        if (u != null && u.node != null && visited.put(u, Boolean.TRUE) == null) {
          stack.push(u);
          nextInput.push(0);
        }
      } else {
        stack.pop();
        order.add(v);
      }
    }
    return order;
  }
}
