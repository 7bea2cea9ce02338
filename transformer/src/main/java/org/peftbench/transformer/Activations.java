package org.peftbench.transformer;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;

/** Applies an {@link Activation} through the matching autograd op. */
final class Activations {
  private Activations() {}

  static Var apply(Activation a, Var x) {
    return switch (a) {
      case SILU -> Ops.silu(x);
      case GELU_TANH -> Ops.geluTanh(x);
      case GELU_ERF -> Ops.geluErf(x);
      case RELU -> Ops.relu(x);
    };
  }
}
