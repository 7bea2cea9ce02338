/**
 * VeRA: one pair of frozen random low-rank matrices shared by all targeted layers, with trainable
 * per-layer scaling vectors {@code d} and {@code b}: {@code ΔW = Λb·B·Λd·A} ({@link
 * org.peftbench.peft.vera.VeraLinear}). The shared matrices come from a seed ({@code
 * projection_prng_key}) as in HF PEFT. {@link org.peftbench.peft.vera.VeraConfig}; registry entry
 * {@code VeraSpec}.
 */
package org.peftbench.peft.vera;
