/**
 * IA3 (HF PEFT {@code IA3}): learned vectors rescale the outputs of the targeted attention
 * projections and the inputs of the feed-forward projections ({@link
 * org.peftbench.peft.ia3.IA3Linear}, vectors initialized to 1, so training starts from the base
 * model). {@link org.peftbench.peft.ia3.IA3Config} holds {@code target_modules} and {@code
 * feedforward_modules}; registry entry {@code IA3Spec}. Mergeable into the base weights.
 */
package org.peftbench.peft.ia3;
