/**
 * LN tuning: the targeted normalization layers are replaced by trainable copies of themselves
 * (weights and biases start equal to the base), everything else frozen. {@link
 * org.peftbench.peft.lntuning.LNTuningConfig}; registry entry {@code LNTuningSpec}; the adapter
 * file holds the copied norm parameters under HF PEFT's key names.
 */
package org.peftbench.peft.lntuning;
