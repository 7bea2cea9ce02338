/**
 * Full fine-tuning, the upper bound the PEFT methods are compared with: every base parameter is
 * made trainable (converted to F32 heap tensors first; mapped weights are never written), nothing
 * is wrapped. {@link org.peftbench.peft.full.FullFineTuningConfig}; registry entry {@code
 * FullFineTuningSpec}; the saved "adapter" is the full weights.
 */
package org.peftbench.peft.full;
