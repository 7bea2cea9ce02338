package org.peftbench.datasets.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** GSM8K and SVAMP scoring as PEFT-Bench does it. */
public final class MathMetrics {
  private MathMetrics() {}

  // ---------------------------------------------------------------- GSM8K

  /** The text after the last {@code ####}, stripped; null when there is none. */
  public static String finalAnswer(String text) {
    int at = text.lastIndexOf("####");
    return at < 0 ? null : text.substring(at + 4).strip();
  }

  /** The final answer as a number ({@code ,} and {@code %} removed); null when not a number. */
  public static Double finalNumber(String text) {
    String answer = finalAnswer(text);
    return answer == null ? null : Normalize.pythonFloat(answer.replace(",", "").replace("%", ""));
  }

  /**
   * {@code accuracy}: the fraction whose number after {@code ####} equals the gold's (within 1e-6);
   * {@code format_errors}: how many predictions (or golds) had no such number.
   */
  public static Map<String, Double> gsm8k(List<String> predictions, List<String> golds) {
    check(predictions, golds);
    int correct = 0;
    int formatErrors = 0;
    for (int i = 0; i < predictions.size(); i++) {
      Double p = finalNumber(predictions.get(i));
      Double g = finalNumber(golds.get(i));
      if (p == null || g == null) {
        formatErrors++;
      } else if (Math.abs(p - g) < 1e-6) {
        correct++;
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("accuracy", ratio(correct, predictions.size()));
    out.put("format_errors", (double) formatErrors);
    return out;
  }

  // ---------------------------------------------------------------- SVAMP

  private static final Pattern RHS_NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d+)?|\\.\\d+)");

  /** One SVAMP answer judged: its format, its arithmetic, and whether it is the gold equation. */
  public record SvampJudgement(
      String formatError, boolean consistent, boolean goldEquation, boolean goldAnswer) {}

  /**
   * Judges an answer of the form {@code ( expression ) = number}: the left side must be one
   * parenthesised arithmetic expression, the right side a plain number; it is consistent when the
   * expression evaluates to the number (within 1e-6).
   */
  public static SvampJudgement judgeSvamp(String prediction, String gold) {
    String[] p = equation(prediction);
    if (p[2] != null) {
      return new SvampJudgement(p[2], false, false, false);
    }
    double lhs;
    try {
      String inner = p[0].substring(1, p[0].length() - 1);
      lhs = Arithmetic.evaluate(inner);
    } catch (IllegalArgumentException | ArithmeticException e) {
      return new SvampJudgement("eval_error", false, false, false);
    }
    double rhs = Double.parseDouble(p[1].replace(",", ""));
    boolean consistent = Math.abs(lhs - rhs) < 1e-6;
    boolean goldEquation = false;
    boolean goldAnswer = false;
    String[] g = equation(gold);
    if (g[2] == null) {
      goldEquation = consistent && canonical(p).equals(canonical(g));
      goldAnswer = consistent && Math.abs(rhs - Double.parseDouble(g[1].replace(",", ""))) < 1e-6;
    }
    return new SvampJudgement(null, consistent, goldEquation, goldAnswer);
  }

  /** {lhs, rhs, error}: PEFT-Factory's parse_equation. */
  private static String[] equation(String text) {
    int equals = text.indexOf('=');
    if (equals < 0 || text.indexOf('=', equals + 1) >= 0) {
      return new String[] {null, null, "not_single_equation"};
    }
    String lhs = text.substring(0, equals).strip();
    String rhs = text.substring(equals + 1).strip();
    if (!singleOuterParentheses(lhs)) {
      return new String[] {null, null, "lhs_not_single_parenthesized"};
    }
    if (!RHS_NUMBER.matcher(rhs.replace(",", "")).matches()) {
      return new String[] {null, null, "rhs_not_numeric"};
    }
    return new String[] {lhs, rhs, null};
  }

  private static boolean singleOuterParentheses(String s) {
    if (!(s.startsWith("(") && s.endsWith(")"))) {
      return false;
    }
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth == 0 && i != s.length() - 1) {
          return false;
        }
      }
    }
    return depth == 0;
  }

  /**
   * The equation with the left side's whitespace removed and the right side as a canonical number.
   * (PEFT-Factory's regex here is written {@code r"\\s+"}, which matches a literal backslash, so
   * its left sides keep their spaces; we remove whitespace as the code intends.)
   */
  private static String canonical(String[] equation) {
    String lhs = equation[0].replaceAll("\\s+", "");
    double x = Double.parseDouble(equation[1].replace(",", ""));
    String rhs =
        Math.abs(x - Math.rint(x)) <= 1e-9
            ? Long.toString((long) Math.rint(x))
            : Double.toString(x);
    return lhs + "=" + rhs;
  }

  /**
   * {@code accuracy}: equation consistency, PEFT-Bench's SVAMP accuracy (the answer's own
   * arithmetic holds); {@code gold_equation_match}: consistent and the same equation as the gold;
   * {@code answer_match}: consistent and the same number as the gold answer; {@code format_errors}:
   * answers not of the form {@code ( expression ) = number} or not evaluable.
   */
  public static Map<String, Double> svamp(List<String> predictions, List<String> golds) {
    check(predictions, golds);
    int consistent = 0;
    int goldEquation = 0;
    int goldAnswer = 0;
    int formatErrors = 0;
    for (int i = 0; i < predictions.size(); i++) {
      SvampJudgement j = judgeSvamp(predictions.get(i), golds.get(i));
      if (j.formatError() != null) {
        formatErrors++;
      }
      consistent += j.consistent() ? 1 : 0;
      goldEquation += j.goldEquation() ? 1 : 0;
      goldAnswer += j.goldAnswer() ? 1 : 0;
    }
    int n = predictions.size();
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("accuracy", ratio(consistent, n));
    out.put("gold_equation_match", ratio(goldEquation, n));
    out.put("answer_match", ratio(goldAnswer, n));
    out.put("format_errors", (double) formatErrors);
    return out;
  }

  private static void check(List<String> predictions, List<String> golds) {
    if (predictions.size() != golds.size()) {
      throw new IllegalArgumentException(
          predictions.size() + " predictions for " + golds.size() + " labels");
    }
  }

  private static double ratio(int count, int n) {
    return n == 0 ? 0.0 : (double) count / n;
  }
}
