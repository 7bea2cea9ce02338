package org.peftbench.transformer.nn;

/**
 * A named, replaceable place in the model for one module (a linear layer, a norm). The model reads
 * the slot on every forward pass, so {@link #set} swaps the module in or out at once; {@link #base}
 * keeps the module the model was built with (to unwrap or merge an adapter).
 *
 * @param <T> the module kind ({@link LinearLayer}, {@link NormLayer})
 */
public final class Slot<T> {
  private final String name;
  private final T base;
  private T current;

  public Slot(String name, T base) {
    this.name = name;
    this.base = base;
    this.current = base;
  }

  /** HF module name, e.g. {@code model.layers.3.self_attn.q_proj}. */
  public String name() {
    return name;
  }

  /** The module in use. */
  public T get() {
    return current;
  }

  /** Puts {@code module} in use (e.g. a LoRA wrapper around {@link #base()}). */
  public void set(T module) {
    if (module == null) {
      throw new IllegalArgumentException("slot " + name + ": cannot hold null");
    }
    current = module;
  }

  /** The module the model was built with. */
  public T base() {
    return base;
  }

  /** Puts the original module back. */
  public void reset() {
    current = base;
  }

  @Override
  public String toString() {
    return name + " = " + current;
  }
}
