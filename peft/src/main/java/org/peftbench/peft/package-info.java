/**
 * Parameter-efficient fine-tuning methods over a {@code CausalLM}, with HF PEFT's configs, module
 * targeting, parameter counts and adapter files.
 *
 * <p>{@link org.peftbench.peft.PeftModel#apply} freezes the base model and injects a method: it
 * either wraps module slots (LoRA, IA3, ...) or edits the model input through {@link
 * org.peftbench.peft.PeftModel#prepare} (virtual tokens, prefix keys). {@code save}/{@code load}
 * use HF PEFT's folder layout and key names; {@code merge}/{@code unmerge} fold weights into heap
 * copies. Each method is one sub-package holding its config, layers and a {@code PeftMethodSpec}
 * (type, defaults, apply, forward FLOPs, training memory), listed once in the {@code PeftMethods}
 * registry ({@code docs/adding-a-method.md}). {@link org.peftbench.peft.Targeting} and {@link
 * org.peftbench.peft.TargetModules} pick modules as PEFT does; {@link
 * org.peftbench.peft.ParameterCount} is PEFT's {@code print_trainable_parameters}.
 */
package org.peftbench.peft;
