/**
 * HuggingFace causal language models (Llama, Mistral, Qwen2, Qwen3, GPT-2) built from autograd ops.
 *
 * <p>{@link org.peftbench.transformer.ModelConfig} reads {@code config.json}; {@code
 * ModelStructure} derives from it the one description of the model (modules with HF names, roles
 * and shapes, parameters) that loading, PEFT targeting and the FLOP count read. {@link
 * org.peftbench.transformer.CausalLM} holds the weights (memory-mapped, stored dtype) and runs
 * {@code forward}/{@code forwardHidden}/{@code forwardLast} over a {@link
 * org.peftbench.transformer.ModelInput} (embeddings, padding, positions, prefix keys, KV cache);
 * each layer is a {@code LlamaBlock} or {@code Gpt2Block} reading its projections and norms from
 * {@code nn.Slot}s, which is how PEFT methods wrap them. {@link
 * org.peftbench.transformer.LanguageModelLoss} is HF's shifted cross-entropy ({@code -100}
 * ignored), {@code lossFromHidden} with {@code lm_head} fused into it for training. Activations are
 * {@code [B, T, C]}; attention keeps heads as {@code [B, T, H, D]}.
 */
package org.peftbench.transformer;
