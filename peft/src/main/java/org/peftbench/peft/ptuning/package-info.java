/**
 * P-tuning: virtual-token embeddings prepended like prompt tuning, but produced by a trainable
 * reparameterization ({@link org.peftbench.peft.ptuning.PromptEncoder}: PEFT's MLP, or a
 * bidirectional LSTM followed by the MLP). {@link org.peftbench.peft.ptuning.PromptEncoderConfig}
 * is PEFT's {@code PromptEncoderConfig}; registry entry {@code PTuningSpec}. The saved adapter
 * holds the encoder's output, as PEFT saves it.
 */
package org.peftbench.peft.ptuning;
