/**
 * Prompt tuning: P learned virtual-token embeddings are prepended to the input embeddings through
 * the model-input hook (labels get {@code -100} there), initialized randomly or from the embeddings
 * of an init text as PEFT does. {@link org.peftbench.peft.prompttuning.PromptTuningConfig};
 * registry entry {@code PromptTuningSpec}.
 */
package org.peftbench.peft.prompttuning;
