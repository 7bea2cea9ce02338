package org.peftbench.harness.cli;

/**
 * A failure caused by the user's input (a missing file, a bad value). Its message is shown as is,
 * without a stack trace.
 */
public class UserError extends RuntimeException {
  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
