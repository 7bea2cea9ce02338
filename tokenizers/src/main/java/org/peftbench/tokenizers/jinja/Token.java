package org.peftbench.tokenizers.jinja;

/** One lexical token of a template: literal text, a tag delimiter, or a piece of an expression. */
record Token(Type type, String text, int line) {
  enum Type {
    TEXT,
    VAR_BEGIN,
    VAR_END,
    BLOCK_BEGIN,
    BLOCK_END,
    NAME,
    STRING,
    INT,
    FLOAT,
    OP,
    EOF
  }

  boolean is(Type t, String s) {
    return type == t && text.equals(s);
  }

  boolean isOp(String s) {
    return is(Type.OP, s);
  }

  boolean isName(String s) {
    return is(Type.NAME, s);
  }

  @Override
  public String toString() {
    return type == Type.EOF ? "end of template" : "'" + text + "'";
  }
}
