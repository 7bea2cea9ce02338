package org.peftbench.harness.run;

import java.nio.file.Path;
import java.util.List;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;

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
   *
   * @param dropoutSeed seeds every dropout mask of this forward pass (training only)
   */
  Var loss(Batch batch, boolean training, long dropoutSeed);

  /**
   * Throws (one line naming {@code what}) when a sequence of {@code tokens} real tokens does not
   * fit the model's positions; models without a limit accept everything.
   */
  default void checkSequenceLength(int tokens, String what) {}

  /** The token id used for padding. */
  int padId();

  /** Writes the adapter (HF PEFT format: adapter_config.json + adapter_model.safetensors). */
  void saveAdapter(Path dir);

  /** Copies the weights of a saved adapter into this model's trainable parameters. */
  void loadAdapterWeights(Path dir);
}
