/**
 * LoRA and DoRA. {@link org.peftbench.peft.lora.LoraLinear} wraps a targeted linear layer: {@code y
 * = x·Wᵀ + (dropout(x)·Aᵀ·Bᵀ)·alpha/r} with {@code B} zero-initialized, computed by one fused op
 * (the rank-r term inside the base GEMM); with {@code use_dora} the output is rescaled by a learned
 * per-row magnitude over the norm of {@code W + ΔW}. Dropout masks come from the step context.
 * {@link org.peftbench.peft.lora.LoraConfig} is HF PEFT's {@code LoraConfig} (rank, alpha, dropout,
 * targets, rsLoRA); registry entry {@code LoraSpec}. Mergeable.
 */
package org.peftbench.peft.lora;
