/**
 * Process-level cost measurements of a run: {@link org.peftbench.harness.cost.ProcessMemory} reads
 * the peak resident set size ({@code VmHWM}) and resets it between runs. Tensor memory comes from
 * {@code MemoryTracker}, forward FLOPs from the PEFT method registry over the model structure.
 */
package org.peftbench.harness.cost;
