package org.peftbench.tensor;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Recycles the heap arrays of closed tensors inside a hot loop, so that a training step does not
 * hand the garbage collector gigabytes of fresh activations and gradients every time.
 *
 * <p>Why: every op allocates its output and every gradient is a new zero-filled array. The values
 * of one step live from the forward pass to the backward pass, so the collector copies them out of
 * the young generation (and later compacts them) — about half a second of pauses per step of the
 * SmolLM2-135M LoRA benchmark. The shapes repeat exactly from step to step, so the arrays can be
 * reused instead: while an arena is open, {@link Tensor#zeros} on the opening thread takes a
 * zero-filled array of the right length from the arena's free lists when one is there, and {@link
 * Tensor#close()} of a tensor allocated that way puts its array back.
 *
 * <p>The contract this adds: inside an arena, a closed tensor's values must not be read any more
 * (outside one, a closed heap tensor stays readable). The autograd engine and the model code close
 * only what nobody reads again; {@code ArenaTrainingTest} (transformer) checks that training steps
 * give bit-identical results with and without an arena.
 *
 * <p>Only the thread that opened the arena takes and returns arrays (worker threads allocate as
 * always); the free lists hold at most {@link #capBytes()} bytes (arrays beyond it are left to the
 * collector), through soft references that the collector clears before it would run out of heap.
 * One arena at a time per process. Use as {@code try (TensorArena a = TensorArena.open()) {
 * ...steps... }}.
 */
public final class TensorArena implements AutoCloseable {
  private static volatile TensorArena current;

  private final Thread owner = Thread.currentThread();
  private final Map<Integer, ArrayDeque<SoftReference<float[]>>> free = new HashMap<>();
  private final long capBytes;
  private long freeBytes;
  private long reused;
  private long fresh;

  private TensorArena(long capBytes) {
    this.capBytes = capBytes;
  }

  /**
   * Opens the arena on this thread; free lists capped at three quarters of the maximum heap (at the
   * end of a step they hold what was live at its peak, which fitted).
   */
  public static TensorArena open() {
    return open(Runtime.getRuntime().maxMemory() / 4 * 3);
  }

  /** Opens the arena on this thread with free lists of at most {@code capBytes}. */
  public static synchronized TensorArena open(long capBytes) {
    if (current != null) {
      throw new IllegalStateException("a TensorArena is already open (on " + current.owner + ")");
    }
    TensorArena a = new TensorArena(capBytes);
    current = a;
    return a;
  }

  /** Whether an arena is open in this process (on any thread). */
  public static boolean isOpen() {
    return current != null;
  }

  /** The arena that allocations on this thread come from, or null. */
  static TensorArena forThisThread() {
    TensorArena a = current;
    return a != null && a.owner == Thread.currentThread() ? a : null;
  }

  /** A zero-filled array of length n: a recycled one if the free list has it, else a new one. */
  float[] take(int n) {
    return take(n, true);
  }

  /**
   * An array of length n, zero-filled if {@code zero} (else a recycled one keeps its old values:
   * for outputs a kernel overwrites entirely, which saves writing every byte twice).
   */
  float[] take(int n, boolean zero) {
    ArrayDeque<SoftReference<float[]>> list = free.get(n);
    while (list != null && !list.isEmpty()) {
      float[] a = list.pollLast().get();
      freeBytes -= 4L * n;
      if (a != null) { // else the collector took it back under memory pressure
        reused++;
        if (zero) {
          Arrays.fill(a, 0f);
        }
        return a;
      }
    }
    fresh++;
    return new float[n];
  }

  /**
   * Takes back an array of a closed tensor this arena handed out (if open and under the cap). The
   * free lists hold soft references: arrays of shapes that stopped coming back (the sequence length
   * changed, say) are left to the collector when the heap runs short, instead of failing the
   * allocations of the new shapes.
   */
  void recycle(float[] a) {
    if (current != this
        || Thread.currentThread() != owner
        || freeBytes + 4L * a.length > capBytes) {
      return;
    }
    free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(new SoftReference<>(a));
    freeBytes += 4L * a.length;
  }

  /** The most bytes the free lists hold. */
  public long capBytes() {
    return capBytes;
  }

  /** Bytes in the free lists now. */
  public long freeBytes() {
    return freeBytes;
  }

  /** How many allocations were served from the free lists so far. */
  public long reusedArrays() {
    return reused;
  }

  /** How many allocations (on the owner thread) found no array to reuse so far. */
  public long freshArrays() {
    return fresh;
  }

  /** Closes the arena: allocations are fresh again and the free lists are dropped. */
  @Override
  public void close() {
    synchronized (TensorArena.class) {
      if (current == this) {
        current = null;
      }
    }
    free.clear();
    freeBytes = 0;
  }
}
