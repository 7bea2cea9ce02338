/**
 * LoHa: the weight update of each targeted linear layer is the Hadamard product of two low-rank
 * products, {@code ΔW = (W1a·W1b) ⊙ (W2a·W2b) · alpha/r}, applied by the shared {@code
 * DeltaLinear}. {@link org.peftbench.peft.loha.LoHaConfig} follows HF PEFT's {@code LoHaConfig}
 * (rank, alpha, targets, initialization); registry entry {@code LoHaSpec}.
 */
package org.peftbench.peft.loha;
