package org.peftbench.tokenizers.jinja;

/**
 * Why a chat template could not be rendered: a syntax error, a failed operation (undefined value,
 * wrong type), a {@code raise_exception(...)} call of the template itself, a construct the sandbox
 * forbids, or a resource limit. The message is one line.
 */
public final class TemplateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The class of failure; {@link #LIMIT} and {@link #FORBIDDEN} come from the sandbox. */
  public enum Kind {
    SYNTAX,
    UNDEFINED,
    TYPE,
    RAISED,
    FORBIDDEN,
    LIMIT
  }

  private final Kind kind;

  public TemplateException(Kind kind, String message) {
    super(oneLine(message));
    this.kind = kind;
  }

  /**
   * The message with control characters shown as escapes: messages quote template text, and a
   * quoted line break (or carriage return) would split the one error line a user reads.
   */
  static String oneLine(String message) {
    StringBuilder sb = new StringBuilder(message.length());
    for (int i = 0; i < message.length(); i++) {
      char ch = message.charAt(i);
      switch (ch) {
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20 || ch == 0x7f || ch == '\u0085' || ch == '\u2028' || ch == '\u2029') {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    return sb.toString();
  }

  public Kind kind() {
    return kind;
  }

  static TemplateException syntax(int line, String message) {
    return new TemplateException(Kind.SYNTAX, "syntax error at line " + line + ": " + message);
  }

  static TemplateException type(String message) {
    return new TemplateException(Kind.TYPE, message);
  }
}
