package org.peftbench.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Where a tensor's elements live: a heap {@code float[]} (activations, gradients, trainable
 * parameters) or a {@link MemorySegment} (memory-mapped weights in their stored dtype, or off-heap
 * buffers). Several tensors (views) may share one storage.
 */
public sealed interface Storage permits HeapFloatStorage, SegmentStorage {
  /** Number of elements. */
  long size();

  DType dtype();

  /** Gives the memory back (off-heap) and stops counting it as live. Idempotent. */
  void release();
}
