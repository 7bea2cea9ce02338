package org.peftbench.tokenizers.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.peftbench.tokenizers.jinja.Values.Tuple;
import org.peftbench.tokenizers.jinja.Values.Undefined;

/** Jinja2's built-in filters that chat templates use, with Jinja2's arguments and results. */
final class Filters {
  static final Set<String> NAMES =
      Set.of(
          "trim",
          "tojson",
          "length",
          "count",
          "first",
          "last",
          "join",
          "lower",
          "upper",
          "title",
          "capitalize",
          "replace",
          "default",
          "d",
          "items",
          "dictsort",
          "list",
          "string",
          "int",
          "float",
          "abs",
          "round",
          "reverse",
          "sort",
          "unique",
          "min",
          "max",
          "sum",
          "map",
          "select",
          "reject",
          "selectattr",
          "rejectattr",
          "safe",
          "escape",
          "e",
          "indent",
          "attr");

  private static final Pattern WORD_BEGINNING =
      Pattern.compile("(?<=[-\\s(\\{\\[<])(?![-\\s(\\{\\[<])");

  private final Budget budget;
  private final Operators ops;

  Filters(Budget budget, Operators ops) {
    this.budget = budget;
    this.ops = ops;
  }

  /** The items a Python {@code for} would visit: list items, dict keys, string characters. */
  static List<Object> iterate(Object v) {
    return switch (v) {
      case List<?> l -> Collections.unmodifiableList(l);
      case Map<?, ?> m -> List.copyOf(m.keySet());
      case String s ->
          s.codePoints().mapToObj(cp -> (Object) new String(Character.toChars(cp))).toList();
      case Undefined u -> List.of();
      case null -> throw TemplateException.type("'NoneType' object is not iterable");
      default -> throw TemplateException.type("'" + Py.typeName(v) + "' object is not iterable");
    };
  }

