package org.peftbench.codebleu;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds tree-sitter-python's string node from one string literal token: string_start, runs of
 * string_content (with escape_sequence / escape_interpolation children), f-string interpolations,
 * string_end.
 */
final class PyStrings {
  /** tree-sitter-python's escape_sequence token (after the backslash). */
  private static final Pattern ESCAPE =
      Pattern.compile(
          "u[a-fA-F\\d]{4}|U[a-fA-F\\d]{8}|x[a-fA-F\\d]{2}|\\d{3}|\\r?\\n|['\"abfrntv\\\\]|N\\{[^}]+\\}");

  private final String text;
  private final int baseRow;
  private final int baseCol;
  // positions (row, byte column) of every char index of text, and one past the end
  private final int[] rows;
  private final int[] cols;

  private PyStrings(PyToken token) {
    this.text = token.text();
    this.baseRow = token.startRow();
    this.baseCol = token.startCol();
    rows = new int[text.length() + 1];
    cols = new int[text.length() + 1];
    int row = baseRow;
    int col = baseCol;
    for (int k = 0; k < text.length(); k++) {
      rows[k] = row;
      cols[k] = col;
      char c = text.charAt(k);
      if (c == '\n') {
        row++;
        col = 0;
      } else {
        col += String.valueOf(c).getBytes(StandardCharsets.UTF_8).length;
        if (Character.isHighSurrogate(c) && k + 1 < text.length()) {
          // the pair encodes to 4 bytes in total; count them on the high half
          col += 4 - String.valueOf(c).getBytes(StandardCharsets.UTF_8).length;
          k++;
          rows[k] = row;
          cols[k] = col;
        }
      }
    }
    rows[text.length()] = row;
    cols[text.length()] = col;
  }

  static PyNode node(PyToken token) {
    return new PyStrings(token).build();
  }

  private PyNode span(String type, boolean named, int from, int to) {
    PyNode n = new PyNode(type, named);
    n.startRow = rows[from];
    n.startCol = cols[from];
    n.endRow = rows[to];
    n.endCol = cols[to];
    return n;
  }

  private PyNode build() {
    int k = 0;
    boolean raw = false;
    boolean bytes = false;
    boolean format = false;
    while ("rRbBuUfF".indexOf(text.charAt(k)) >= 0) {
      char c = Character.toLowerCase(text.charAt(k));
      raw |= c == 'r';
      bytes |= c == 'b';
      format |= c == 'f';
      k++;
    }
    char q = text.charAt(k);
    int quoteLength = text.startsWith("" + q + q + q, k) ? 3 : 1;
    int bodyStart = k + quoteLength;
    int bodyEnd = text.length();
    boolean closed =
        text.length() >= bodyStart + quoteLength
            && text.endsWith(String.valueOf(q).repeat(quoteLength))
            && !(text.length() > bodyStart
                && text.charAt(text.length() - quoteLength - 1) == '\\'
                && !raw
                && quoteLength == 1
                && escapedAt(text.length() - quoteLength - 1));
    if (closed) {
      bodyEnd = text.length() - quoteLength;
    } else {
      throw new PythonParser.SyntaxError("unterminated string");
    }
    PyNode string = new PyNode("string", true);
    string.add(span("string_start", true, 0, bodyStart));
    PyNode content = null;
    boolean hasContent = !raw;
    int p = bodyStart;
    while (p < bodyEnd) {
      char c = text.charAt(p);
      if (format && (c == '{' || c == '}')) {
        if (p + 1 < bodyEnd && text.charAt(p + 1) == c) {
          content = content == null ? span("string_content", true, p, p) : content;
          content.add(span("escape_interpolation", true, p, p + 2));
          p += 2;
          continue;
        }
        if (c == '}') {
          throw new PythonParser.SyntaxError("single '}' in f-string");
        }
        if (content != null && hasContent) {
          string.add(content);
        }
        content = null;
        hasContent = !raw;
        int[] end = new int[1];
        string.add(interpolation(p, bodyEnd, end, "interpolation"));
        p = end[0];
        continue;
      }
      if (content == null) {
        content = span("string_content", true, p, p);
      }
      if (c == '\\' && p + 1 < bodyEnd && !raw) {
        Matcher m = ESCAPE.matcher(text).region(p + 1, bodyEnd);
        if (m.lookingAt()) {
          String esc = m.group();
          boolean notInBytes =
              bytes && (esc.startsWith("N") || esc.startsWith("u") || esc.startsWith("U"));
          if (!notInBytes) {
            content.add(span("escape_sequence", true, p, m.end()));
            p = m.end();
            continue;
          }
        }
        p += 2;
        extend(content, p);
        continue;
      }
      if (c == '\\' && raw) {
        // In raw strings "\\\\" and an escaped quote are skipped without counting as content.
        char after = p + 1 < bodyEnd ? text.charAt(p + 1) : 0;
        p = Math.min(p + (after == q || after == '\\' || after == '\n' ? 2 : 1), bodyEnd);
        extend(content, p);
        continue;
      }
      hasContent = true;
      p++;
      extend(content, p);
    }
    int endStart = bodyEnd;
    if (content != null && hasContent) {
      string.add(content);
    } else if (content != null) {
      // only skipped backslashes: tree-sitter's string_end then starts where they do
      endStart = indexOf(content);
    }
    string.add(span("string_end", true, endStart, text.length()));
    string.startRow = rows[0];
    string.startCol = cols[0];
    return string;
  }

