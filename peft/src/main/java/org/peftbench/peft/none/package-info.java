/**
 * No adapter: the base model unchanged, used to measure the base model's score and costs in the
 * same harness runs. {@link org.peftbench.peft.none.NoAdapterConfig}; registry entry {@code
 * NoAdapterSpec}; nothing is trained or saved.
 */
package org.peftbench.peft.none;
