package org.peftbench.peft.prefixtuning;

import java.util.LinkedHashMap;
import java.util.Map;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.Init;
import org.peftbench.peft.StateDicts;
import org.peftbench.tensor.Tensor;

/**
 * PEFT's PrefixEncoder. Without projection: an embedding {@code [P, 2·L·token_dim]}. With
 * projection: an embedding {@code [P, token_dim]} then {@code transform = Linear(token_dim, E) →
 * tanh → Linear(E, 2·L·token_dim)}. Names as the torch module's, prefixed {@code prompt_encoder.}.
 */
public final class PrefixEncoder {
  static final String PREFIX = "prompt_encoder.";
  private final Map<String, Parameter> params = new LinkedHashMap<>();
  private final boolean projection;

  /**
   * @param inference build the plain {@code [P, 2·L·token_dim]} table even with projection (PEFT's
   *     inference mode, what a loaded adapter is)
   */
  public PrefixEncoder(PrefixTuningConfig c, long seed, boolean inference) {
    this.projection = c.prefixProjection() && !inference;
    int p = c.numVirtualTokens(), d = c.tokenDim(), e = c.encoderHiddenSize(), w = c.prefixWidth();
    if (projection) {
      add("embedding.weight", Init.normal(Init.rng(seed, "embedding"), 1.0, p, d));
      add("transform.0.weight", Init.linearDefault(Init.rng(seed, "t0w"), d, e, d));
      add("transform.0.bias", Init.linearDefault(Init.rng(seed, "t0b"), d, e));
      add("transform.2.weight", Init.linearDefault(Init.rng(seed, "t2w"), e, w, e));
      add("transform.2.bias", Init.linearDefault(Init.rng(seed, "t2b"), e, w));
    } else {
      add("embedding.weight", Init.normal(Init.rng(seed, "embedding"), 1.0, p, w));
    }
  }

  private void add(String name, Tensor t) {
    params.put(PREFIX + name, StateDicts.trainable(PREFIX + name, t));
  }

  public Map<String, Parameter> parameters() {
    return params;
  }

  public boolean projection() {
    return projection;
  }

  /** {@code [P, 2·L·token_dim]}: per virtual token, layer l's key at block 2l, value at 2l+1. */
  public Var forward() {
    Var x = params.get(PREFIX + "embedding.weight");
    if (!projection) {
      return x;
    }
    x =
        Ops.tanh(
            Ops.linear(
                x,
                params.get(PREFIX + "transform.0.weight"),
                params.get(PREFIX + "transform.0.bias")));
    return Ops.linear(
        x, params.get(PREFIX + "transform.2.weight"), params.get(PREFIX + "transform.2.bias"));
  }
}
