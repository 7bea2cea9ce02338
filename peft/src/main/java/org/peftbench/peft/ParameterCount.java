package org.peftbench.peft;

/**
 * Trainable and total parameter counts as HF PEFT's {@code print_trainable_parameters} reports
 * them: every parameter of the adapted model once (tied embeddings once), frozen ones included.
 */
public record ParameterCount(long trainable, long total) {
  /** Percentage of trainable parameters, as PEFT prints it. */
  public double trainablePercent() {
    return total == 0 ? 0 : 100.0 * trainable / total;
  }

  @Override
  public String toString() {
    return String.format(
        "trainable params: %,d || all params: %,d || trainable%%: %.4f",
        trainable, total, trainablePercent());
  }
}
