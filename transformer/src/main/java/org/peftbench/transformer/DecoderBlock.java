package org.peftbench.transformer;

import org.peftbench.autograd.Var;

/** One transformer layer: {@code x [B,T,C] -> x [B,T,C]} with residual connections. */
interface DecoderBlock {
  Var forward(Var x, ForwardState state);
}
