package org.peftbench.datasets.metrics;

import java.util.Locale;

/** How PEFT-Bench cleans a generated answer and a label before scoring. */
public final class Normalize {
  private static final String THINK_END = "</think>\n\n";

  private Normalize() {}

  /**
   * Drops a reasoning block (text up to the last {@code </think>}), strips surrounding whitespace
   * and lower-cases, exactly as PEFT-Factory's metric script does for labels and predictions.
   */
  public static String answer(String text) {
    if (text == null) {
      return "";
    }
    int cut = text.lastIndexOf(THINK_END);
    String tail = cut < 0 ? text : text.substring(cut + THINK_END.length());
    return tail.strip().toLowerCase(Locale.ROOT);
  }

  /**
   * Python's {@code float(s)} for decimal text: optional sign, digits with optional {@code _}
   * separators, a fraction and an exponent, or inf / nan; null when Python would raise.
   */
  public static Double pythonFloat(String text) {
    if (text == null) {
      return null;
    }
    String s = text.strip();
    if (s.matches("(?i)[+-]?(inf|infinity)")) {
      return s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (s.matches("(?i)[+-]?nan")) {
      return Double.NaN;
    }
    String digits = "\\d(?:_?\\d)*";
    String number =
        "[+-]?(?:"
            + digits
            + "(?:\\."
            + "(?:"
            + digits
            + ")?)?|\\."
            + digits
            + ")(?:[eE][+-]?"
            + digits
            + ")?";
    if (!s.matches(number)) {
      return null;
    }
    return Double.parseDouble(s.replace("_", ""));
  }
}
