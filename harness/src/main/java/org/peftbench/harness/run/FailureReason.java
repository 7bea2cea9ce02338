package org.peftbench.harness.run;

/** The one-line reason of a failed run, as its FAILED result and the progress line show it. */
public final class FailureReason {
  private FailureReason() {}

  /**
   * The message (or the type when there is none, with its cause's message); the JVM's resource
   * errors get a hint, since "Java heap space" alone does not say what to do.
   */
  public static String of(Throwable t) {
    return switch (t) {
      case OutOfMemoryError e ->
          "out of memory ("
              + plain(e)
              + "): give the JVM more (JAVA_OPTS=-Xmx...), or lower batch_size / max_seq_len";
      case StackOverflowError e -> "stack overflow (input nested too deeply)";
      default -> plain(t);
    };
  }

  private static String plain(Throwable t) {
    String msg = t.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = t.getClass().getSimpleName();
      if (t.getCause() != null) {
        msg += ": " + plain(t.getCause());
      }
    }
    return msg.lines().findFirst().orElse(msg);
  }
}
