package org.peftbench.tokenizers.jinja;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.tokenizers.jinja.Token.Type;

/**
 * Splits a template into tokens the way Jinja2's lexer does in the environment transformers uses:
 * {@code trim_blocks} (the newline after a block or comment tag is dropped), {@code lstrip_blocks}
 * (spaces before a block or comment tag alone on its line are dropped), {@code -}/{@code +}
 * whitespace control on every tag, {@code {% raw %}} sections, one trailing newline of the template
 * dropped, and newlines normalized to {@code \n}. Text is never interpreted again: what a variable
 * prints is output, not template source.
 */
final class Lexer {
  private static final String[] OPERATORS = {
    "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
    ">", "<", "=", ".", ":", "|", ",", ";"
  };

  private final String src;
  private final List<Token> out = new ArrayList<>();
  private int pos;
  private int line = 1;

  private Lexer(String src) {
    this.src = src;
  }

  static List<Token> tokenize(String template) {
    String s = template.replace("\r\n", "\n").replace('\r', '\n');
    if (s.endsWith("\n")) {
      s = s.substring(0, s.length() - 1); // keep_trailing_newline=False
    }
    Lexer lx = new Lexer(s);
    lx.run();
    return lx.out;
  }

  private void run() {
    while (pos < src.length()) {
      int tag = nextTagStart(pos);
      if (tag < 0) {
        text(src.substring(pos));
        pos = src.length();
        break;
      }
      String text = src.substring(pos, tag);
      char kind = src.charAt(tag + 1);
      char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
      boolean lineStarting = pos == 0 || src.charAt(pos - 1) == '\n';
      if (sign == '-') {
        text = Py.rstrip(text, null);
      } else if (sign != '+' && kind != '{') {
        int l = text.lastIndexOf('\n') + 1;
        if ((l > 0 || lineStarting) && l < text.length() && Py.isAllWhitespace(text, l)) {
          text = text.substring(0, l);
        }
      }
      text(text);
      countLines(src, pos, tag);
      pos = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
      switch (kind) {
        case '#' -> comment();
        case '{' -> expression(Type.VAR_BEGIN, "}}", Type.VAR_END);
        default -> {
          if (!rawBlock()) {
            expression(Type.BLOCK_BEGIN, "%}", Type.BLOCK_END);
          }
        }
      }
    }
    out.add(new Token(Type.EOF, "", line));
  }

  private int nextTagStart(int from) {
    for (int i = src.indexOf('{', from);
        i >= 0 && i + 1 < src.length();
        i = src.indexOf('{', i + 1)) {
      char c = src.charAt(i + 1);
      if (c == '{' || c == '%' || c == '#') {
        return i;
      }
    }
    return -1;
  }

  private void text(String t) {
    if (!t.isEmpty()) {
      out.add(new Token(Type.TEXT, t, line));
    }
  }

