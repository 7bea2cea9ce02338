package org.peftbench.datasets.tasks;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.peftbench.datasets.DatasetException;

/**
 * Text operations of the reference harness (PEFT-Factory and the Python it runs on), written out so
 * that the {@code peft-factory} protocol reproduces its prompts and targets byte for byte.
 */
final class ReferenceText {
  private ReferenceText() {}

  /**
   * The alpaca converter's user message: the instruction, the prompt column and the query column,
   * each only when non-empty (null or ""), joined by one newline.
   */
  static String userMessage(String instruction, String prompt, String query) {
    StringBuilder sb = new StringBuilder();
    for (String part : new String[] {instruction, prompt, query}) {
      if (part != null && !part.isEmpty()) {
        if (!sb.isEmpty()) {
          sb.append('\n');
        }
        sb.append(part);
      }
    }
    return sb.toString();
  }

  /**
   * Python's {@code repr(float)} (also {@code str(float)}): the shortest decimal that reads back as
   * the same double, "51.0" for integral values, and exponent notation ("1e-05", "1e+16") only
   * below 1e-4 or from 1e16 on.
   */
  static String pythonFloat(double value) {
    if (Double.isNaN(value)) {
      return "nan";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "inf" : "-inf";
    }
    if (value == 0) {
      return 1 / value < 0 ? "-0.0" : "0.0";
    }
    // Double.toString gives the shortest round-trip digits (JDK 19+), like Python's repr.
    BigDecimal d = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
    String digits = d.unscaledValue().toString();
    int exponent = digits.length() - 1 - d.scale(); // of the first digit
    String sign = value < 0 ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
      String mantissa =
          digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      String e = Integer.toString(Math.abs(exponent));
      return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
    }
    String plain = d.toPlainString();
    return sign + (plain.contains(".") ? plain : plain + ".0");
  }

  /**
   * A float32 value written as Python writes it after widening to a double: HF stores the GLUE
   * STS-B score as float32, so 3.8 becomes "3.799999952316284".
   */
  static String pythonFloat32(double value) {
    return pythonFloat((float) value);
  }

  /** Python's {@code str.capitalize()}: the first character in title case, the rest lower case. */
  static String capitalize(String s) {
    if (s.isEmpty()) {
      return s;
    }
    int first = s.codePointAt(0);
    int n = Character.charCount(first);
    return new StringBuilder()
        .appendCodePoint(Character.toTitleCase(first))
        .append(s.substring(n).toLowerCase(Locale.ROOT))
        .toString();
  }

  /**
   * T5's WSC span marking as the reference does it: the span that follows {@code wordIndex}
   * whitespace-separated words at the start of {@code text} is surrounded by {@code mark} and
   * spaces ("* Mark *"). The span text is used as a regular expression, unescaped, like the
   * reference; when it does not match there the text stays as it is.
   *
   * @param where the row, for the error when the span text is not a valid pattern
   */
  static String markSpan(String text, String span, int wordIndex, char mark, String where) {
    Pattern pattern;
    try {
      // Python's \s and \S are Unicode-aware for str patterns.
      pattern =
          Pattern.compile(
              "^((?:\\S+\\s){" + wordIndex + "})(" + span + ")", Pattern.UNICODE_CHARACTER_CLASS);
    } catch (PatternSyntaxException e) {
      throw new DatasetException(
          where
              + ": WSC span text '"
              + span
              + "' is not a valid pattern (the reference uses it as"
              + " one)",
          e);
    }
    Matcher m = pattern.matcher(text);
    if (!m.find()) {
      return text;
    }
    return text.substring(0, m.start())
        + m.group(1)
        + mark
        + " "
        + m.group(2)
        + " "
        + mark
        + text.substring(m.end());
  }

  private static final Pattern HIGHLIGHT_AFTER_SENTENCE =
      Pattern.compile("([.?!\"'])\n@highlight\n");

  /**
   * A ReCoRD passage with its CNN/Daily Mail highlight markers joined into the text, as T5 (and the
   * reference) does: after a sentence end by a space, elsewhere by ". ".
   */
  static String recordPassage(String passage) {
    String joined = HIGHLIGHT_AFTER_SENTENCE.matcher(passage).replaceAll("$1 ");
    return joined.replace("\n@highlight\n", ". ");
  }

  /** The text without UTF-16 surrogates, as the reference strips them from APPS solutions. */
  static String withoutSurrogates(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isSurrogate(c)) {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
