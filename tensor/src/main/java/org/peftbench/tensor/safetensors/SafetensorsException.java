package org.peftbench.tensor.safetensors;

import java.nio.file.Path;

/**
 * A safetensors file or checkpoint that cannot be read: malformed, inconsistent, missing or holding
 * something we do not support. The message always names the file and, where it applies, the tensor.
 */
public class SafetensorsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SafetensorsException(Path file, String tensor, String problem) {
    this(file, tensor, problem, null);
  }

  public SafetensorsException(Path file, String tensor, String problem, Throwable cause) {
    super(message(file, tensor, problem), cause);
  }

  private static String message(Path file, String tensor, String problem) {
    String where = file == null ? "safetensors" : file.toString();
    return tensor == null
        ? where + ": " + problem
        : where + ": tensor '" + tensor + "': " + problem;
  }
}
