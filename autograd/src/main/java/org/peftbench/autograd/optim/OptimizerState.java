package org.peftbench.autograd.optim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.safetensors.SafetensorsFile;
import org.peftbench.tensor.safetensors.SafetensorsWriter;

/**
 * Optimizer state on disk: a safetensors file (written atomically) holding tensor {@code
 * <parameter>/<slot>} for every state slot (e.g. {@code exp_avg}), and {@code __metadata__} entries
 * {@code optimizer}, {@code hyper.<name>} and {@code step.<parameter>}.
 */
final class OptimizerState {
  private final Path file;
  private final Map<String, String> metadata;
  private final Map<String, float[]> tensors;
  private final Map<String, int[]> shapes;

  private OptimizerState(
      Path file,
      Map<String, String> metadata,
      Map<String, float[]> tensors,
      Map<String, int[]> shapes) {
    this.file = file;
    this.metadata = metadata;
    this.tensors = tensors;
    this.shapes = shapes;
  }

  static Builder builder(String optimizer) {
    return new Builder(optimizer);
  }

  /** Collects state and writes it. */
  static final class Builder {
    private final SafetensorsWriter writer = new SafetensorsWriter();

    private Builder(String optimizer) {
      writer.metadata("optimizer", optimizer);
      writer.metadata("format", "peftbench-optimizer-state-1");
    }

    Builder hyper(String name, double value) {
      writer.metadata("hyper." + name, Double.toString(value));
      return this;
    }

    Builder tensor(String param, String slot, Tensor t) {
      writer.add(param + "/" + slot, t);
      return this;
    }

    Builder step(String param, long step) {
      writer.metadata("step." + param, Long.toString(step));
      return this;
    }

    void write(Path file) {
      writer.write(file);
    }
  }

  /** Reads a state file, checking it was written by {@code optimizer}. */
  static OptimizerState read(Path file, String optimizer) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("optimizer state file " + file + " does not exist");
    }
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, String> meta = Map.copyOf(f.metadata());
      String kind = meta.get("optimizer");
      if (!optimizer.equals(kind)) {
        throw new IllegalArgumentException(
            "optimizer state file "
                + file
                + " holds state of optimizer '"
                + kind
                + "', expected '"
                + optimizer
                + "'");
      }
      Map<String, float[]> tensors = new java.util.HashMap<>();
      Map<String, int[]> shapes = new java.util.HashMap<>();
      for (String name : f.names()) {
        Tensor t = f.tensor(name);
        tensors.put(name, t.toFloatArray());
        shapes.put(name, t.shape());
      }
      return new OptimizerState(file, meta, tensors, shapes);
    }
  }

  boolean has(String param) {
    return metadata.containsKey("step." + param);
  }

  long step(String param) {
    try {
      return Long.parseLong(metadata.get("step." + param));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "optimizer state file " + file + ": bad step count for " + param);
    }
  }

  /** Copies slot {@code slot} of parameter p into {@code dst}, checking the shape. */
  void copy(Parameter p, String slot, float[] dst) {
    String name = p.name() + "/" + slot;
    float[] src = tensors.get(name);
    if (src == null) {
      throw new IllegalArgumentException("optimizer state file " + file + " has no tensor " + name);
    }
    if (!Arrays.equals(shapes.get(name), p.shape())) {
      throw new IllegalArgumentException(
          "optimizer state file "
              + file
              + ": "
              + name
              + " has shape "
              + Arrays.toString(shapes.get(name))
              + " but the parameter has "
              + Arrays.toString(p.shape()));
    }
    System.arraycopy(src, 0, dst, 0, dst.length);
  }
}
