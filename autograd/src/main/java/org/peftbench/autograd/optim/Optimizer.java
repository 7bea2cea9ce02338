package org.peftbench.autograd.optim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;

/**
 * Updates trainable parameters from their accumulated gradients. A training step is:
 *
 * <pre>{@code
 * for (int micro = 0; micro < accumulation; micro++) {
 *   Ops.scale(loss(batch), 1f / accumulation).backward();   // gradients add up
 * }
 * GradClip.clipGlobalNorm(params, 1.0);
 * optimizer.step(schedule.lr(stepIndex));
 * optimizer.zeroGrad();
 * }</pre>
 *
 * Parameters without a gradient at a step are skipped (their state does not advance), as in
 * PyTorch. Updates are elementwise, split into fixed chunks across the worker pool, so the result
 * does not depend on the thread count.
 */
public abstract class Optimizer {
  private static final int CHUNK = 1 << 15;

  protected final List<Parameter> params;

  protected Optimizer(List<Parameter> params) {
    this.params = new ArrayList<>();
    for (Parameter p : params) {
      if (p.isTrainable()) {
        this.params.add(p);
      }
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Parameter p : this.params) {
      if (!names.add(p.name())) {
        throw new IllegalArgumentException("two trainable parameters are named " + p.name());
      }
    }
  }

  /** The parameters this optimizer updates (those trainable when it was created). */
  public List<Parameter> parameters() {
    return List.copyOf(params);
  }

  /** Applies one update with learning rate {@code lr}. */
  public abstract void step(double lr);

  /** Drops every parameter's gradient. */
  public void zeroGrad() {
    for (Parameter p : params) {
      p.zeroGrad();
    }
  }

  /** Writes the optimizer state (moments, step counts, hyper-parameters) atomically. */
  public abstract void saveState(Path file);

  /** Restores state written by {@link #saveState} for the same parameters. */
  public abstract void loadState(Path file);

  /** Frees the optimizer state (moments, momentum buffers); training afterwards starts afresh. */
  public abstract void releaseState();

  /** The value to update in place; must be heap F32. */
  protected static float[] values(Parameter p) {
    Tensor v = p.value();
    if (!v.isHeapF32()) {
      throw new IllegalStateException(
          "trainable parameter "
              + p.name()
              + " is "
              + v.dtype()
              + " in a mapped segment; give it a heap copy first: p.setValue(p.value().toF32())");
    }
    return v.array();
  }

  /** Runs {@code body(from, to)} over {@code [0, n)} in fixed-size chunks on the worker pool. */
  protected static void chunked(int n, ChunkBody body) {
    int chunks = (n + CHUNK - 1) / CHUNK;
    IntConsumer task = c -> body.run(c * CHUNK, Math.min(n, (c + 1) * CHUNK));
    Parallel.forEach(chunks, task);
  }

  /**
   * Runs {@code body(k, from, to)} over {@code [0, sizes[k])} of every tensor k in fixed-size
   * chunks, all tensors' chunks as one set of tasks on the worker pool (many small parameters, as
   * LoRA's, then share the threads instead of each running alone).
   */
  protected static void chunked(int[] sizes, EachChunkBody body) {
    int tasks = 0;
    for (int n : sizes) {
      tasks += (n + CHUNK - 1) / CHUNK;
    }
    int[] tensor = new int[tasks], start = new int[tasks];
    int t = 0;
    for (int k = 0; k < sizes.length; k++) {
      for (int from = 0; from < sizes[k]; from += CHUNK) {
        tensor[t] = k;
        start[t++] = from;
      }
    }
    Parallel.forEach(
        tasks, c -> body.run(tensor[c], start[c], Math.min(sizes[tensor[c]], start[c] + CHUNK)));
  }

  /** One chunk of tensor {@code k}'s elementwise update. */
  @FunctionalInterface
  protected interface EachChunkBody {
    void run(int k, int from, int to);
  }

  /** One chunk of an elementwise update. */
  @FunctionalInterface
  protected interface ChunkBody {
    void run(int from, int to);
  }
}