  Object apply(String name, Object v, List<Object> args, Map<String, Object> kw) {
    return switch (name) {
      case "trim" -> Py.strip(Py.str(v), new Args(name, args, kw, "chars").optString(0));
      case "tojson" -> {
        Args a = new Args(name, args, kw, "ensure_ascii", "indent", "separators", "sort_keys");
        if (Py.truthy(a.get(0, false))) {
          throw TemplateException.type("tojson(ensure_ascii=True) is not supported");
        }
        String json = PyJson.dumps(v, a.get(1, null), a.get(2, null), Py.truthy(a.get(3, false)));
        budget.chars(json.length());
        yield json;
      }
      case "length", "count" -> length(v);
      case "first" -> {
        List<Object> items = iterate(v);
        yield items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
      }
      case "last" -> {
        List<Object> items = iterate(v);
        yield items.isEmpty()
            ? new Undefined("No last item, sequence was empty.")
            : items.get(items.size() - 1);
      }
      case "join" -> {
        Args a = new Args(name, args, kw, "d", "attribute");
        String sep = Py.str(a.get(0, ""));
        List<String> parts = new ArrayList<>();
        long total = 0;
        for (Object o : iterate(v)) {
          String p = Py.str(a.has(1) ? attribute(o, a.get(1, null), null) : o);
          parts.add(p);
          total += p.length() + sep.length();
        }
        budget.chars(total);
        yield String.join(sep, parts);
      }
      case "lower" -> Py.str(v).toLowerCase(java.util.Locale.ROOT);
      case "upper" -> Py.str(v).toUpperCase(java.util.Locale.ROOT);
      case "capitalize" -> Methods.capitalize(Py.str(v));
      case "title" -> {
        StringBuilder sb = new StringBuilder();
        for (String word : WORD_BEGINNING.split(Py.str(v))) {
          if (!word.isEmpty()) {
            sb.append(Methods.capitalize(word));
          }
        }
        yield sb.toString();
      }
      case "replace" -> {
        Args a = new Args(name, args, kw, "old", "new", "count");
        yield Methods.replace(
            Py.str(v), Py.str(a.required(0)), Py.str(a.required(1)), a.getLong(2, -1), budget);
      }
      case "default", "d" -> {
        Args a = new Args(name, args, kw, "default_value", "boolean");
        yield v instanceof Undefined || (Py.truthy(a.get(1, false)) && !Py.truthy(v))
            ? a.get(0, "")
            : v;
      }
      case "items" -> {
        if (v instanceof Undefined) {
          yield List.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
          throw TemplateException.type("Can only get item pairs from a mapping.");
        }
        List<Object> out = new ArrayList<>();
        m.forEach((k, x) -> out.add(new Tuple(java.util.Arrays.asList(k, x))));
        yield Collections.unmodifiableList(out);
      }
      case "dictsort" -> dictsort(v, new Args(name, args, kw, "case_sensitive", "by", "reverse"));
      case "list" -> iterate(v);
      case "string" -> Py.str(v);
      case "int" -> toInt(v, new Args(name, args, kw, "default", "base"));
      case "float" -> toFloat(v, new Args(name, args, kw, "default"));
      case "abs" -> {
        if (!Py.isNumber(v)) {
          throw TemplateException.type("bad operand type for abs(): '" + Py.typeName(v) + "'");
        }
        Number n = Py.number(v);
        yield n instanceof Long l ? (Object) Math.absExact(l) : (Object) Math.abs(n.doubleValue());
      }
      case "round" -> round(v, new Args(name, args, kw, "precision", "method"));
      case "reverse" -> {
        if (v instanceof String s) {
          yield new StringBuilder(s).reverse().toString();
        }
        List<Object> items = new ArrayList<>(iterate(v));
        Collections.reverse(items);
        yield Collections.unmodifiableList(items);
      }
      case "sort" -> {
        Args a = new Args(name, args, kw, "reverse", "case_sensitive", "attribute");
        List<Object> items = new ArrayList<>(iterate(v));
        items.sort(order(Py.truthy(a.get(1, false)), a.get(2, null)));
        if (Py.truthy(a.get(0, false))) {
          Collections.reverse(items);
        }
        yield Collections.unmodifiableList(items);
      }
      case "unique" -> {
        Args a = new Args(name, args, kw, "case_sensitive", "attribute");
        List<Object> out = new ArrayList<>();
        List<Object> seen = new ArrayList<>();
        for (Object o : iterate(v)) {
          Object key = sortKey(attribute(o, a.get(1, null), null), Py.truthy(a.get(0, false)));
          if (seen.stream().noneMatch(s -> Py.eq(s, key))) {
            seen.add(key);
            out.add(o);
          }
        }
        yield Collections.unmodifiableList(out);
      }
      case "min", "max" -> {
        Args a = new Args(name, args, kw, "case_sensitive", "attribute");
        List<Object> items = new ArrayList<>(iterate(v));
        if (items.isEmpty()) {
          yield new Undefined("No aggregated item, sequence was empty.");
        }
        Comparator<Object> c = order(Py.truthy(a.get(0, false)), a.get(1, null));
        yield name.equals("min") ? Collections.min(items, c) : Collections.max(items, c);
      }
      case "sum" -> {
        Args a = new Args(name, args, kw, "attribute", "start");
        Object total = a.get(1, 0L);
        for (Object o : iterate(v)) {
          total = ops.binary("+", total, attribute(o, a.get(0, null), null));
        }
        yield total;
      }
      case "map" -> map(v, args, kw);
      case "select", "reject" -> {
        boolean keep = name.equals("select");
        List<Object> out = new ArrayList<>();
        for (Object o : iterate(v)) {
          if (test(o, args, 0) == keep) {
            out.add(o);
          }
        }
        yield Collections.unmodifiableList(out);
      }
      case "selectattr", "rejectattr" -> {
        if (args.isEmpty()) {
          throw TemplateException.type(name + "() needs an attribute name");
        }
        boolean keep = name.equals("selectattr");
        List<Object> out = new ArrayList<>();
        for (Object o : iterate(v)) {
          if (test(attribute(o, args.get(0), null), args, 1) == keep) {
            out.add(o);
          }
        }
        yield Collections.unmodifiableList(out);
      }
      case "safe" -> v;
      case "escape", "e" -> escape(Py.str(v));
      case "indent" -> indent(Py.str(v), new Args(name, args, kw, "width", "first", "blank"));
      case "attr" -> ops.getattr(v, Py.str(new Args(name, args, kw, "name").required(0)));
      default -> throw TemplateException.type("no filter named '" + name + "'");
    };
  }

