package org.peftbench.harness.run;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.StateDicts;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.safetensors.SafetensorsFile;
import org.peftbench.tensor.safetensors.SafetensorsWriter;

/**
 * What a training and evaluation run needs from an (adapted) causal LM. {@link PeftRunModel} is the
 * implementation over the transformer and PEFT modules; tests may use a small model of their own to
 * exercise the training loop.
 */
public interface RunModel {
  /** The parameters the optimizer updates (the adapter's), in a fixed order. */
  List<Parameter> trainableParameters();

  /**
   * The mean cross-entropy of a batch over its non-ignored, shifted labels, recorded for backward.
   * Dropout follows the {@link org.peftbench.autograd.StepContext} open: on, with masks drawn from
   * (seed, step, micro-batch, module), inside a training step; off otherwise.
   */
  Var loss(Batch batch);

  /**
   * Throws (one line naming {@code what}) when a sequence of {@code tokens} real tokens does not
   * fit the model's positions; models without a limit accept everything.
   */
  default void checkSequenceLength(int tokens, String what) {}

  /** The token id used for padding. */
  int padId();

  /**
   * Recomputes activations in backward instead of keeping them (gradient checkpointing); a model
   * without layers to recompute ignores it.
   */
  default void setGradientCheckpointing(boolean on) {}

  /** Writes the adapter (HF PEFT format: adapter_config.json + adapter_model.safetensors). */
  void saveAdapter(Path dir);

  /** Copies the weights of a saved adapter into this model's trainable parameters. */
  void loadAdapterWeights(Path dir);

  /**
   * Writes the exact values of the trainable parameters, by name, to a safetensors file. Resuming
   * needs them: an adapter file may hold less (P-tuning saves only its encoder's output).
   */
  default void saveTrainable(Path file) {
    SafetensorsWriter w = new SafetensorsWriter();
    for (Parameter p : trainableParameters()) {
      w.add(p.name(), p.value());
    }
    w.write(file);
  }

  /** Copies the values {@link #saveTrainable} wrote back into the trainable parameters. */
  default void loadTrainable(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, Tensor> state = new HashMap<>();
      for (String name : f.names()) {
        state.put(name, f.tensor(name));
      }
      for (Parameter p : trainableParameters()) {
        StateDicts.copyInto(state, p.name(), p, file.toString());
      }
    }
  }
}
