package org.peftbench.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Elements in a {@link MemorySegment}, little-endian, in any {@link DType}. Either a read-only view
 * into a memory-mapped file (owned by whoever mapped it) or an off-heap buffer that owns its arena.
 */
public final class SegmentStorage implements Storage {
  private final MemorySegment segment;
  private final DType dtype;
  private final Arena ownedArena;
  private boolean released;

  /** A view into memory owned elsewhere (e.g. a mapped safetensors file). */
  public SegmentStorage(MemorySegment segment, DType dtype) {
    this(segment, dtype, null);
  }

  private SegmentStorage(MemorySegment segment, DType dtype, Arena ownedArena) {
    if (segment.byteSize() % dtype.byteSize() != 0) {
      throw new IllegalArgumentException(
          "segment of " + segment.byteSize() + " bytes is not a whole number of " + dtype);
    }
    this.segment = segment;
    this.dtype = dtype;
    this.ownedArena = ownedArena;
  }

  /** A new zeroed off-heap buffer of {@code elements} values, freed by {@link #release()}. */
  public static SegmentStorage allocate(long elements, DType dtype) {
    Arena arena = Arena.ofShared();
    long bytes = elements * dtype.byteSize();
    MemorySegment seg = arena.allocate(bytes, 64);
    MemoryTracker.allocated(bytes);
    return new SegmentStorage(seg, dtype, arena);
  }

  public MemorySegment segment() {
    return segment;
  }

  @Override
  public long size() {
    return segment.byteSize() / dtype.byteSize();
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  @Override
  public synchronized void release() {
    if (ownedArena != null && !released) {
      released = true;
      MemoryTracker.released(segment.byteSize());
      ownedArena.close();
    }
  }
}
