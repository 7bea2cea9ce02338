package org.peftbench.transformer.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Lets chat templates call Python's string methods ({@code content.strip()}, {@code
 * .startswith(...)}, {@code .split(...)}, ...), which Jinja2 templates use freely and Jinjava does
 * not know. Everything else goes to the wrapped (Jinjava's own) resolver.
 */
final class PyStringMethods extends ELResolver {
  private static final Set<String> METHODS =
      Set.of(
          "strip",
          "lstrip",
          "rstrip",
          "split",
          "startswith",
          "endswith",
          "upper",
          "lower",
          "title",
          "capitalize",
          "replace",
          "find",
          "join",
          "splitlines");

  private final ELResolver delegate;

  PyStringMethods(ELResolver delegate) {
    this.delegate = delegate;
  }

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
    if (base instanceof CharSequence cs && method != null && METHODS.contains(method.toString())) {
      context.setPropertyResolved(true);
      return call(cs.toString(), method.toString(), params == null ? new Object[0] : params);
    }
    return delegate.invoke(context, base, method, types, params);
  }

  static Object call(String s, String method, Object[] args) {
    String a0 = args.length > 0 && args[0] != null ? args[0].toString() : null;
    return switch (method) {
      case "strip" -> rstrip(lstrip(s, a0), a0);
      case "lstrip" -> lstrip(s, a0);
      case "rstrip" -> rstrip(s, a0);
      case "split" -> split(s, a0, args.length > 1 ? ((Number) args[1]).intValue() : -1);
      case "startswith" -> anyOf(args[0], p -> s.startsWith(p));
      case "endswith" -> anyOf(args[0], p -> s.endsWith(p));
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" ->
          s.isEmpty()
              ? s
              : s.substring(0, 1).toUpperCase(Locale.ROOT)
                  + s.substring(1).toLowerCase(Locale.ROOT);
      case "replace" -> s.replace(a0, args[1].toString());
      case "find" -> s.indexOf(a0);
      case "join" -> join(s, args[0]);
      case "splitlines" ->
          List.of(s.split("\\r\\n|\\r|\\n", -1)).stream()
              .limit(s.endsWith("\n") ? s.split("\\r\\n|\\r|\\n", -1).length - 1 : Long.MAX_VALUE)
              .toList();
      default -> throw new IllegalArgumentException("no Python string method " + method);
    };
  }

  private static boolean anyOf(Object arg, java.util.function.Predicate<String> test) {
    if (arg instanceof Iterable<?> it) {
      for (Object o : it) {
        if (test.test(o.toString())) {
          return true;
        }
      }
      return false;
    }
    if (arg instanceof Object[] arr) {
      return anyOf(Arrays.asList(arr), test);
    }
    return test.test(String.valueOf(arg));
  }

  private static boolean strippable(char c, String chars) {
    return chars == null
        ? Character.isWhitespace(c) || Character.isSpaceChar(c)
        : chars.indexOf(c) >= 0;
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

  static List<String> split(String s, String sep, int maxSplit) {
    List<String> out = new ArrayList<>();
    if (sep == null) {
      for (String part : s.strip().split("\\s+", maxSplit < 0 ? 0 : maxSplit + 1)) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
      return out;
    }
    int from = 0;
    while (maxSplit < 0 || out.size() < maxSplit) {
      int at = s.indexOf(sep, from);
      if (at < 0) {
        break;
      }
      out.add(s.substring(from, at));
      from = at + sep.length();
    }
    out.add(s.substring(from));
    return out;
  }

  private static String title(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean prevLetter = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(prevLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
      prevLetter = Character.isLetter(c);
    }
    return sb.toString();
  }

  private static String join(String sep, Object items) {
    List<String> parts = new ArrayList<>();
    if (items instanceof Iterable<?> it) {
      it.forEach(o -> parts.add(String.valueOf(o)));
    } else if (items instanceof Object[] arr) {
      for (Object o : arr) {
        parts.add(String.valueOf(o));
      }
    }
    return String.join(sep, parts);
  }

  // ---- everything else: the wrapped resolver ----

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return delegate.getValue(context, base, property);
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return delegate.getType(context, base, property);
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
    delegate.setValue(context, base, property, value);
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return delegate.isReadOnly(context, base, property);
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return delegate.getFeatureDescriptors(context, base);
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return delegate.getCommonPropertyType(context, base);
  }
}
