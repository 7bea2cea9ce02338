package org.peftbench.codebleu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * CodeBLEU's {@code remove_comments_and_docstrings} for Python: re-assembles the code from the
 * tokens of Python's {@code tokenize} module without comments and without string tokens that start
 * a logical line (docstrings, but also e.g. {@code '{}'.format(x)} at column 0: the reference does
 * the same), then drops blank lines. Where Python's tokenizer would fail (EOF inside brackets or a
 * triple-quoted string, bad dedent) the code is returned unchanged, as the reference falls back to
 * the original code.
 */
final class CommentStripper {
  private enum Type {
    STRING,
    COMMENT,
    NEWLINE,
    NL,
    INDENT,
    DEDENT,
    OTHER
  }

  private record Tok(
      Type type, String text, int startLine, int startCol, int endLine, int endCol) {}

  private static final class TokenizeError extends RuntimeException {
    TokenizeError(String m) {
      super(m);
    }
  }

  private static final String[] OPERATORS = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "<<", ">>", "<=", ">=", "==", "!=",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "<>"
  };

  private CommentStripper() {}

  static String strip(String source) {
    List<Tok> toks;
    try {
      toks = tokenize(source);
    } catch (TokenizeError e) {
      return source;
    }
    StringBuilder out = new StringBuilder();
    Type prev = Type.INDENT;
    int lastLine = -1;
    int lastCol = 0;
    for (Tok t : toks) {
      if (t.startLine > lastLine) {
        lastCol = 0;
      }
      if (t.startCol > lastCol) {
        out.append(" ".repeat(t.startCol - lastCol));
      }
      if (t.type == Type.COMMENT) {
        // dropped
      } else if (t.type == Type.STRING) {
        if (prev != Type.INDENT && prev != Type.NEWLINE && t.startCol > 0) {
          out.append(t.text);
        }
      } else {
        out.append(t.text);
      }
      prev = t.type;
      lastCol = t.endCol;
      lastLine = t.endLine;
    }
    List<String> kept = new ArrayList<>();
    for (String line : out.toString().split("\n", -1)) {
      if (!line.strip().isEmpty()) {
        kept.add(line);
      }
    }
    return String.join("\n", kept);
  }

  /** Python's tokenize.generate_tokens, as far as the stripping above depends on it. */
  private static List<Tok> tokenize(String source) {
    List<String> lines = new ArrayList<>();
    int from = 0;
    for (int k = 0; k < source.length(); k++) {
      if (source.charAt(k) == '\n') {
        lines.add(source.substring(from, k + 1));
        from = k + 1;
      }
    }
    if (from < source.length()) {
      lines.add(source.substring(from));
    }
    List<Tok> out = new ArrayList<>();
    Deque<Integer> indents = new ArrayDeque<>();
    indents.push(0);
    int parens = 0;
    boolean continued = false;
    // an open triple-quoted (or backslash-continued) string: its start and text so far
    StringBuilder contStr = null;
    String contQuote = null;
    int contLine = 0;
    int contCol = 0;
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      int pos = 0;
      int max = line.length();
      if (contStr != null) {
        int end = findClose(line, 0, contQuote);
        if (end < 0) {
          contStr.append(line);
          continue;
        }
        contStr.append(line, 0, end);
        out.add(new Tok(Type.STRING, contStr.toString(), contLine, contCol, lineNo, end));
        contStr = null;
        pos = end;
      } else if (parens == 0 && !continued) {
        int column = 0;
        while (pos < max) {
          char c = line.charAt(pos);
          if (c == ' ') {
            column++;
          } else if (c == '\t') {
            column = (column / 8 + 1) * 8;
          } else if (c == '\f') {
            column = 0;
          } else {
            break;
          }
          pos++;
        }
        if (pos == max) {
          break; // only whitespace without newline: the end
        }
        char c = line.charAt(pos);
        if (c == '#' || c == '\r' || c == '\n') {
          if (c == '#') {
            String comment = line.substring(pos).replaceAll("[\r\n]+$", "");
            out.add(new Tok(Type.COMMENT, comment, lineNo, pos, lineNo, pos + comment.length()));
            pos += comment.length();
          }
          out.add(new Tok(Type.NL, line.substring(pos), lineNo, pos, lineNo, line.length()));
          continue;
        }
        if (column > indents.peek()) {
          indents.push(column);
          out.add(new Tok(Type.INDENT, line.substring(0, pos), lineNo, 0, lineNo, pos));
        }
        while (column < indents.peek()) {
          indents.pop();
          if (column > indents.peek()) {
            throw new TokenizeError("unindent does not match any outer indentation level");
          }
          out.add(new Tok(Type.DEDENT, "", lineNo, pos, lineNo, pos));
        }
      } else {
        if (line.isEmpty()) {
          throw new TokenizeError("EOF in multi-line statement");
        }
        continued = false;
      }
      while (pos < max) {
        char c = line.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\f') {
          pos++;
          continue;
        }
        int start = pos;
        if (c == '#') {
          String comment = line.substring(pos).replaceAll("[\r\n]+$", "");
          out.add(new Tok(Type.COMMENT, comment, lineNo, pos, lineNo, pos + comment.length()));
          pos += comment.length();
        } else if (c == '\r' || c == '\n') {
          Type type = parens > 0 ? Type.NL : Type.NEWLINE;
          out.add(new Tok(type, line.substring(pos), lineNo, pos, lineNo, line.length()));
          pos = max;
        } else if (c == '\\'
            && (pos + 1 == max || line.charAt(pos + 1) == '\n' || line.charAt(pos + 1) == '\r')) {
          continued = true;
          pos = max;
        } else if (stringPrefixAt(line, pos) >= 0) {
          int q = stringPrefixAt(line, pos);
          char quote = line.charAt(q);
          String delimiter =
              line.startsWith("" + quote + quote + quote, q)
                  ? "" + quote + quote + quote
                  : "" + quote;
          int close = findClose(line, q + delimiter.length(), delimiter);
          if (close >= 0) {
            out.add(new Tok(Type.STRING, line.substring(pos, close), lineNo, pos, lineNo, close));
            pos = close;
          } else if (delimiter.length() == 3 || line.replaceAll("[\r\n]+$", "").endsWith("\\")) {
            contStr = new StringBuilder(line.substring(pos));
            contQuote = delimiter;
            contLine = lineNo;
            contCol = pos;
            pos = max;
          } else {
            // unterminated single-quoted string: tokenize emits the quote as an error token
            out.add(new Tok(Type.OTHER, line.substring(pos, q + 1), lineNo, pos, lineNo, q + 1));
            pos = q + 1;
          }
        } else if (Character.isDigit(c)
            || (c == '.' && pos + 1 < max && Character.isDigit(line.charAt(pos + 1)))) {
          pos++;
          while (pos < max
              && (Character.isLetterOrDigit(line.charAt(pos))
                  || line.charAt(pos) == '_'
                  || line.charAt(pos) == '.'
                  || ((line.charAt(pos) == '+' || line.charAt(pos) == '-')
                      && (line.charAt(pos - 1) == 'e' || line.charAt(pos - 1) == 'E')))) {
            pos++;
          }
          out.add(new Tok(Type.OTHER, line.substring(start, pos), lineNo, start, lineNo, pos));
        } else if (Character.isUnicodeIdentifierStart(c) || c == '_') {
          pos++;
          while (pos < max
              && (Character.isUnicodeIdentifierPart(line.charAt(pos)) || line.charAt(pos) == '_')) {
            pos++;
          }
          out.add(new Tok(Type.OTHER, line.substring(start, pos), lineNo, start, lineNo, pos));
        } else {
          String op = String.valueOf(c);
          for (String candidate : OPERATORS) {
            if (line.startsWith(candidate, pos)) {
              op = candidate;
              break;
            }
          }
          if ("([{".indexOf(c) >= 0) {
            parens++;
          } else if (")]}".indexOf(c) >= 0) {
            parens--;
          }
          pos += op.length();
          out.add(new Tok(Type.OTHER, op, lineNo, start, lineNo, pos));
        }
      }
    }
    if (contStr != null) {
      throw new TokenizeError("EOF in multi-line string");
    }
    if (parens != 0 || continued) {
      // Python keeps reading continuation lines while brackets are unbalanced either way
      throw new TokenizeError("EOF in multi-line statement");
    }
    // A last line without '\n' still ends its logical line.
    if (!out.isEmpty()) {
      Tok last = out.get(out.size() - 1);
      if (last.type != Type.NEWLINE && last.type != Type.NL) {
        // at the end of that line, after any trailing blanks (which so stay in the output)
        int width = lines.get(lines.size() - 1).length();
        out.add(new Tok(Type.NEWLINE, "", lineNo, width, lineNo, width + 1));
      }
    }
    int end = lineNo + 1;
    while (indents.size() > 1) {
      indents.pop();
      out.add(new Tok(Type.DEDENT, "", end, 0, end, 0));
    }
    return out;
  }

  /**
   * Index of the opening quote when a string literal (with prefix) starts at {@code pos}, else -1.
   */
  private static int stringPrefixAt(String line, int pos) {
    int k = pos;
    while (k < line.length() && k - pos < 3 && "rRbBuUfF".indexOf(line.charAt(k)) >= 0) {
      k++;
    }
    if (k < line.length() && (line.charAt(k) == '\'' || line.charAt(k) == '"')) {
      if (k > pos && pos > 0 && (Character.isUnicodeIdentifierPart(line.charAt(pos - 1)))) {
        return -1;
      }
      return k;
    }
    return -1;
  }

  /** Index just past the closing delimiter in {@code line} from {@code from}, or -1. */
  private static int findClose(String line, int from, String delimiter) {
    int k = from;
    while (k < line.length()) {
      char c = line.charAt(k);
      if (c == '\\') {
        k += 2;
        continue;
      }
      if (delimiter.length() == 1 && (c == '\n' || c == '\r')) {
        return -1;
      }
      if (line.startsWith(delimiter, k)) {
        return k + delimiter.length();
      }
      k++;
    }
    return -1;
  }
}
