/**
 * Prefix tuning: P learned key/value vectors per layer, given to attention as always-visible
 * leading keys (HF's {@code past_key_values}; no RoPE on them) through the model-input hook. {@link
 * org.peftbench.peft.prefixtuning.PrefixEncoder} produces them, directly or through PEFT's
 * two-layer projection MLP ({@code prefix_projection}); {@link
 * org.peftbench.peft.prefixtuning.PrefixTuningConfig}; registry entry {@code PrefixTuningSpec}.
 */
package org.peftbench.peft.prefixtuning;
