/**
 * BitFit: only the biases of the targeted linear layers are trained (an existing bias is unfrozen
 * as a heap F32 copy; a layer without one gets a zero-initialized {@link
 * org.peftbench.peft.bitfit.BiasLinear}); the weights stay frozen. {@link
 * org.peftbench.peft.bitfit.BitFitConfig} holds the targets; the method's registry entry is its
 * {@code BitFitSpec}.
 */
package org.peftbench.peft.bitfit;
