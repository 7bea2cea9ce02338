package org.peftbench.autograd;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.peftbench.tensor.Tensor;

/**
 * Activation checkpointing: runs a block (e.g. one decoder layer) without keeping its internal
 * activations, and recomputes it during backward to get the gradients. Memory drops from every
 * layer's activations to one layer's plus the layer inputs; compute grows by one extra forward.
 *
 * <p>The block must read its parameters from the enclosing scope (they receive gradients during the
 * recomputation) and compute the same thing when run again. Dropout is taken care of: the first run
 * applies dropout although it records no graph, and notes the seed of every {@link Ops#dropout}
 * call; the recomputation replays those seeds in order, so blocks that draw seeds from a counter
 * (advancing on every call) still get the same masks.
 */
public final class Checkpoint {
  private Checkpoint() {}

  /** Dropout seeds of one block run: noted during the first run, replayed in the recomputation. */
  private static final class SeedTape {
    final List<Long> seeds = new ArrayList<>();
    final boolean replay;
    final SeedTape parent; // an enclosing checkpoint's tape (nested checkpoints), or null
    int next;

    SeedTape(boolean replay, SeedTape parent) {
      this.replay = replay;
      this.parent = parent;
    }

    long seed(long requested) {
      if (replay) {
        if (next >= seeds.size()) {
          throw new IllegalStateException(
              "checkpointed block called dropout more often when recomputed than in its first run");
        }
        return seeds.get(next++);
      }
      long s = parent == null ? requested : parent.seed(requested);
      seeds.add(s);
      return s;
    }
  }

  private static final ThreadLocal<SeedTape> TAPE = new ThreadLocal<>();

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
    SeedTape outer = TAPE.get();
    SeedTape tape = new SeedTape(false, outer);
    TAPE.set(tape);
    List<Var> made = new ArrayList<>();
    List<Var> outerCollector = Graph.collect(made);
    try (var scope = GradMode.noGrad()) {
      Var y = block.apply(Var.constant(input.value));
      out = y.value;
      owns = y.ownsValue && out != input.value;
    } finally {
      TAPE.set(outer);
      Graph.restoreCollector(outerCollector);
    }
    // the block's intermediate values are not kept: stop counting them now, not at the next GC
    for (Var v : made) {
      if (v.value.storage() != out.storage()) {
        v.value.close();
      }
    }
    List<Long> seeds = tape.seeds;
    Tensor inputValue = input.value;
    Node node =
        new Node(
            "checkpoint",
            new Var[] {input},
            o -> {
              Var replayInput =
                  input.requiresGrad() ? Var.leaf(inputValue) : Var.constant(inputValue);
              Var replay;
              SeedTape saved = TAPE.get();
              SeedTape replayTape = new SeedTape(true, saved);
              replayTape.seeds.addAll(seeds);
              TAPE.set(replayTape);
              try (var scope = GradMode.enableGrad()) {
                replay = block.apply(replayInput);
              } finally {
                TAPE.set(saved);
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

  /** Whether dropout must act although grad mode is off (the first run of a checkpointed block). */
  static boolean forcesDropout() {
    SeedTape t = TAPE.get();
    return t != null && !t.replay;
  }

  /** The seed a dropout call uses: noted in a first run, the noted one in a recomputation. */
  static long dropoutSeed(long seed) {
    SeedTape t = TAPE.get();
    return t == null ? seed : t.seed(seed);
  }
}
