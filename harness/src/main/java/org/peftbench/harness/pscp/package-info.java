/**
 * PSCP (PEFT Soft Cost Penalties), the paper's metric: {@link org.peftbench.harness.pscp.Pscp}
 * discounts a task score by soft penalties on trainable parameters, inference FLOPs and training
 * memory, each relative to a constant ({@code Constants.PEFT_BENCH}) and weighted by a β ({@code
 * Betas}); {@code breakdown} shows each factor.
 */
package org.peftbench.harness.pscp;
