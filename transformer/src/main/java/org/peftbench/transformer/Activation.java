package org.peftbench.transformer;

import java.util.Locale;

/**
 * The MLP nonlinearity, from {@code hidden_act} (Llama family) or GPT-2's {@code
 * activation_function}.
 */
public enum Activation {
  /** x·sigmoid(x) ("silu", "swish"). */
  SILU,
  /** GELU, tanh approximation ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"). */
  GELU_TANH,
  /** GELU, exact erf form ("gelu"). */
  GELU_ERF,
  /** max(0, x). */
  RELU;

  /** The activation transformers' {@code ACT2FN} maps {@code name} to, or null if unknown. */
  public static Activation fromHfName(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "silu", "swish" -> SILU;
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
      case "gelu" -> GELU_ERF;
      case "relu" -> RELU;
      default -> null;
    };
  }
}
