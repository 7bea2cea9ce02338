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
    super(message);
    this.kind = kind;
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
