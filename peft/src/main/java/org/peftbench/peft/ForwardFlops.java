package org.peftbench.peft;

/**
 * Analytical forward FLOPs of one sequence through the base model and through the adapted model as
 * served (one multiply-add = 2 FLOPs, matrix products only; see {@link
 * org.peftbench.transformer.ModelStructure#forwardFlops}). This is the M_f term of PSCP.
 *
 * @param merged the adapter folds into the base weights for inference (no extra FLOPs)
 */
public record ForwardFlops(double base, double adapted, boolean merged) {
  /** The sequence length of PSCP's FLOPs term M_f (PEFT-Bench: one 512-token sequence). */
  public static final int PSCP_TOKENS = 512;

  /** Extra FLOPs of the adapted model, in TFLOPs (never negative). */
  public double deltaTflops() {
    return Math.max(0, adapted - base) / 1e12;
  }
}
