package org.peftbench.datasets.metrics;

/**
 * Evaluates the arithmetic subset of Python expressions that PEFT-Bench's SVAMP scorer accepts:
 * numbers, unary {@code + -}, binary {@code + - * / // %} and parentheses, with Python's precedence
 * and its floor-division / modulo semantics. Anything else (names, calls, {@code **}) is rejected,
 * as the scorer rejects it. A recursive-descent parser:
 *
 * <pre>
 * expr   := term (('+' | '-') term)*
 * term   := factor (('*' | '/' | '//' | '%') factor)*
 * factor := ('+' | '-') factor | atom
 * atom   := number | '(' expr ')'
 * </pre>
 */
public final class Arithmetic {
  private final String text;
  private int pos;

  private Arithmetic(String text) {
    this.text = text;
  }

  /**
   * @throws IllegalArgumentException when the text is not such an expression
   * @throws ArithmeticException on division by zero
   */
  public static double evaluate(String expression) {
    Arithmetic parser = new Arithmetic(expression);
    double value = parser.expr();
    parser.skipSpaces();
    if (parser.pos != parser.text.length()) {
      throw new IllegalArgumentException("unexpected '" + parser.text.charAt(parser.pos) + "'");
    }
    return value;
  }

  private double expr() {
    double value = term();
    while (true) {
      if (accept("+")) {
        value += term();
      } else if (accept("-")) {
        value -= term();
      } else {
        return value;
      }
    }
  }

  private double term() {
    double value = factor();
    while (true) {
      if (accept("//")) {
        value = Math.floor(value / nonZero(factor()));
      } else if (accept("/")) {
        value = value / nonZero(factor());
      } else if (accept("*")) {
        if (peek("*")) {
          throw new IllegalArgumentException("'**' is not allowed");
        }
        value *= factor();
      } else if (accept("%")) {
        double divisor = nonZero(factor());
        value = value - divisor * Math.floor(value / divisor); // Python: sign of the divisor
      } else {
        return value;
      }
    }
  }

  private double factor() {
    if (accept("+")) {
      return factor();
    }
    if (accept("-")) {
      return -factor();
    }
    return atom();
  }

  private double atom() {
    if (accept("(")) {
      double value = expr();
      if (!accept(")")) {
        throw new IllegalArgumentException("missing ')'");
      }
      return value;
    }
    skipSpaces();
    int start = pos;
    while (pos < text.length()
        && (Character.isDigit(text.charAt(pos))
            || text.charAt(pos) == '.'
            || text.charAt(pos) == '_'
            || text.charAt(pos) == 'e'
            || text.charAt(pos) == 'E'
            || ((text.charAt(pos) == '+' || text.charAt(pos) == '-')
                && pos > start
                && (text.charAt(pos - 1) == 'e' || text.charAt(pos - 1) == 'E')))) {
      pos++;
    }
    String literal = text.substring(start, pos);
    if (literal.isEmpty()) {
      throw new IllegalArgumentException(
          pos < text.length() ? "unexpected '" + text.charAt(pos) + "'" : "unexpected end");
    }
    // Python rejects decimal integers with leading zeros such as 07 (but not 0, 00 or 07.5).
    if (literal.matches("0+[1-9][0-9_]*")) {
      throw new IllegalArgumentException("leading zeros in " + literal);
    }
    Double value = Normalize.pythonFloat(literal);
    if (value == null) {
      throw new IllegalArgumentException("bad number " + literal);
    }
    return value;
  }

  private static double nonZero(double divisor) {
    if (divisor == 0) {
      throw new ArithmeticException("division by zero");
    }
    return divisor;
  }

  private void skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private boolean peek(String token) {
    skipSpaces();
    return text.startsWith(token, pos);
  }

  private boolean accept(String token) {
    if (peek(token)) {
      pos += token.length();
      return true;
    }
    return false;
  }
}