  private static long length(Object v) {
    return switch (v) {
      case String s -> s.codePointCount(0, s.length());
      case List<?> l -> l.size();
      case Map<?, ?> m -> m.size();
      case Values.Namespace ns ->
          throw TemplateException.type("object of type 'Namespace' has no len()");
      case Undefined u -> 0;
      case null -> throw TemplateException.type("object of type 'NoneType' has no len()");
      default ->
          throw TemplateException.type("object of type '" + Py.typeName(v) + "' has no len()");
    };
  }

  /** {@code x.a.b} for an attribute path "a.b" (digits index lists), as Jinja2's attrgetter. */
  Object attribute(Object o, Object path, Object fallback) {
    if (path == null) {
      return o;
    }
    Object cur = o;
    for (String part : Py.str(path).split("\\.", -1)) {
      Object key =
          part.chars().allMatch(Character::isDigit) && !part.isEmpty()
              ? (Object) Long.parseLong(part)
              : part;
      cur = ops.getitem(cur, key);
    }
    return cur instanceof Undefined && fallback != null ? fallback : cur;
  }

  /** {@code select}/{@code selectattr}: the test named at {@code args[from]} (truth if none). */
  private boolean test(Object value, List<Object> args, int from) {
    if (args.size() <= from) {
      return Py.truthy(value);
    }
    String name = Py.str(args.get(from));
    return Tests.apply(name, value, args.subList(from + 1, args.size()));
  }

  private Object map(Object v, List<Object> args, Map<String, Object> kw) {
    List<Object> out = new ArrayList<>();
    if (kw.containsKey("attribute")) {
      Object fallback = kw.get("default");
      for (Object o : iterate(v)) {
        Object x = attribute(o, kw.get("attribute"), null);
        out.add(x instanceof Undefined && kw.containsKey("default") ? fallback : x);
      }
      return Collections.unmodifiableList(out);
    }
    if (args.isEmpty()) {
      throw TemplateException.type("map() needs a filter name or attribute=");
    }
    String filter = Py.str(args.get(0));
    if (!NAMES.contains(filter) || filter.equals("map")) {
      throw TemplateException.type("no filter named '" + filter + "'");
    }
    for (Object o : iterate(v)) {
      out.add(apply(filter, o, args.subList(1, args.size()), kw));
    }
    return Collections.unmodifiableList(out);
  }

  private static Object sortKey(Object v, boolean caseSensitive) {
    return !caseSensitive && v instanceof String s ? s.toLowerCase(java.util.Locale.ROOT) : v;
  }

  private Comparator<Object> order(boolean caseSensitive, Object attributePath) {
    return (a, b) ->
        Py.compare(
            sortKey(attribute(a, attributePath, null), caseSensitive),
            sortKey(attribute(b, attributePath, null), caseSensitive),
            "<");
  }

  private Object dictsort(Object v, Args a) {
    if (!(v instanceof Map<?, ?> m)) {
      throw TemplateException.type("dictsort needs a mapping");
    }
    boolean caseSensitive = Py.truthy(a.get(0, false));
    String by = Py.str(a.get(1, "key"));
    int pos = by.equals("key") ? 0 : by.equals("value") ? 1 : -1;
    if (pos < 0) {
      throw TemplateException.type("You can only sort by either \"key\" or \"value\"");
    }
    List<Object> pairs = new ArrayList<>();
    m.forEach((k, x) -> pairs.add(new Tuple(java.util.Arrays.asList(k, x))));
    pairs.sort(
        (p, q) ->
            Py.compare(
                sortKey(((List<?>) p).get(pos), caseSensitive),
                sortKey(((List<?>) q).get(pos), caseSensitive),
                "<"));
    if (Py.truthy(a.get(2, false))) {
      Collections.reverse(pairs);
    }
    return Collections.unmodifiableList(pairs);
  }

