/**
 * Inference over a {@code CausalLM}: {@link org.peftbench.transformer.generate.Generator} generates
 * for a batch of prompts (left-padded prefill into a {@code KvCache}, then one token per row per
 * step; greedy, temperature, top-k and top-p sampling with a seed by {@link
 * org.peftbench.transformer.generate.Sampler}; stops at EOS ids, stop strings or {@link
 * org.peftbench.transformer.generate.GenerationConfig#maxNewTokens()}); {@link
 * org.peftbench.transformer.generate.Scorer} gives per-token log-probabilities of a text. Both take
 * a prefill hook through which an adapter adds virtual tokens or prefix keys ({@code
 * PeftModel::prepare}); everything runs without recording a graph.
 */
package org.peftbench.transformer.generate;
