package org.peftbench.harness.run;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.Optimizer;
import org.peftbench.harness.suite.TrainingSettings;
import org.peftbench.peft.ResidentTrainSpecs;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.ResidentTrainer;
import org.peftbench.tensor.backend.ResidentTraining;
import org.peftbench.tensor.backend.TrainBatch;

/**
 * The training loop's optimizer step on a backend's resident device step ({@link
 * ResidentTraining}): the trainable parameters and AdamW's moments stay on the device, and only the
 * batch goes in and the loss comes out. {@link Trainer} uses it when the backend offers it and the
 * run fits it; otherwise it says why, in one line, and steps through autograd.
 *
 * <p>The host's parameters are stale between {@link #copyToHost} calls: the trainer copies them
 * back before every evaluation, checkpoint and saved adapter, and at the end.
 */
final class ResidentStep implements AutoCloseable {
  private final ResidentTrainer trainer;

  private ResidentStep(ResidentTrainer trainer) {
    this.trainer = trainer;
  }

  /**
   * The resident step for this run, or null for the per-op path. Prints (through {@code listener})
   * one line when the backend offers the step: that it is used, or why not.
   *
   * @param maxRows the most examples a micro-batch has (B)
   * @param maxTokens the longest training example (T)
   * @param resumed the host optimizer holding a checkpoint's state the run continues, or null
   */
  static ResidentStep openOrNull(
      RunModel model,
      TrainingSettings s,
      int maxRows,
      int maxTokens,
      Optimizer resumed,
      Trainer.Listener listener) {
    Backend backend = Backends.current();
    if (!(backend instanceof ResidentTraining device)) {
      return null; // the CPU backends: nothing to say
    }
    String why = null;
    LlamaTrainSpec spec = null;
    if (!(model instanceof PeftRunModel peft)) {
      why = "the run's model has no device description";
    } else if (s.gradAccum() != 1) {
      why = "gradient accumulation (grad_accum " + s.gradAccum() + ") steps through autograd";
    } else if (!s.optimizer().equalsIgnoreCase("adamw")) {
      why = "the device step runs AdamW, not " + s.optimizer();
    } else {
      ResidentTrainSpecs.Described d =
          ResidentTrainSpecs.describe(
              peft.peft(),
              maxRows,
              maxTokens,
              // as Trainer's AdamW: PyTorch's betas and eps, decay on every trainable parameter
              new LlamaTrainSpec.AdamWSettings(0.9, 0.999, 1e-8, s.weightDecay(), s.maxGradNorm()),
              p -> true);
      spec = d.spec();
      why = d.unsupported();
    }
    if (spec != null) {
      try {
        ResidentTrainer trainer = device.openTrainer(spec);
        if (resumed != null) {
          trainer.loadOptimizerState(stateOf((AdamW) resumed, model.trainableParameters()));
        }
        listener.onNotice(
            "training steps run resident on the "
                + backend.name()
                + " device (batch "
                + maxRows
                + "×"
                + maxTokens
                + ")");
        return new ResidentStep(trainer);
      } catch (IllegalArgumentException e) {
        why = e.getMessage();
      }
    }
    listener.onNotice(
        "training steps run per operation on "
            + backend.name()
            + " (no resident step: "
            + why
            + ")");
    return null;
  }

  /**
   * One optimizer step on {@code batch} at learning rate {@code lr}: the loss before the update.
   */
  double step(Batch batch, double lr) {
    int b = batch.size();
    int t = batch.width();
    int[] ids = new int[b * t];
    int[] labels = new int[b * t];
    for (int i = 0; i < b; i++) {
      System.arraycopy(batch.inputIds()[i], 0, ids, i * t, t);
      System.arraycopy(batch.labels()[i], 0, labels, i * t, t);
    }
    // right padding, as the per-op loss: causal attention keeps pads (all at the end, labels −100)
    // from influencing the real positions, so no padding mask is needed
    return trainer.step(TrainBatch.of(ids, labels, b, t), lr).loss();
  }

  /** The host AdamW's state of {@code params}, as the device step takes it. */
  private static ResidentTrainer.OptimizerState stateOf(AdamW opt, List<Parameter> params) {
    List<float[]> m = new ArrayList<>(), v = new ArrayList<>();
    long steps = 0;
    for (Parameter p : params) {
      AdamW.Moments mo = opt.moments(p);
      int n = (int) p.value().size();
      m.add(mo == null ? new float[n] : mo.expAvg());
      v.add(mo == null ? new float[n] : mo.expAvgSq());
      steps = Math.max(steps, mo == null ? 0 : mo.step());
    }
    return new ResidentTrainer.OptimizerState(steps, m, v);
  }

  /** Copies AdamW's moments from the device into the host optimizer (before a checkpoint). */
  void copyOptimizerStateTo(Optimizer opt) {
    ResidentTrainer.OptimizerState state = trainer.copyOptimizerStateToHost();
    List<Parameter> params = opt.parameters();
    for (int i = 0; i < params.size(); i++) {
      ((AdamW) opt)
          .setMoments(
              params.get(i),
              new AdamW.Moments(state.expAvg().get(i), state.expAvgSq().get(i), state.steps()));
    }
  }

  /** Copies the trained values into the host's parameters. */
  void copyToHost() {
    trainer.copyParametersToHost();
  }

  /** The device memory the step planned, in bytes. */
  long plannedDeviceBytes() {
    return trainer.plannedDeviceBytes();
  }

  /** Steps the device ran. */
  long deviceSteps() {
    return trainer.deviceSteps();
  }

  /** The longest example of {@code examples}, in tokens. */
  static int longest(List<TokenizedExample> examples) {
    int t = 1;
    for (TokenizedExample e : examples) {
      t = Math.max(t, e.inputIds().length);
    }
    return t;
  }

  @Override
  public void close() {
    trainer.close();
  }
}