  private static Object toInt(Object v, Args a) {
    Object fallback = a.get(0, 0L);
    return switch (v) {
      case Boolean b -> b ? 1L : 0L;
      case Long l -> l;
      case Double d ->
          Double.isFinite(d) && Math.abs(d) < 9.2e18 ? (Object) (long) (double) d : fallback;
      case String s -> {
        String t = Py.strip(s, null).replace("_", "");
        try {
          yield parseInt(t, (int) a.getLong(1, 10));
        } catch (NumberFormatException e) {
          try {
            double d = Double.parseDouble(t);
            yield Double.isFinite(d) ? (Object) (long) d : fallback;
          } catch (NumberFormatException e2) {
            yield fallback;
          }
        }
      }
      case null, default -> fallback;
    };
  }

  /** Python's {@code int(text, base)}: a sign, then digits; 0x/0o/0b prefixes for their bases. */
  private static long parseInt(String t, int base) {
    String sign = t.startsWith("-") || t.startsWith("+") ? t.substring(0, 1) : "";
    String digits = t.substring(sign.length());
    String lower = digits.toLowerCase(java.util.Locale.ROOT);
    int detected =
        lower.startsWith("0x") ? 16 : lower.startsWith("0o") ? 8 : lower.startsWith("0b") ? 2 : 10;
    if (detected != 10 && (base == 0 || base == detected)) {
      digits = digits.substring(2);
      base = detected;
    } else if (base == 0) {
      base = 10;
    }
    return Long.parseLong(sign + digits, base);
  }

  private static Object toFloat(Object v, Args a) {
    Object fallback = a.get(0, 0.0);
    return switch (v) {
      case Boolean b -> b ? 1.0 : 0.0;
      case Long l -> (double) l;
      case Double d -> d;
      case String s -> {
        try {
          yield Double.parseDouble(Py.strip(s, null));
        } catch (NumberFormatException e) {
          yield fallback;
        }
      }
      case null, default -> fallback;
    };
  }

  private static Object round(Object v, Args a) {
    if (!Py.isNumber(v)) {
      throw TemplateException.type("round() needs a number, not " + Py.typeName(v));
    }
    int precision = (int) a.getLong(0, 0);
    String method = Py.str(a.get(1, "common"));
    RoundingMode mode =
        switch (method) {
          case "common" -> RoundingMode.HALF_EVEN;
          case "ceil" -> RoundingMode.CEILING;
          case "floor" -> RoundingMode.FLOOR;
          default -> throw TemplateException.type("method must be common, ceil or floor");
        };
    double d = Py.number(v).doubleValue();
    if (!Double.isFinite(d)) {
      return d;
    }
    return new BigDecimal(d).setScale(precision, mode).doubleValue();
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&#34;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Jinja2's {@code indent}: every line but the first (and blank lines unless asked) indented. */
  private String indent(String s, Args a) {
    Object width = a.get(0, 4L);
    String pad =
        width instanceof String w
            ? w
            : " ".repeat((int) Math.max(0, Math.min(Py.number(width).longValue(), 1024)));
    List<String> lines = new ArrayList<>(Methods.splitlines(s + "\n", false));
    StringBuilder sb = new StringBuilder();
    if (Py.truthy(a.get(2, false))) {
      sb.append(String.join("\n" + pad, lines));
    } else {
      sb.append(lines.remove(0));
      for (String line : lines) {
        budget.chars((long) sb.length() + pad.length() + line.length());
        sb.append('\n').append(line.isEmpty() ? "" : pad + line);
      }
    }
    String out = Py.truthy(a.get(1, false)) ? pad + sb : sb.toString();
    budget.chars(out.length());
    return out;
  }
}