  private void countLines(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == '\n') {
        line++;
      }
    }
  }

  /** After an end delimiter: {@code -} strips all following whitespace, else trim_blocks. */
  private void afterEnd(boolean minus, boolean plus, boolean blockLike) {
    if (minus) {
      int p = pos;
      while (p < src.length() && Py.isWhitespace(src.charAt(p))) {
        p++;
      }
      countLines(src, pos, p);
      pos = p;
    } else if (!plus && blockLike && pos < src.length() && src.charAt(pos) == '\n') {
      pos++;
      line++;
    }
  }

  private void comment() {
    int end = src.indexOf("#}", pos);
    if (end < 0) {
      throw TemplateException.syntax(line, "missing end of comment tag");
    }
    boolean minus = src.charAt(end - 1) == '-';
    boolean plus = src.charAt(end - 1) == '+';
    countLines(src, pos, end);
    pos = end + 2;
    afterEnd(minus, plus, true);
  }

  /** {@code {% raw %}...{% endraw %}}: the body is text, whatever it contains. */
  private boolean rawBlock() {
    int p = skipSpaces(pos);
    if (!src.startsWith("raw", p)
        || (p + 3 < src.length() && Character.isJavaIdentifierPart(src.charAt(p + 3)))) {
      return false;
    }
    p = skipSpaces(p + 3);
    if (src.startsWith("-%}", p)) {
      pos = p + 3;
      afterEnd(true, false, false);
    } else if (src.startsWith("%}", p)) {
      pos = p + 2; // Jinja2 applies no trim_blocks after the raw start tag
    } else {
      throw TemplateException.syntax(line, "malformed raw tag");
    }
    for (int q = src.indexOf("{%", pos); q >= 0; q = src.indexOf("{%", q + 1)) {
      int r = q + 2;
      char sign = r < src.length() ? src.charAt(r) : 0;
      if (sign == '-' || sign == '+') {
        r++;
      }
      r = skipSpaces(r);
      if (!src.startsWith("endraw", r)) {
        continue;
      }
      r = skipSpaces(r + 6);
      boolean minus = src.startsWith("-%}", r);
      boolean plus = src.startsWith("+%}", r);
      if (!minus && !plus && !src.startsWith("%}", r)) {
        continue;
      }
      String body = src.substring(pos, q);
      if (sign == '-') {
        body = Py.rstrip(body, null);
      } else if (sign != '+') {
        int l = body.lastIndexOf('\n') + 1;
        boolean lineStarting = pos == 0 || src.charAt(pos - 1) == '\n';
        if ((l > 0 || lineStarting) && l < body.length() && Py.isAllWhitespace(body, l)) {
          body = body.substring(0, l);
        }
      }
      text(body);
      countLines(src, pos, q);
      pos = r + (minus || plus ? 3 : 2);
      afterEnd(minus, plus, true);
      return true;
    }
    throw TemplateException.syntax(line, "missing end of raw directive");
  }

  private int skipSpaces(int p) {
    while (p < src.length() && Py.isWhitespace(src.charAt(p))) {
      p++;
    }
    return p;
  }

  /** The tokens of one {@code {{ ... }}} or {@code {% ... %}} up to and including its end. */
  private void expression(Type begin, String end, Type endType) {
    out.add(new Token(begin, begin == Type.VAR_BEGIN ? "{{" : "{%", line));
    int depth = 0;
    while (true) {
      while (pos < src.length() && Py.isWhitespace(src.charAt(pos))) {
        if (src.charAt(pos) == '\n') {
          line++;
        }
        pos++;
      }
      if (pos >= src.length()) {
        throw TemplateException.syntax(line, "missing '" + end + "'");
      }
      boolean minus = src.startsWith("-" + end, pos);
      boolean plus = endType == Type.BLOCK_END && src.startsWith("+" + end, pos);
      if (depth == 0 && (minus || plus || src.startsWith(end, pos))) {
        pos += end.length() + (minus || plus ? 1 : 0);
        out.add(new Token(endType, end, line));
        afterEnd(minus, plus, endType == Type.BLOCK_END);
        return;
      }
      char c = src.charAt(pos);
      if (c == '\'' || c == '"') {
        out.add(new Token(Type.STRING, string(c), line));
      } else if (Character.isDigit(c)) {
        number();
      } else if (Character.isLetter(c) || c == '_') {
        int s = pos;
        while (pos < src.length()
            && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
          pos++;
        }
        out.add(new Token(Type.NAME, src.substring(s, pos), line));
      } else {
        String op = null;
        for (String o : OPERATORS) {
          if (src.startsWith(o, pos)) {
            op = o;
            break;
          }
        }
        if (op == null) {
          throw TemplateException.syntax(line, "unexpected character '" + c + "'");
        }
        if (op.equals("(") || op.equals("[") || op.equals("{")) {
          depth++;
        } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
          depth--;
          if (depth < 0) {
            throw TemplateException.syntax(line, "unexpected '" + op + "'");
          }
        }
        pos += op.length();
        out.add(new Token(Type.OP, op, line));
      }
    }
  }

  private void number() {
    int s = pos;
    while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
      pos++;
    }
    boolean isFloat = false;
    if (pos + 1 < src.length()
        && src.charAt(pos) == '.'
        && Character.isDigit(src.charAt(pos + 1))) {
      isFloat = true;
      pos++;
      while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
        pos++;
      }
    }
    if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      int p = pos + 1;
      if (p < src.length() && (src.charAt(p) == '+' || src.charAt(p) == '-')) {
        p++;
      }
      if (p < src.length() && Character.isDigit(src.charAt(p))) {
        isFloat = true;
        pos = p;
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
          pos++;
        }
      }
    }
    out.add(
        new Token(isFloat ? Type.FLOAT : Type.INT, src.substring(s, pos).replace("_", ""), line));
  }

  /** A quoted string with Python's escapes ({@code \n}, {@code \x41}, {@code \u00e9}, ...). */
  private String string(char quote) {
    StringBuilder sb = new StringBuilder();
    int p = pos + 1;
    while (true) {
      if (p >= src.length()) {
        throw TemplateException.syntax(line, "unterminated string");
      }
      char c = src.charAt(p);
      if (c == quote) {
        break;
      }
      if (c == '\n') {
        line++;
      }
      if (c != '\\' || p + 1 >= src.length()) {
        sb.append(c);
        p++;
        continue;
      }
      char e = src.charAt(p + 1);
      p += 2;
      switch (e) {
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        case 'r' -> sb.append('\r');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'v' -> sb.append('\u000b');
        case 'a' -> sb.append('\u0007');
        case '\\' -> sb.append('\\');
        case '\'' -> sb.append('\'');
        case '"' -> sb.append('"');
        case '\n' -> line++;
        case 'x', 'u', 'U' -> {
          int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (p + n > src.length() || !isHex(src.substring(p, p + n))) {
            throw TemplateException.syntax(line, "truncated \\" + e + " escape");
          }
          sb.appendCodePoint(Integer.parseInt(src.substring(p, p + n), 16));
          p += n;
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int s = p - 1;
            while (p < src.length() && p < s + 3 && src.charAt(p) >= '0' && src.charAt(p) <= '7') {
              p++;
            }
            sb.append((char) Integer.parseInt(src.substring(s, p), 8));
          } else {
            sb.append('\\').append(e);
          }
        }
      }
    }
    pos = p + 1;
    return sb.toString();
  }

  private static boolean isHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.digit(s.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }
}
