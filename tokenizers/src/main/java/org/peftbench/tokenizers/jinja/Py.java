package org.peftbench.tokenizers.jinja;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.peftbench.tokenizers.jinja.Values.Namespace;
import org.peftbench.tokenizers.jinja.Values.Tuple;
import org.peftbench.tokenizers.jinja.Values.Undefined;

/**
 * Python's meaning of the basic operations on template values: what {@code str()} and {@code
 * repr()} print ({@code True}, {@code None}, {@code 1e+16}, {@code ['a', 1]}), truth, equality
 * ({@code 1 == 1.0 == True}), ordering, and which characters {@code str.strip()} treats as
 * whitespace. Values are null (None), Boolean, Long, Double, String, List, Tuple, Map, and the
 * {@link Values} types.
 */
final class Py {
  private Py() {}

  /** Python's {@code str.isspace()} for one UTF-16 unit (all such characters are in the BMP). */
  static boolean isWhitespace(char c) {
    return switch (c) {
      case ' ',
          '\t',
          '\n',
          '\u000b',
          '\f',
          '\r',
          '\u001c',
          '\u001d',
          '\u001e',
          '\u001f',
          '\u0085',
          '\u00a0',
          '\u1680',
          '\u2028',
          '\u2029',
          '\u202f',
          '\u205f',
          '\u3000' ->
          true;
      default -> c >= '\u2000' && c <= '\u200a';
    };
  }

