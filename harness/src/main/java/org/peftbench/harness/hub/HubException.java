package org.peftbench.harness.hub;

/** A hub repo that cannot be resolved or downloaded; the message names the repo and the cause. */
public final class HubException extends IllegalArgumentException {
  public HubException(String message) {
    super(message);
  }

  public HubException(String message, Throwable cause) {
    super(message, cause);
  }
}
