package org.peftbench.codebleu;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splits Python source into tokens: names, numbers, whole string literals, operators, and the
 * NEWLINE / INDENT / DEDENT structure (lines joined inside brackets and after a backslash; comments
 * skipped).
 */
final class PyLexer {
  private static final String[] OPERATORS = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "<<", ">>", "<=", ">=", "==", "!=",
    "<>", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "+", "-", "*", "/", "%", "@", "&",
    "|", "^", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=", "!"
  };

  private final String src;
  private int pos;
  private int row;
  private int lineStart; // char index where the current row starts
  private final List<PyToken> tokens = new ArrayList<>();
  private final Deque<Integer> indents = new ArrayDeque<>();
  private int depth; // open brackets

  private PyLexer(String src) {
    this.src = src;
    indents.push(0);
  }

  static List<PyToken> tokenize(String src) {
    PyLexer lexer = new PyLexer(src);
    lexer.run();
    return lexer.tokens;
  }

  /** UTF-8 byte column of char index {@code i} on the current row. */
  private int col(int i) {
    return src.substring(lineStart, i).getBytes(StandardCharsets.UTF_8).length;
  }

  private void newline(int i) {
    row++;
    lineStart = i + 1;
  }

  private void run() {
    boolean atLineStart = true;
    while (pos < src.length()) {
      if (atLineStart && depth == 0) {
        // Measure indentation; blank and comment-only lines do not count.
        int i = pos;
        int width = 0;
        while (i < src.length()
            && (src.charAt(i) == ' ' || src.charAt(i) == '\t' || src.charAt(i) == '\f')) {
          width = src.charAt(i) == '\t' ? (width / 8 + 1) * 8 : width + 1;
          i++;
        }
        if (i >= src.length()) {
          pos = i;
          break;
        }
        char c = src.charAt(i);
        if (c == '\n' || c == '\r' || c == '#') {
          pos = i;
          skipToLineEnd();
          continue;
        }
        pos = i;
        atLineStart = false;
        if (width > indents.peek()) {
          indents.push(width);
          tokens.add(new PyToken(PyToken.Kind.INDENT, "", row, col(i), row, col(i)));
        } else {
          while (width < indents.peek()) {
            indents.pop();
            tokens.add(new PyToken(PyToken.Kind.DEDENT, "", row, col(i), row, col(i)));
          }
        }
      }
      char c = src.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\f') {
        pos++;
      } else if (c == '\\'
          && pos + 1 < src.length()
          && (src.charAt(pos + 1) == '\n' || src.charAt(pos + 1) == '\r')) {
        pos++;
        if (src.charAt(pos) == '\r' && pos + 1 < src.length() && src.charAt(pos + 1) == '\n') {
          pos++;
        }
        newline(pos);
        pos++;
      } else if (c == '#') {
        while (pos < src.length() && src.charAt(pos) != '\n') {
          pos++;
        }
      } else if (c == '\n' || c == '\r') {
        if (depth == 0) {
          addNewline();
          atLineStart = true;
        }
        if (c == '\r' && pos + 1 < src.length() && src.charAt(pos + 1) == '\n') {
          pos++;
        }
        newline(pos);
        pos++;
      } else if (isStringStart()) {
        string();
      } else if (Character.isDigit(c)
          || (c == '.' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1)))) {
        number();
      } else if (Character.isUnicodeIdentifierStart(c) || c == '_') {
        int start = pos;
        while (pos < src.length()
            && (Character.isUnicodeIdentifierPart(src.charAt(pos)) || src.charAt(pos) == '_')
            && !Character.isIdentifierIgnorable(src.charAt(pos))) {
          pos++;
        }
        add(PyToken.Kind.NAME, start, pos);
      } else {
        operator();
      }
    }
    addNewline();
    while (indents.peek() > 0) {
      indents.pop();
      tokens.add(new PyToken(PyToken.Kind.DEDENT, "", row, col(pos), row, col(pos)));
    }
    tokens.add(new PyToken(PyToken.Kind.END, "", row, col(pos), row, col(pos)));
  }

  private void skipToLineEnd() {
    while (pos < src.length() && src.charAt(pos) != '\n') {
      pos++;
    }
    if (pos < src.length()) {
      newline(pos);
      pos++;
    }
  }

  private void addNewline() {
    if (!tokens.isEmpty()
        && tokens.get(tokens.size() - 1).kind() != PyToken.Kind.NEWLINE
        && tokens.get(tokens.size() - 1).kind() != PyToken.Kind.DEDENT
        && tokens.get(tokens.size() - 1).kind() != PyToken.Kind.INDENT) {
      tokens.add(new PyToken(PyToken.Kind.NEWLINE, "", row, col(pos), row, col(pos)));
    }
  }

  private void add(PyToken.Kind kind, int start, int end) {
    tokens.add(new PyToken(kind, src.substring(start, end), row, col(start), row, col(end)));
  }

  private boolean isStringStart() {
    int i = pos;
    int letters = 0;
    while (i < src.length() && letters < 3 && "rRbBuUfF".indexOf(src.charAt(i)) >= 0) {
      i++;
      letters++;
    }
    return i < src.length() && (src.charAt(i) == '\'' || src.charAt(i) == '"');
  }

  /** One whole string literal (prefix, quotes, body) as a STRING token, possibly multi-line. */
  private void string() {
    int start = pos;
    int startRow = row;
    int startCol = col(pos);
    boolean raw = false;
    while ("rRbBuUfF".indexOf(src.charAt(pos)) >= 0) {
      raw |= src.charAt(pos) == 'r' || src.charAt(pos) == 'R';
      pos++;
    }
    char q = src.charAt(pos);
    boolean triple = src.startsWith("" + q + q + q, pos);
    pos += triple ? 3 : 1;
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\\' && pos + 1 < src.length()) {
        if (src.charAt(pos + 1) == '\n') {
          newline(pos + 1);
        }
        pos += 2;
        continue;
      }
      if (c == '\n') {
        if (!triple) {
          break; // unterminated: tree-sitter ends the string here too
        }
        newline(pos);
      }
      if (c == q && (!triple || src.startsWith("" + q + q + q, pos))) {
        pos += triple ? 3 : 1;
        break;
      }
      pos++;
    }
    tokens.add(
        new PyToken(
            PyToken.Kind.STRING, src.substring(start, pos), startRow, startCol, row, col(pos)));
  }

  private void number() {
    int start = pos;
    boolean isFloat = false;
    if (src.charAt(pos) == '0'
        && pos + 1 < src.length()
        && "xXoObB".indexOf(src.charAt(pos + 1)) >= 0) {
      pos += 2;
      while (pos < src.length()
          && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
        pos++;
      }
      add(PyToken.Kind.INTEGER, start, pos);
      return;
    }
    digits();
    if (pos < src.length() && src.charAt(pos) == '.') {
      isFloat = true;
      pos++;
      digits();
    }
    if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      int save = pos;
      pos++;
      if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
        pos++;
      }
      if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
        isFloat = true;
        digits();
      } else {
        pos = save;
      }
    }
    if (pos < src.length() && "jJlL".indexOf(src.charAt(pos)) >= 0) {
      pos++;
    }
    add(isFloat ? PyToken.Kind.FLOAT : PyToken.Kind.INTEGER, start, pos);
  }

  private void digits() {
    while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
      pos++;
    }
  }

  private void operator() {
    for (String op : OPERATORS) {
      if (src.startsWith(op, pos)) {
        if (op.equals("(") || op.equals("[") || op.equals("{")) {
          depth++;
        } else if ((op.equals(")") || op.equals("]") || op.equals("}")) && depth > 0) {
          depth--;
        }
        add(PyToken.Kind.OP, pos, pos + op.length());
        pos += op.length();
        return;
      }
    }
    // Anything else (e.g. '$', '?', a stray backslash) becomes an operator token the parser
    // rejects.
    add(PyToken.Kind.OP, pos, pos + 1);
    pos++;
  }
}
