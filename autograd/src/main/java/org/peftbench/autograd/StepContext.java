package org.peftbench.autograd;

import java.nio.charset.StandardCharsets;

/**
 * Where a forward pass stands in training: whether it trains, the run's seed, the optimizer step
 * and the micro-batch within it. Every random choice a training forward makes (dropout masks) is a
 * function of this context and the module's name, never of hidden counters, so a run killed and
 * resumed from a checkpoint draws exactly the masks the uninterrupted run draws, and the
 * recomputation of a checkpointed block draws the masks of its first run.
 *
 * <p>The training step opens the context around each micro-batch's forward and backward:
 *
 * <pre>{@code
 * try (var scope = new StepContext(true, seed, step, microBatch).open()) {
 *   Var loss = model.loss(batch);   // layers call StepContext.dropout(x, p, "their.module.name")
 *   loss.backward();
 * }
 * }</pre>
 *
 * Outside an open training context (evaluation, generation, merging) there is no dropout.
 *
 * @param training whether dropout is on
 * @param seed the run's seed
 * @param step the optimizer step (0-based)
 * @param microBatch the micro-batch within the step (0-based, below the accumulation count)
 */
public record StepContext(boolean training, long seed, long step, long microBatch) {
  private static final ThreadLocal<StepContext> CURRENT = new ThreadLocal<>();

  /** The context a forward pass outside training runs in: no dropout. */
  public static final StepContext INFERENCE = new StepContext(false, 0, 0, 0);

  /** The context open on this thread, {@link #INFERENCE} when none is. */
  public static StepContext current() {
    StepContext c = CURRENT.get();
    return c == null ? INFERENCE : c;
  }

  /** Makes this the current context until the returned scope closes (scopes nest). */
  public Scope open() {
    StepContext previous = CURRENT.get();
    CURRENT.set(this);
    return new Scope(previous);
  }

  /**
   * The seed of {@code module}'s random draws in this step and micro-batch: a hash of (seed, step,
   * micro-batch, module name), so each module, micro-batch and step gets its own mask.
   */
  public long seedFor(String module) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    h = mix(h + step);
    h = mix(h + microBatch);
    return mix(h + fnv1a64(module));
  }

  /**
   * Inverted dropout of {@code x} with probability {@code p}, its mask drawn from the current
   * context and {@code module}; {@code x} itself outside training or when {@code p} is 0.
   */
  public static Var dropout(Var x, float p, String module) {
    StepContext c = current();
    if (p == 0f || !c.training) {
      return x;
    }
    return Ops.dropout(x, p, c.seedFor(module));
  }

  /** SplitMix64's finaliser: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** FNV-1a over the name's UTF-8 bytes: the same on every JVM and platform. */
  private static long fnv1a64(String s) {
    long h = 0xCBF29CE484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xFF;
      h *= 0x100000001B3L;
    }
    return h;
  }

  /** Restores the previous context on {@link #close()}. */
  public static final class Scope implements AutoCloseable {
    private final StepContext previous;
    private boolean closed;

    private Scope(StepContext previous) {
      this.previous = previous;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        if (previous == null) {
          CURRENT.remove();
        } else {
          CURRENT.set(previous);
        }
      }
    }
  }
}