  static boolean isAllWhitespace(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (!isWhitespace(s.charAt(i))) {
        return false;
      }
    }
    return from < s.length();
  }

  private static boolean strippable(char c, String chars) {
    return chars == null ? isWhitespace(c) : chars.indexOf(c) >= 0;
  }

  static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && strippable(s.charAt(i), chars)) {
      i++;
    }
    return s.substring(i);
  }

  static String rstrip(String s, String chars) {
    int i = s.length();
    while (i > 0 && strippable(s.charAt(i - 1), chars)) {
      i--;
    }
    return s.substring(0, i);
  }

  static String strip(String s, String chars) {
    return rstrip(lstrip(s, chars), chars);
  }

  // ---- printing ----

  /** Python's {@code str(v)}, with Jinja2's undefined printing as nothing. */
  static String str(Object v) {
    return switch (v) {
      case null -> "None";
      case String s -> s;
      case Undefined u -> "";
      default -> repr(v);
    };
  }

  /** Python's {@code repr(v)}. */
  static String repr(Object v) {
    StringBuilder sb = new StringBuilder();
    repr(v, sb);
    return sb.toString();
  }

  private static void repr(Object v, StringBuilder sb) {
    switch (v) {
      case null -> sb.append("None");
      case Boolean b -> sb.append(b ? "True" : "False");
      case Long l -> sb.append(l);
      case Double d -> sb.append(floatRepr(d));
      case String s -> stringRepr(s, sb);
      case Values.Range r ->
          sb.append("range(")
              .append(r.start)
              .append(", ")
              .append(r.stop)
              .append(r.step == 1 ? ")" : ", " + r.step + ")");
      case Tuple t -> {
        sb.append('(');
        items(t, sb);
        sb.append(t.size() == 1 ? ",)" : ")");
      }
      case List<?> l -> {
        sb.append('[');
        items(l, sb);
        sb.append(']');
      }
      case Map<?, ?> m -> dictRepr(m, sb);
      case Namespace ns -> {
        sb.append("<Namespace ");
        dictRepr(ns.attrs, sb);
        sb.append('>');
      }
      case Undefined u -> sb.append("Undefined");
      case Values.Loop l ->
          sb.append("<LoopContext ")
              .append(l.index0 + 1)
              .append('/')
              .append(l.items.size())
              .append('>');
      case Values.Callable c -> sb.append("<function>");
      default -> throw new IllegalStateException("not a template value: " + v.getClass());
    }
  }

  private static void items(List<?> l, StringBuilder sb) {
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      repr(l.get(i), sb);
    }
  }

  private static void dictRepr(Map<?, ?> m, StringBuilder sb) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      repr(e.getKey(), sb);
      sb.append(": ");
      repr(e.getValue(), sb);
    }
    sb.append('}');
  }

  private static void stringRepr(String s, StringBuilder sb) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    sb.append(quote);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == quote || cp == '\\') {
        sb.append('\\').appendCodePoint(cp);
      } else if (cp == '\n') {
        sb.append("\\n");
      } else if (cp == '\r') {
        sb.append("\\r");
      } else if (cp == '\t') {
        sb.append("\\t");
      } else if (isPrintable(cp)) {
        sb.appendCodePoint(cp);
      } else if (cp < 0x100) {
        sb.append(String.format("\\x%02x", cp));
      } else if (cp < 0x10000) {
        sb.append(String.format("\\u%04x", cp));
      } else {
        sb.append(String.format("\\U%08x", cp));
      }
    }
    sb.append(quote);
  }

  /** Python's {@code str.isprintable()} for one code point: not a control, format or separator. */
  private static boolean isPrintable(int cp) {
    if (cp == ' ') {
      return true;
    }
    int t = Character.getType(cp);
    return t != Character.CONTROL
        && t != Character.FORMAT
        && t != Character.SURROGATE
        && t != Character.PRIVATE_USE
        && t != Character.UNASSIGNED
        && t != Character.LINE_SEPARATOR
        && t != Character.PARAGRAPH_SEPARATOR
        && t != Character.SPACE_SEPARATOR;
  }

  /** Python's {@code repr(float)}: shortest round-trip digits, exponent outside 1e-4..1e16. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal b = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = b.unscaledValue().toString();
    int n = digits.length();
    int decpt = n - b.scale();
    StringBuilder sb = new StringBuilder(d < 0 ? "-" : "");
    if (decpt > -4 && decpt <= 16) {
      if (decpt <= 0) {
        sb.append("0.").append("0".repeat(-decpt)).append(digits);
      } else if (decpt >= n) {
        sb.append(digits).append("0".repeat(decpt - n)).append(".0");
      } else {
        sb.append(digits, 0, decpt).append('.').append(digits.substring(decpt));
      }
    } else {
      sb.append(digits.charAt(0));
      if (n > 1) {
        sb.append('.').append(digits.substring(1));
      }
      int exp = decpt - 1;
      sb.append('e').append(exp < 0 ? '-' : '+');
      sb.append(String.format("%02d", Math.abs(exp)));
    }
    return sb.toString();
  }

  // ---- truth, equality, ordering ----

  static boolean truthy(Object v) {
    return switch (v) {
      case null -> false;
      case Boolean b -> b;
      case Long l -> l != 0;
      case Double d -> d != 0;
      case String s -> !s.isEmpty();
      case List<?> l -> !l.isEmpty();
      case Map<?, ?> m -> !m.isEmpty();
      case Undefined u -> false;
      default -> true;
    };
  }

  static boolean isNumber(Object v) {
    return v instanceof Long || v instanceof Double || v instanceof Boolean;
  }

  /** A number as Java sees it; booleans are the integers 0 and 1, as in Python. */
  static Number number(Object v) {
    return v instanceof Boolean b ? (Long) (b ? 1L : 0L) : (Number) v;
  }

  static boolean eq(Object a, Object b) {
    if (isNumber(a) && isNumber(b)) {
      Number x = number(a);
      Number y = number(b);
      return x instanceof Long && y instanceof Long
          ? x.longValue() == y.longValue()
          : x.doubleValue() == y.doubleValue();
    }
    if (a instanceof Tuple != b instanceof Tuple) {
      return false;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!eq(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Undefined && b instanceof Undefined) {
      return true;
    }
    if (a instanceof String || a == null || a instanceof Undefined) {
      return Objects.equals(a, b);
    }
    return a == b;
  }

  /** Python's ordering: numbers, strings by code point, lists/tuples element-wise. */
  static int compare(Object a, Object b, String op) {
    if (isNumber(a) && isNumber(b)) {
      Number x = number(a);
      Number y = number(b);
      return x instanceof Long && y instanceof Long
          ? Long.compare(x.longValue(), y.longValue())
          : Double.compare(x.doubleValue(), y.doubleValue());
    }
    if (a instanceof String x && b instanceof String y) {
      return compareCodePoints(x, y);
    }
    if (a instanceof List<?> x
        && b instanceof List<?> y
        && (a instanceof Tuple == b instanceof Tuple)) {
      Iterator<?> i = x.iterator();
      Iterator<?> j = y.iterator();
      while (i.hasNext() && j.hasNext()) {
        Object p = i.next();
        Object q = j.next();
        if (!eq(p, q)) {
          return compare(p, q, op);
        }
      }
      return Integer.compare(x.size(), y.size());
    }
    if (a instanceof Undefined u) {
      throw u.fail();
    }
    if (b instanceof Undefined u) {
      throw u.fail();
    }
    throw TemplateException.type(
        "'"
            + op
            + "' not supported between instances of '"
            + typeName(a)
            + "' and '"
            + typeName(b)
            + "'");
  }

  static int compareCodePoints(String x, String y) {
    int i = 0;
    int j = 0;
    while (i < x.length() && j < y.length()) {
      int p = x.codePointAt(i);
      int q = y.codePointAt(j);
      if (p != q) {
        return Integer.compare(p, q);
      }
      i += Character.charCount(p);
      j += Character.charCount(q);
    }
    return Boolean.compare(i < x.length(), j < y.length());
  }

  static String typeName(Object v) {
    return switch (v) {
      case null -> "NoneType";
      case Boolean b -> "bool";
      case Long l -> "int";
      case Double d -> "float";
      case String s -> "str";
      case Tuple t -> "tuple";
      case Values.Range r -> "range";
      case List<?> l -> "list";
      case Map<?, ?> m -> "dict";
      case Namespace n -> "Namespace";
      case Undefined u -> "Undefined";
      case Values.Loop l -> "LoopContext";
      default -> "function";
    };
  }
}
