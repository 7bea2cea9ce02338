package org.peftbench.peft;

import java.util.Arrays;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;

/** Helpers for PEFT state-dict keys and for copying loaded tensors into parameters. */
public final class StateDicts {
  private StateDicts() {}

  /** The prefix PEFT puts before base-model module names in adapter files. */
  public static final String PREFIX = "base_model.model.";

  /** {@code base_model.model.<module>.<suffix>}. */
  public static String key(String module, String suffix) {
    return PREFIX + module + "." + suffix;
  }

  /** A fresh trainable parameter named by its PEFT key. */
  public static Parameter trainable(String key, Tensor value) {
    return new Parameter(key, value, true);
  }

  /** Copies {@code state[key]} into {@code p} (shapes must match). */
  public static void copyInto(Map<String, Tensor> state, String key, Parameter p, String source) {
    Tensor t = state.get(key);
    if (t == null) {
      throw new IllegalArgumentException(source + ": missing tensor '" + key + "'");
    }
    if (!Arrays.equals(t.shape(), p.value().shape())) {
      throw new IllegalArgumentException(
          source
              + ": tensor '"
              + key
              + "' has shape "
              + Arrays.toString(t.shape())
              + ", the adapter expects "
              + Arrays.toString(p.value().shape()));
    }
    p.value().copyFrom(t);
  }
}
