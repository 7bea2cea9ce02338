package org.peftbench.tokenizers.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.peftbench.tokenizers.jinja.Values.Undefined;

/**
 * Jinja2's built-in tests ({@code x is defined}, {@code x is string}, ...), as Python defines them.
 */
final class Tests {
  static final Set<String> NAMES =
      Set.of(
          "defined",
          "undefined",
          "none",
          "boolean",
          "false",
          "true",
          "integer",
          "float",
          "number",
          "string",
          "mapping",
          "iterable",
          "sequence",
          "callable",
          "sameas",
          "in",
          "eq",
          "equalto",
          "==",
          "ne",
          "!=",
          "lt",
          "lessthan",
          "<",
          "le",
          "<=",
          "gt",
          "greaterthan",
          ">",
          "ge",
          ">=",
          "divisibleby",
          "even",
          "odd",
          "lower",
          "upper");

  private Tests() {}

  static boolean apply(String name, Object v, List<Object> args) {
    if (!NAMES.contains(name)) {
      throw TemplateException.type("no test named '" + name + "'");
    }
    return switch (name) {
      case "defined" -> !(v instanceof Undefined);
      case "undefined" -> v instanceof Undefined;
      case "none" -> v == null;
      case "boolean" -> v instanceof Boolean;
      case "false" -> Boolean.FALSE.equals(v);
      case "true" -> Boolean.TRUE.equals(v);
      case "integer" -> v instanceof Long;
      case "float" -> v instanceof Double;
      case "number" -> Py.isNumber(v);
      case "string" -> v instanceof String;
      case "mapping" -> v instanceof Map<?, ?>;
      case "iterable" ->
          v instanceof String
              || v instanceof List<?>
              || v instanceof Map<?, ?>
              || v instanceof Undefined;
      case "sequence" ->
          v instanceof String
              || v instanceof List<?>
              || v instanceof Map<?, ?>
              || v instanceof Undefined;
      case "callable" -> v instanceof Values.Callable;
      case "sameas" -> v == arg(args, name) || (v instanceof Boolean && v.equals(arg(args, name)));
      case "in" -> Operators.contains(arg(args, name), v);
      case "eq", "equalto", "==" -> Py.eq(v, arg(args, name));
      case "ne", "!=" -> !Py.eq(v, arg(args, name));
      case "lt", "lessthan", "<" -> Py.compare(v, arg(args, name), "<") < 0;
      case "le", "<=" -> Py.compare(v, arg(args, name), "<=") <= 0;
      case "gt", "greaterthan", ">" -> Py.compare(v, arg(args, name), ">") > 0;
      case "ge", ">=" -> Py.compare(v, arg(args, name), ">=") >= 0;
      case "divisibleby" -> {
        long d = integer(arg(args, name), name);
        if (d == 0) {
          throw TemplateException.type("integer division or modulo by zero");
        }
        yield integer(v, name) % d == 0;
      }
      case "even" -> integer(v, name) % 2 == 0;
      case "odd" -> integer(v, name) % 2 != 0;
      case "lower" -> Py.str(v).equals(Py.str(v).toLowerCase(java.util.Locale.ROOT));
      case "upper" -> Py.str(v).equals(Py.str(v).toUpperCase(java.util.Locale.ROOT));
      default -> throw new IllegalStateException(name);
    };
  }

  private static Object arg(List<Object> args, String test) {
    if (args.size() != 1) {
      throw TemplateException.type("test '" + test + "' takes one argument");
    }
    return args.get(0);
  }

  private static long integer(Object v, String test) {
    if (v instanceof Undefined u) {
      throw u.fail();
    }
    if (!(v instanceof Long || v instanceof Boolean)) {
      throw TemplateException.type("test '" + test + "' needs an integer, not " + Py.typeName(v));
    }
    return Py.number(v).longValue();
  }
}
