package org.peftbench.transformer;

/**
 * A model folder, config or weight file we cannot use: missing, malformed, inconsistent or
 * describing something unsupported. The message names the file and the problem.
 */
public class ModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
