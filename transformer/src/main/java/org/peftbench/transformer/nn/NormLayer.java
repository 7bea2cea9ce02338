package org.peftbench.transformer.nn;

import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;

/**
 * A normalisation over the last dimension ({@link RmsNorm}, {@link LayerNorm}). LN tuning trains
 * {@link #weight()} (and {@link #bias()}); other methods may wrap it through its {@link Slot}.
 */
public interface NormLayer {
  /** {@code [..., C] -> [..., C]}. */
  Var forward(Var x);

  /** The scale {@code [C]}. */
  Parameter weight();

  /** The shift {@code [C]}, or null (RMSNorm). */
  Parameter bias();
}
