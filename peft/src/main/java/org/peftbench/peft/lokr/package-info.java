/**
 * LoKr: the weight update of each targeted linear layer is a Kronecker product {@code ΔW = (W1 ⊗
 * W2)·alpha/r}, either factor optionally a low-rank product, factor shapes split from the layer's
 * as HF PEFT does ({@link org.peftbench.peft.lokr.LoKrConfig#factors}); W1 starts at zero. Applied
 * by the shared {@code DeltaLinear}; registry entry {@code LoKrSpec}.
 */
package org.peftbench.peft.lokr;
