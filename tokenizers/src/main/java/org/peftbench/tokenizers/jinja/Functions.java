package org.peftbench.tokenizers.jinja;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.peftbench.tokenizers.jinja.Values.Callable;
import org.peftbench.tokenizers.jinja.Values.Namespace;

/**
 * The global functions of transformers' chat-template environment: {@code raise_exception}, {@code
 * strftime_now}, and Jinja2's {@code namespace}, {@code range} (at most {@code maxItems} numbers,
 * like the sandbox's {@code MAX_RANGE}) and {@code dict}.
 */
final class Functions {
  private Functions() {}

  static Map<String, Object> globals(Budget budget) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put(
        "raise_exception",
        (Callable)
            (args, kw) -> {
              Object msg = new Args("raise_exception", args, kw, "message").get(0, "");
              throw new TemplateException(TemplateException.Kind.RAISED, Py.str(msg));
            });
    g.put(
        "strftime_now",
        (Callable)
            (args, kw) ->
                strftime(
                    LocalDateTime.now(),
                    Py.str(new Args("strftime_now", args, kw, "format").required(0))));
    g.put(
        "namespace",
        (Callable)
            (args, kw) -> {
              Namespace ns = new Namespace();
              for (Object a : args) {
                if (!(a instanceof Map<?, ?> m)) {
                  throw TemplateException.type("namespace() takes a dict and keyword arguments");
                }
                m.forEach((k, v) -> ns.attrs.put(Py.str(k), v));
              }
              ns.attrs.putAll(kw);
              return ns;
            });
    g.put("range", (Callable) (args, kw) -> range(args, kw, budget));
    g.put(
        "dict",
        (Callable)
            (args, kw) -> {
              if (!args.isEmpty()) {
                throw TemplateException.type("dict() takes keyword arguments only");
              }
              return Collections.unmodifiableMap(new LinkedHashMap<Object, Object>(kw));
            });
    return g;
  }

  private static Object range(List<Object> args, Map<String, Object> kw, Budget budget) {
    if (!kw.isEmpty() || args.isEmpty() || args.size() > 3) {
      throw TemplateException.type("range() takes 1 to 3 integer arguments");
    }
    long[] a = new long[args.size()];
    for (int i = 0; i < a.length; i++) {
      Object v = args.get(i);
      if (!(v instanceof Long || v instanceof Boolean)) {
        throw TemplateException.type(
            "'" + Py.typeName(v) + "' object cannot be interpreted as an integer");
      }
      a[i] = Py.number(v).longValue();
    }
    long start = a.length == 1 ? 0 : a[0];
    long stop = a.length == 1 ? a[0] : a[1];
    long step = a.length == 3 ? a[2] : 1;
    if (step == 0) {
      throw TemplateException.type("range() arg 3 must not be zero");
    }
    double count = Math.max(0, Math.ceil(((double) stop - start) / step));
    budget.items((long) Math.min(count, Long.MAX_VALUE));
    List<Object> out = new ArrayList<>();
    for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
      out.add(i);
    }
    return new Values.Range(start, stop, step, Collections.unmodifiableList(out));
  }

  /** Python's {@code strftime} for the directives chat templates use. */
  static String strftime(LocalDateTime t, String format) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        sb.append(c);
        continue;
      }
      char d = format.charAt(++i);
      String pattern =
          switch (d) {
            case 'd' -> "dd";
            case 'm' -> "MM";
            case 'Y' -> "yyyy";
            case 'y' -> "yy";
            case 'b' -> "MMM";
            case 'B' -> "MMMM";
            case 'a' -> "EEE";
            case 'A' -> "EEEE";
            case 'H' -> "HH";
            case 'I' -> "hh";
            case 'M' -> "mm";
            case 'S' -> "ss";
            case 'p' -> "a";
            case 'j' -> "DDD";
            default -> null;
          };
      if (d == '%') {
        sb.append('%');
      } else if (pattern == null) {
        sb.append('%').append(d);
      } else {
        sb.append(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(t));
      }
    }
    return sb.toString();
  }
}
