package org.peftbench.autograd;

/**
 * Whether ops record the graph on the current thread. Inference runs inside {@link #noGrad()} so no
 * node, saved activation or gradient is ever created:
 *
 * <pre>{@code
 * try (var scope = GradMode.noGrad()) {
 *   Var logits = model.forward(ids);
 * }
 * }</pre>
 *
 * Scopes nest; closing a scope restores the mode that was active when it was opened.
 */
public final class GradMode {
  private static final ThreadLocal<boolean[]> ENABLED =
      ThreadLocal.withInitial(() -> new boolean[] {true});

  private GradMode() {}

  /** Whether ops executed now record a graph. */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /** A scope in which nothing is recorded. */
  public static Scope noGrad() {
    return set(false);
  }

  /** A scope in which recording is on again (used by activation checkpointing inside backward). */
  public static Scope enableGrad() {
    return set(true);
  }

  private static Scope set(boolean on) {
    boolean[] flag = ENABLED.get();
    boolean previous = flag[0];
    flag[0] = on;
    return new Scope(flag, previous);
  }

  /** Restores the previous mode on {@link #close()}. */
  public static final class Scope implements AutoCloseable {
    private final boolean[] flag;
    private final boolean previous;
    private boolean closed;

    private Scope(boolean[] flag, boolean previous) {
      this.flag = flag;
      this.previous = previous;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        flag[0] = previous;
      }
    }
  }
}
