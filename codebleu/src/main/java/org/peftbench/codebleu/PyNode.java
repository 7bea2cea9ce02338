package org.peftbench.codebleu;

import java.util.ArrayList;
import java.util.List;

/**
 * A node of a Python concrete syntax tree shaped exactly like tree-sitter-python 0.21's (the
 * grammar the CodeBLEU reference pins): the same node types, the same field names, anonymous tokens
 * (keywords, punctuation) as leaves whose type is their text, and positions as (row, byte column).
 * CodeBLEU's syntax match compares S-expressions of these trees and its data-flow match walks them,
 * so the shape has to be tree-sitter's, not Python's {@code ast}.
 */
public final class PyNode {
  final String type;
  final boolean named;
  String field;
  final List<PyNode> children = new ArrayList<>();
  int startRow;
  int startCol;
  int endRow;
  int endCol;

  PyNode(String type, boolean named) {
    this.type = type;
    this.named = named;
  }

  public String type() {
    return type;
  }

  public boolean named() {
    return named;
  }

  public List<PyNode> children() {
    return children;
  }

  /** The field name this node has in its parent, or null. */
  public String field() {
    return field;
  }

  /** The first child with the given field name, or null. */
  public PyNode child(String fieldName) {
    for (PyNode c : children) {
      if (fieldName.equals(c.field)) {
        return c;
      }
    }
    return null;
  }

  /** Appends a child (and widens this node's span to cover it). */
  PyNode add(PyNode child) {
    if (child == null) {
      return this;
    }
    if (children.isEmpty() && startRow == 0 && startCol == 0 && endRow == 0 && endCol == 0) {
      startRow = child.startRow;
      startCol = child.startCol;
    }
    children.add(child);
    endRow = child.endRow;
    endCol = child.endCol;
    return this;
  }

  PyNode add(String fieldName, PyNode child) {
    if (child != null) {
      child.field = fieldName;
    }
    return add(child);
  }

  /** Tree-sitter's S-expression: named nodes only, with their field names. */
  public String sexp() {
    StringBuilder sb = new StringBuilder();
    write(sb);
    return sb.toString();
  }

  private void write(StringBuilder sb) {
    sb.append('(').append(type);
    for (PyNode c : children) {
      if (c.named) {
        sb.append(' ');
        if (c.field != null) {
          sb.append(c.field).append(": ");
        }
        c.write(sb);
      }
    }
    sb.append(')');
  }

  /** Leaves in order (what CodeBLEU's data flow calls code tokens, strings counting as one). */
  void leaves(List<PyNode> out) {
    if (children.isEmpty()) {
      out.add(this);
    }
    for (PyNode c : children) {
      c.leaves(out);
    }
  }

  @Override
  public String toString() {
    return sexp();
  }
}
