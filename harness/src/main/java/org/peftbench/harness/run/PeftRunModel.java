package org.peftbench.harness.run;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.safetensors.SafetensorsFile;
import org.peftbench.transformer.SequenceLimits;

/** {@link RunModel} over a {@link PeftModel}: the adapted causal LM of a run. */
public final class PeftRunModel implements RunModel {
  private final PeftModel model;
  private final String baseModelName;
  private final int padId;

  public PeftRunModel(PeftModel model, String baseModelName, int padId) {
    this.model = model;
    this.baseModelName = baseModelName;
    this.padId = padId;
  }

  public PeftModel peft() {
    return model;
  }

  @Override
  public List<Parameter> trainableParameters() {
    return model.trainableParameters();
  }

  /**
   * Right-padded batch, no attention mask needed: causal attention keeps pad positions (all at the
   * end) from influencing real ones, and their labels are −100. The adapter's dropout draws its
   * masks from the open {@link org.peftbench.autograd.StepContext}.
   */
  @Override
  public Var loss(Batch batch) {
    int b = batch.size();
    int t = batch.width();
    int[] ids = new int[b * t];
    int[] labels = new int[b * t];
    for (int i = 0; i < b; i++) {
      System.arraycopy(batch.inputIds()[i], 0, ids, i * t, t);
      System.arraycopy(batch.labels()[i], 0, labels, i * t, t);
    }
    return model.loss(ids, null, labels, b, t);
  }

  @Override
  public void checkSequenceLength(int tokens, String what) {
    SequenceLimits.check(model.base().config(), model.reservedPositions(), tokens, what);
  }

  @Override
  public void setGradientCheckpointing(boolean on) {
    model.base().setGradientCheckpointing(on);
  }

  @Override
  public int padId() {
    return padId;
  }

  @Override
  public void saveAdapter(Path dir) {
    model.save(dir, baseModelName);
  }

  @Override
  public void loadAdapterWeights(Path dir) {
    loadWeights(model, dir);
  }

  /** Copies {@code adapter_model.safetensors} of {@code dir} into the model's adapter. */
  public static void loadWeights(PeftModel model, Path dir) {
    Path f = dir.resolve(PeftModel.WEIGHTS_FILE);
    if (!java.nio.file.Files.isRegularFile(f)) {
      throw new IllegalArgumentException(
          "adapter folder " + dir + " has no " + PeftModel.WEIGHTS_FILE);
    }
    try (SafetensorsFile file = SafetensorsFile.open(f)) {
      Map<String, Tensor> state = new LinkedHashMap<>();
      for (String name : file.names()) {
        state.put(name, file.tensor(name));
      }
      model.method().load(state, f.toString());
    }
  }
}
