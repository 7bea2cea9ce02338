package org.peftbench.autograd;

import java.util.function.Function;
import org.peftbench.tensor.Tensor;

/**
 * Activation checkpointing: runs a block (e.g. one decoder layer) without keeping its internal
 * activations, and recomputes it during backward to get the gradients. Memory drops from every
 * layer's activations to one layer's plus the layer inputs; compute grows by one extra forward.
 *
 * <p>The block must be deterministic (dropout takes an explicit seed, so it is) and must read its
 * parameters from the enclosing scope; they receive gradients during the recomputation.
 */
public final class Checkpoint {
  private Checkpoint() {}

  /**
   * {@code block(input)}, recorded as one node whose backward re-runs the block with recording on
   * and back-propagates through that fresh graph.
   *
   * @param block a function of its input and captured parameters only
   * @param input the block input, any shape
   * @return the block output (its shape is the block's)
   */
  public static Var apply(Function<Var, Var> block, Var input) {
    if (!GradMode.isEnabled()) {
      return block.apply(input);
    }
    Tensor out;
    boolean owns;
    try (var scope = GradMode.noGrad()) {
      Var y = block.apply(Var.constant(input.value));
      out = y.value;
      owns = y.ownsValue && out != input.value;
    }
    Tensor inputValue = input.value;
    Node node =
        new Node(
            "checkpoint",
            new Var[] {input},
            o -> {
              Var replayInput =
                  input.requiresGrad() ? Var.leaf(inputValue) : Var.constant(inputValue);
              Var replay;
              try (var scope = GradMode.enableGrad()) {
                replay = block.apply(replayInput);
              }
              if (replay.requiresGrad()) {
                Tensor seed = Tensor.zeros(replay.shape());
                seed.copyFrom(o.grad);
                replay.backward(seed);
              }
              if (replay.value != inputValue && replay.ownsValue) {
                replay.value.close();
              }
              if (replayInput.grad != null) {
                input.accumulateGrad(replayInput.takeGrad());
              }
            },
            null);
    // Conservatively requires a gradient: the block's parameters are not visible from here.
    return new Var(out, false, node, owns);
  }
}
