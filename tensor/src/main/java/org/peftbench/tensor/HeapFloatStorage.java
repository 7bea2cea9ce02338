package org.peftbench.tensor;

import java.lang.ref.Cleaner;

/**
 * F32 elements in a Java array. Counted by the {@link MemoryTracker} until {@link #release()} is
 * called or the array becomes unreachable, whichever comes first.
 */
public final class HeapFloatStorage implements Storage {
  private static final Cleaner CLEANER = Cleaner.create();

  private final float[] data;
  private final Cleaner.Cleanable cleanable;

  public HeapFloatStorage(float[] data) {
    this.data = data;
    long bytes = 4L * data.length;
    MemoryTracker.allocated(bytes);
    this.cleanable = CLEANER.register(this, new Release(bytes));
  }

  public float[] array() {
    return data;
  }

  @Override
  public long size() {
    return data.length;
  }

  @Override
  public DType dtype() {
    return DType.F32;
  }

  @Override
  public void release() {
    cleanable.clean();
  }

  /** Runs at most once: on release() or when the storage is collected. */
  private record Release(long bytes) implements Runnable {
    @Override
    public void run() {
      MemoryTracker.released(bytes);
    }
  }
}
