package org.peftbench.codebleu;

/** A token of Python source; positions are (row, UTF-8 byte column), as tree-sitter counts. */
record PyToken(Kind kind, String text, int startRow, int startCol, int endRow, int endCol) {
  enum Kind {
    NAME,
    INTEGER,
    FLOAT,
    STRING,
    OP,
    NEWLINE,
    INDENT,
    DEDENT,
    END
  }

  boolean is(String s) {
    return (kind == Kind.OP || kind == Kind.NAME) && text.equals(s);
  }

  PyNode leaf(String type, boolean named) {
    PyNode n = new PyNode(type, named);
    n.startRow = startRow;
    n.startCol = startCol;
    n.endRow = endRow;
    n.endCol = endCol;
    return n;
  }

  /** An anonymous token node: its type is its text. */
  PyNode anonymous() {
    return leaf(text, false);
  }
}
