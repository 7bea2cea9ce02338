package org.peftbench.transformer.nn;

import org.peftbench.autograd.Var;

/**
 * Anything that can stand where a linear layer stands: maps {@code [..., in]} to {@code [...,
 * out]}. The base model's {@link Linear} implements it; PEFT methods (LoRA, IA3, ...) wrap a base
 * layer in their own implementation and put it in the model's {@link Slot}.
 */
public interface LinearLayer {
  /**
   * @param x {@code [..., inFeatures]}
   * @return {@code [..., outFeatures]}
   */
  Var forward(Var x);

  int inFeatures();

  int outFeatures();
}
