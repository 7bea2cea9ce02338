package org.peftbench.datasets;

/**
 * A data problem the user can fix: a missing split, a malformed line, an unknown label. The message
 * always names the file (and line or row where there is one) and what was expected.
 */
public class DatasetException extends RuntimeException {
  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
