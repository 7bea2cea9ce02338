package org.peftbench.peft;

/**
 * Analytical forward FLOPs of one sequence through the base model and through the adapted model
 * unmerged, as trained (one multiply-add = 2 FLOPs; the base counts matrix products, see {@link
 * org.peftbench.transformer.ModelStructure#forwardFlops}; a method's extra elementwise scalings and
 * adds count 1 FLOP per element). {@code adapted − base} is the M_f term of PSCP.
 *
 * @param merged the adapter could fold into the base weights for inference, where it would cost
 *     nothing extra; M_f still counts it unmerged, as the paper does
 */
public record ForwardFlops(double base, double adapted, boolean merged) {
  /** The sequence length of PSCP's FLOPs term M_f (PEFT-Bench: one 512-token sequence). */
  public static final int PSCP_TOKENS = 512;

  /** Extra FLOPs of the adapted model, in TFLOPs (never negative). */
  public double deltaTflops() {
    return Math.max(0, adapted - base) / 1e12;
  }
}