  /** The char index where {@code node} starts. */
  private int indexOf(PyNode node) {
    for (int k = 0; k <= text.length(); k++) {
      if (rows[k] == node.startRow && cols[k] == node.startCol) {
        return k;
      }
    }
    return text.length();
  }

  private boolean escapedAt(int index) {
    int n = 0;
    for (int k = index; k >= 0 && text.charAt(k) == '\\'; k--) {
      n++;
    }
    return n % 2 == 1;
  }

  private void extend(PyNode content, int to) {
    content.endRow = rows[to];
    content.endCol = cols[to];
  }

  /** '{' expression ['='] ['!x'] [':' format_specifier] '}' starting at {@code open}. */
  private PyNode interpolation(int open, int limit, int[] endOut, String type) {
    PyNode n = new PyNode(type, true).add(span("{", false, open, open + 1));
    int exprStart = open + 1;
    int exprEnd = expressionEnd(exprStart, limit);
    n.add("expression", embedded(exprStart, exprEnd));
    int p = exprEnd;
    if (p < limit && text.charAt(p) == '=') {
      n.add(span("=", false, p, p + 1));
      p++;
    }
    if (p + 1 < limit && text.charAt(p) == '!' && Character.isLowerCase(text.charAt(p + 1))) {
      n.add("type_conversion", span("type_conversion", true, p, p + 2));
      p += 2;
    }
    if (p < limit && text.charAt(p) == ':') {
      PyNode spec = new PyNode("format_specifier", true).add(span(":", false, p, p + 1));
      p++;
      while (p < limit && text.charAt(p) != '}') {
        if (text.charAt(p) == '{') {
          int[] end = new int[1];
          spec.add(interpolation(p, limit, end, "format_expression"));
          p = end[0];
        } else {
          p++;
        }
      }
      spec.endRow = rows[p];
      spec.endCol = cols[p];
      n.add("format_specifier", spec);
    }
    if (p >= limit || text.charAt(p) != '}') {
      throw new PythonParser.SyntaxError("unterminated f-string replacement field");
    }
    n.add(span("}", false, p, p + 1));
    endOut[0] = p + 1;
    return n;
  }

  /** Where a replacement field's expression ends: at a top-level '}', '!x', ':' or trailing '='. */
  private int expressionEnd(int from, int limit) {
    int depth = 0;
    int p = from;
    while (p < limit) {
      char c = text.charAt(p);
      if (c == '\'' || c == '"') {
        int close = text.indexOf(c, p + 1);
        p = close < 0 || close >= limit ? limit : close + 1;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || (c == '}' && depth > 0)) {
        depth--;
      } else if (depth == 0) {
        if (c == '}') {
          return p;
        }
        if (c == '!' && p + 1 < limit && text.charAt(p + 1) != '=') {
          return p;
        }
        if (c == ':' && !(p + 1 < limit && text.charAt(p + 1) == '=')) {
          return p;
        }
        if (c == '='
            && p + 1 < limit
            && "}!:".indexOf(text.charAt(p + 1)) >= 0
            && "=!<>".indexOf(text.charAt(p - 1)) < 0) {
          return p;
        }
      }
      p++;
    }
    return p;
  }

  private PyNode embedded(int from, int to) {
    String code = text.substring(from, to);
    List<PyToken> shifted = new ArrayList<>();
    for (PyToken t : PyLexer.tokenize(code)) {
      if (t.kind() == PyToken.Kind.NEWLINE
          || t.kind() == PyToken.Kind.INDENT
          || t.kind() == PyToken.Kind.DEDENT) {
        continue;
      }
      shifted.add(
          new PyToken(
              t.kind(),
              t.text(),
              shiftRow(from, t.startRow()),
              shiftCol(from, t.startRow(), t.startCol()),
              shiftRow(from, t.endRow()),
              shiftCol(from, t.endRow(), t.endCol())));
    }
    return PythonParser.parseEmbedded(shifted);
  }

  private int shiftRow(int from, int row) {
    return rows[from] + row;
  }

  private int shiftCol(int from, int row, int col) {
    return row == 0 ? cols[from] + col : col;
  }
}
