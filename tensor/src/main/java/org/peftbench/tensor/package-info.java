/**
 * Dense tensors and the memory they live in, the bottom of the module stack.
 *
 * <p>A {@link org.peftbench.tensor.Tensor} is a contiguous row-major array over a {@link
 * org.peftbench.tensor.Storage}: {@link org.peftbench.tensor.HeapFloatStorage} (F32 {@code
 * float[]}, what every computation writes) or {@link org.peftbench.tensor.SegmentStorage} (a {@code
 * MemorySegment} in F32/BF16/F16, e.g. memory-mapped weights, read in their stored type). Views
 * ({@code reshape}, {@code slice0}) share storage. {@link org.peftbench.tensor.MemoryTracker}
 * counts the live and peak bytes of storage we own (mapped weights excluded); {@link
 * org.peftbench.tensor.TensorArena} recycles the arrays of closed tensors inside a training loop;
 * {@link org.peftbench.tensor.Parallel} is the one worker pool, splitting work by problem size only
 * so results are identical for any thread count. The numeric kernels are behind {@code
 * backend.Backend}.
 */
package org.peftbench.tensor;
