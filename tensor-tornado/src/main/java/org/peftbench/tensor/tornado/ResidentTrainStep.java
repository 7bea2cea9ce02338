package org.peftbench.tensor.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.ResidentTrainer;
import org.peftbench.tensor.backend.TrainBatch;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A whole training step on the TornadoVM device ({@link TornadoBackend}'s {@link
 * org.peftbench.tensor.backend.ResidentTraining}): one task graph ({@link TrainStepGraph}) with the
 * forward of every layer, the loss, the backward of every layer, gradient clipping and AdamW.
 *
 * <p>What crosses between host and device: frozen weights, the initial parameters, the shapes and
 * the RoPE table once, on the first run; per step the batch ({@code 4·B·T} ints, and prefix
 * tuning's key padding flags {@code B·(P'+T)}), the loss weight and AdamW's eight scalars in, the
 * loss, gradient norm and clipping coefficient (3 floats) and a 64-int probe out. The parameters
 * and AdamW's moments stay on the device; {@link #copyParametersToHost} fetches the parameters on
 * demand.
 *
 * <p>Every step checks the probe: 64 work-items write their global ids, which a sequential (host)
 * run of the kernels would leave all 0. A step that did not run on the device throws and is counted
 * in {@link #hostOperations}.
 */
final class ResidentTrainStep implements ResidentTrainer {
  private final LlamaTrainSpec spec;
  private final TrainStepGraph graph;
  private final TrainGraph.Chain plan;
  private final Plans plans;
  private long steps;
  private long adamSteps; // AdamW steps of a checkpoint this trainer continues
  private long hostOperations;
  private TornadoExecutionResult last;
  private boolean closed;

  ResidentTrainStep(LlamaTrainSpec spec, Plans plans) {
    this.spec = spec;
    this.plans = plans;
    this.graph = new TrainStepGraph(spec);
    graph.assemble();
    this.plan = graph.g.build(graph.result, graph.probe);
  }

  /** Tasks in the step's graphs. */
  int tasks() {
    return graph.g.tasks();
  }

  /** Task graphs in the step's chain. */
  int graphs() {
    return graph.g.graphs();
  }

  @Override
  public synchronized StepResult step(TrainBatch batch, double lr) {
    if (closed) {
      throw new IllegalStateException("resident trainer is closed");
    }
    if (batch.batch() > graph.batch || batch.time() > graph.time) {
      throw new IllegalArgumentException(
          "resident training step built for batches up to "
              + graph.batch
              + "×"
              + graph.time
              + ", got "
              + batch.batch()
              + "×"
              + batch.time());
    }
    int count = fillBatch(batch);
    graph.lossParams.set(0, count == 0 ? 0f : 1f / count);
    fillAdamW(lr);
    graph.probe.init(-1);
    last = plan.run();
    plans.countRun();
    if (!ranOnDevice(graph.probe)) {
      hostOperations++;
      throw new IllegalStateException(
          "resident training step did not run on the TornadoVM device (its probe kernel's"
              + " work-items did not report their ids): run with -Dtornado.recover.bailout=False"
              + " and check the device");
    }
    steps++;
    return new StepResult(graph.result.get(0), graph.result.get(1));
  }

  /**
   * Whether the probe kernel ran on the device: each of its work-items wrote its own global id,
   * which a sequential Java run of the kernel (every id 0) or a run that never happened (the host's
   * −1 fill) does not.
   */
  static boolean ranOnDevice(IntArray probe) {
    for (int i = 0; i < probe.getSize(); i++) {
      if (probe.get(i) != i) {
        return false;
      }
    }
    return true;
  }

  /**
   * Lays the batch into the graph's {@code [B, P+T]} capacity: P virtual positions (prompt tuning,
   * P-tuning; never padding, positions P'..P'+P−1) then the tokens (positions shifted by P'+P),
   * targets (labels shifted, −100 where nothing is predicted; the last virtual token predicts the
   * first label), padding flags; slots beyond the batch are padding with no target. Prefix tuning's
   * P' keys take positions 0..P'−1 (as HF's {@code past_key_values}) and are never padding. Returns
   * the number of counted targets.
   */
  private int fillBatch(TrainBatch b) {
    int seq = graph.seq, p = graph.virtual, shift = graph.prefixTokens, count = 0;
    boolean[] pad = b.padding();
    for (int i = 0; i < graph.n; i++) {
      graph.ids.set(i, 0);
      graph.targets.set(i, TrainBatch.IGNORE);
      graph.positions.set(i, 0);
      graph.padding.set(i, 1);
    }
    int[] labels = new int[p + b.time()]; // one row's labels with −100 for the virtual tokens
    for (int r = 0; r < b.batch(); r++) {
      java.util.Arrays.fill(labels, 0, p, TrainBatch.IGNORE);
      System.arraycopy(b.labels(), r * b.time(), labels, p, b.time());
      for (int j = 0; j < p + b.time(); j++) {
        int dst = r * seq + j;
        if (j < p) {
          graph.positions.set(dst, shift + j);
          graph.padding.set(dst, 0);
        } else {
          int src = r * b.time() + j - p;
          int id = b.ids()[src];
          if (id < 0 || id >= graph.vocab) {
            throw new IllegalArgumentException(
                "token id " + id + " outside the vocabulary [0, " + graph.vocab + ")");
          }
          graph.ids.set(dst, id);
          graph.positions.set(dst, b.positions()[src] + shift + p);
          graph.padding.set(dst, pad != null && pad[src] ? 1 : 0);
        }
        // position j predicts the label of position j + 1 (HF's shift)
        int y = j + 1 < p + b.time() ? labels[j + 1] : TrainBatch.IGNORE;
        if (y != TrainBatch.IGNORE) {
          if (y < 0 || y >= graph.vocab) {
            throw new IllegalArgumentException(
                "label " + y + " outside the vocabulary [0, " + graph.vocab + ")");
          }
          count++;
        }
        graph.targets.set(dst, y);
      }
    }
    if (graph.keyPadding != graph.padding) {
      // [B, P'+S]: the prefix keys, then the row's own
      int keys = graph.keys;
      for (int r = 0; r < graph.batch; r++) {
        for (int s = 0; s < keys; s++) {
          int flag = s < shift ? 0 : graph.padding.get(r * seq + s - shift);
          graph.keyPadding.set(r * keys + s, flag);
        }
      }
    }
    return count;
  }

  /** AdamW's scalars of this step, in double and rounded to float as {@code AdamW} does. */
  private void fillAdamW(double lr) {
    LlamaTrainSpec.AdamWSettings o = spec.optimizer();
    long t = adamSteps + steps + 1;
    double bc1 = 1 - Math.pow(o.beta1(), t), bc2 = 1 - Math.pow(o.beta2(), t);
    float[] h = {
      (float) (1 - lr * o.weightDecay()),
      (float) o.beta1(),
      (float) o.beta2(),
      (float) (1 - o.beta1()),
      (float) (1 - o.beta2()),
      (float) -(lr / bc1),
      (float) Math.sqrt(bc2),
      (float) o.eps()
    };
    for (int i = 0; i < h.length; i++) {
      graph.hyper.set(i, h[i]);
    }
  }

  @Override
  public synchronized void copyParametersToHost() {
    if (last != null) {
      last.transferToHost(graph.theta);
    }
    for (LlamaTrainSpec.Trainable p : spec.trainables()) {
      Tensor t = p.value();
      MemorySegment.copy(
          graph.theta.getSegment(),
          ValueLayout.JAVA_FLOAT,
          (long) graph.offsets.get(t) * Float.BYTES,
          t.array(),
          t.offset(),
          t.size());
    }
  }

  @Override
  public synchronized OptimizerState copyOptimizerStateToHost() {
    if (last != null) {
      last.transferToHost(graph.m);
      last.transferToHost(graph.v);
    }
    List<float[]> m = new ArrayList<>(), v = new ArrayList<>();
    for (LlamaTrainSpec.Trainable p : spec.trainables()) {
      int off = graph.offsets.get(p.value()), size = (int) p.value().size();
      float[] mi = new float[size], vi = new float[size];
      long at = (long) off * Float.BYTES;
      MemorySegment.copy(graph.m.getSegment(), ValueLayout.JAVA_FLOAT, at, mi, 0, size);
      MemorySegment.copy(graph.v.getSegment(), ValueLayout.JAVA_FLOAT, at, vi, 0, size);
      m.add(mi);
      v.add(vi);
    }
    return new OptimizerState(adamSteps + steps, m, v);
  }

  @Override
  public synchronized void loadOptimizerState(OptimizerState state) {
    if (last != null || steps > 0) {
      throw new IllegalStateException("optimizer state loads before the first step");
    }
    List<LlamaTrainSpec.Trainable> ps = spec.trainables();
    if (state.expAvg().size() != ps.size() || state.expAvgSq().size() != ps.size()) {
      throw new IllegalArgumentException(
          "optimizer state for "
              + state.expAvg().size()
              + " tensors, the step trains "
              + ps.size());
    }
    for (int j = 0; j < ps.size(); j++) {
      Tensor t = ps.get(j).value();
      float[] m = state.expAvg().get(j), v = state.expAvgSq().get(j);
      if (m.length != t.size() || v.length != t.size()) {
        throw new IllegalArgumentException(
            ps.get(j).name() + ": optimizer state of " + m.length + " values for " + t.size());
      }
      // sent with the parameters on the first run
      long at = (long) graph.offsets.get(t) * Float.BYTES;
      MemorySegment.copy(m, 0, graph.m.getSegment(), ValueLayout.JAVA_FLOAT, at, m.length);
      MemorySegment.copy(v, 0, graph.v.getSegment(), ValueLayout.JAVA_FLOAT, at, v.length);
    }
    adamSteps = state.steps();
  }

  @Override
  public long plannedDeviceBytes() {
    return graph.g.bytes();
  }

  @Override
  public synchronized long deviceSteps() {
    return steps;
  }

  @Override
  public synchronized long hostOperations() {
    return hostOperations;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      plan.free();
    }
  }
}
