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

  /** The arena that handed out {@link #data} (it gets the array back on release), or null. */
  private final TensorArena arena;

  private boolean released;

  public HeapFloatStorage(float[] data) {
    this(data, null);
  }

  /** A zero-filled storage of n elements, from the open {@link TensorArena} if there is one. */
  static HeapFloatStorage zeros(int n) {
    TensorArena a = TensorArena.forThisThread();
    return a == null
        ? new HeapFloatStorage(new float[n], null)
        : new HeapFloatStorage(a.take(n), a);
  }

  /** Like {@link #zeros} but a recycled array is not cleared (see {@link Tensor#empty}). */
  static HeapFloatStorage empty(int n) {
    TensorArena a = TensorArena.forThisThread();
    return a == null
        ? new HeapFloatStorage(new float[n], null)
        : new HeapFloatStorage(a.take(n, false), a);
  }

  private HeapFloatStorage(float[] data, TensorArena arena) {
    this.data = data;
    this.arena = arena;
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
  public synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    cleanable.clean();
    if (arena != null) {
      arena.recycle(data);
    }
  }

  /** Runs at most once: on release() or when the storage is collected. */
  private record Release(long bytes) implements Runnable {
    @Override
    public void run() {
      MemoryTracker.released(bytes);
    }
  }
}
