package org.peftbench.tokenizers.jinja;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.peftbench.tokenizers.jinja.Values.Callable;
import org.peftbench.tokenizers.jinja.Values.Tuple;

/**
 * The Python methods a template may call on values: string methods ({@code strip}, {@code split},
 * {@code startswith}, ...) and the read-only dict methods ({@code items}, {@code keys}, {@code
 * values}, {@code get}). Nothing else is callable; this list is the sandbox's whole surface.
 */
final class Methods {
  private Methods() {}

  /** The bound method {@code obj.name}, or null if {@code obj} has no such method. */
  static Callable bound(Object obj, String name, Budget budget) {
    if (obj instanceof String s) {
      return stringMethod(s, name, budget);
    }
    if (obj instanceof Map<?, ?> m) {
      return dictMethod(m, name);
    }
    return null;
  }

  private static Callable dictMethod(Map<?, ?> m, String name) {
    return switch (name) {
      case "items" ->
          (args, kw) -> {
            List<Object> out = new ArrayList<>();
            m.forEach((k, v) -> out.add(new Tuple(java.util.Arrays.asList(k, v))));
            return Collections.unmodifiableList(out);
          };
      case "keys" -> (args, kw) -> Collections.unmodifiableList(new ArrayList<Object>(m.keySet()));
      case "values" ->
          (args, kw) -> Collections.unmodifiableList(new ArrayList<Object>(m.values()));
      case "get" ->
          (args, kw) -> {
            Args a = new Args("get", args, kw, "key", "default");
            Object key = a.get(0, null);
            for (Map.Entry<?, ?> e : m.entrySet()) {
              if (Py.eq(e.getKey(), key)) {
                return e.getValue();
              }
            }
            return a.get(1, null);
          };
      default -> null;
    };
  }

  private static Callable stringMethod(String s, String name, Budget budget) {
    return switch (name) {
      case "strip", "lstrip", "rstrip" ->
          (args, kw) -> {
            String chars = new Args(name, args, kw, "chars").optString(0);
            return switch (name) {
              case "strip" -> Py.strip(s, chars);
              case "lstrip" -> Py.lstrip(s, chars);
              default -> Py.rstrip(s, chars);
            };
          };
      case "split", "rsplit" ->
          (args, kw) -> {
            Args a = new Args(name, args, kw, "sep", "maxsplit");
            List<String> parts = split(s, a.optString(0), a.getLong(1, -1), name.equals("rsplit"));
            budget.items(parts.size());
            return Collections.unmodifiableList(new ArrayList<Object>(parts));
          };
      case "splitlines" ->
          (args, kw) ->
              Collections.unmodifiableList(
                  new ArrayList<Object>(
                      splitlines(
                          s, Py.truthy(new Args(name, args, kw, "keepends").get(0, false)))));
      case "startswith", "endswith" ->
          (args, kw) -> {
            Object prefix = new Args(name, args, kw, "prefix").get(0, null);
            List<?> options = prefix instanceof Tuple t ? t : List.of(prefix == null ? "" : prefix);
            for (Object o : options) {
              if (!(o instanceof String p)) {
                throw TemplateException.type(
                    name + " first arg must be str or a tuple of str, not " + Py.typeName(o));
              }
              if (name.equals("startswith") ? s.startsWith(p) : s.endsWith(p)) {
                return true;
              }
            }
            return false;
          };
      case "replace" ->
          (args, kw) -> {
            Args a = new Args(name, args, kw, "old", "new", "count");
            return replace(s, a.string(0), a.string(1), a.getLong(2, -1), budget);
          };
      case "upper" -> (args, kw) -> s.toUpperCase(Locale.ROOT);
      case "lower" -> (args, kw) -> s.toLowerCase(Locale.ROOT);
      case "title" -> (args, kw) -> title(s);
      case "capitalize" -> (args, kw) -> capitalize(s);
      case "find", "rfind", "index", "rindex", "count" ->
          (args, kw) -> {
            String sub = new Args(name, args, kw, "sub").string(0);
            return switch (name) {
              case "find" -> (long) codePointIndex(s, s.indexOf(sub));
              case "rfind" -> (long) codePointIndex(s, s.lastIndexOf(sub));
              case "index", "rindex" -> {
                int at = name.equals("index") ? s.indexOf(sub) : s.lastIndexOf(sub);
                if (at < 0) {
                  throw TemplateException.type("substring not found");
                }
                yield (long) codePointIndex(s, at);
              }
              default -> count(s, sub);
            };
          };
      case "join" ->
          (args, kw) -> {
            Object items = new Args(name, args, kw, "iterable").get(0, null);
            List<String> parts = new ArrayList<>();
            long total = 0;
            for (Object o : Filters.iterate(items)) {
              if (!(o instanceof String p)) {
                throw TemplateException.type(
                    "sequence item: expected str instance, " + Py.typeName(o) + " found");
              }
              parts.add(p);
              total += p.length() + s.length();
            }
            budget.chars(total);
            return String.join(s, parts);
          };
      case "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower" ->
          (args, kw) -> classify(s, name);
      default -> null;
    };
  }

  private static int codePointIndex(String s, int utf16) {
    return utf16 < 0 ? -1 : s.codePointCount(0, utf16);
  }

  private static long count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.codePointCount(0, s.length()) + 1L;
    }
    long n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
      n++;
    }
    return n;
  }

  /** Python's {@code str.split}/{@code rsplit}: by whitespace runs when {@code sep} is null. */
  static List<String> split(String s, String sep, long maxSplit, boolean fromRight) {
    if (sep != null && sep.isEmpty()) {
      throw TemplateException.type("empty separator");
    }
    List<String> out = new ArrayList<>();
    if (sep == null) {
      List<int[]> words = new ArrayList<>();
      int i = 0;
      while (i < s.length()) {
        while (i < s.length() && Py.isWhitespace(s.charAt(i))) {
          i++;
        }
        int start = i;
        while (i < s.length() && !Py.isWhitespace(s.charAt(i))) {
          i++;
        }
        if (i > start) {
          words.add(new int[] {start, i});
        }
      }
      if (maxSplit < 0 || words.size() <= maxSplit + 1) {
        words.forEach(w -> out.add(s.substring(w[0], w[1])));
        return out;
      }
      int keep = (int) maxSplit;
      if (fromRight) {
        int firstKept = words.size() - keep;
        out.add(s.substring(0, words.get(firstKept - 1)[1]));
        for (int w = firstKept; w < words.size(); w++) {
          out.add(s.substring(words.get(w)[0], words.get(w)[1]));
        }
      } else {
        for (int w = 0; w < keep; w++) {
          out.add(s.substring(words.get(w)[0], words.get(w)[1]));
        }
        out.add(s.substring(words.get(keep)[0]));
      }
      return out;
    }
    if (fromRight) {
      int end = s.length();
      List<String> rev = new ArrayList<>();
      while (maxSplit < 0 || rev.size() < maxSplit) {
        int at = s.lastIndexOf(sep, end - sep.length());
        if (at < 0 || end - sep.length() < 0) {
          break;
        }
        rev.add(s.substring(at + sep.length(), end));
        end = at;
      }
      rev.add(s.substring(0, end));
      Collections.reverse(rev);
      return rev;
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

  /** Python's line boundaries: \n \r \r\n \v \f \x1c \x1d \x1e \x85 \u2028 \u2029. */
  static List<String> splitlines(String s, boolean keepEnds) {
    List<String> out = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int width =
          c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n'
              ? 2
              : "\n\r\u000b\f\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) >= 0 ? 1 : 0;
      if (width == 0) {
        i++;
        continue;
      }
      out.add(s.substring(start, keepEnds ? i + width : i));
      i += width;
      start = i;
    }
    if (start < s.length()) {
      out.add(s.substring(start));
    }
    return out;
  }

  static String replace(String s, String old, String rep, long count, Budget budget) {
    long n = count(s, old);
    if (count >= 0) {
      n = Math.min(n, count);
    }
    budget.chars(s.length() + n * (rep.length() - (long) old.length()));
    if (old.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      int done = 0;
      int i = 0;
      for (; i < s.length() && done < n; done++) {
        sb.append(rep);
        int cp = s.codePointAt(i);
        sb.appendCodePoint(cp);
        i += Character.charCount(cp);
      }
      if (done < n) {
        sb.append(rep);
      }
      return sb.append(s.substring(i)).toString();
    }
    StringBuilder sb = new StringBuilder();
    int from = 0;
    for (long k = 0; k < n; k++) {
      int at = s.indexOf(old, from);
      sb.append(s, from, at).append(rep);
      from = at + old.length();
    }
    return sb.append(s.substring(from)).toString();
  }

  private static boolean cased(int cp) {
    return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
  }

  /** Python's {@code str.title()}: upper after an uncased character, lower after a cased one. */
  static String title(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean prevCased = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      String c = new String(Character.toChars(cp));
      sb.append(prevCased ? c.toLowerCase(Locale.ROOT) : c.toUpperCase(Locale.ROOT));
      prevCased = cased(cp);
    }
    return sb.toString();
  }

  static String capitalize(String s) {
    if (s.isEmpty()) {
      return s;
    }
    int first = s.codePointAt(0);
    int w = Character.charCount(first);
    return new String(Character.toChars(first)).toUpperCase(Locale.ROOT)
        + s.substring(w).toLowerCase(Locale.ROOT);
  }

  private static boolean classify(String s, String name) {
    if (s.isEmpty()) {
      return false;
    }
    boolean anyCased = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      boolean ok =
          switch (name) {
            case "isdigit" -> Character.isDigit(cp);
            case "isalpha" -> Character.isLetter(cp);
            case "isalnum" -> Character.isLetterOrDigit(cp);
            case "isspace" -> cp < 0x10000 && Py.isWhitespace((char) cp);
            case "isupper" -> !Character.isLowerCase(cp) && !Character.isTitleCase(cp);
            default -> !Character.isUpperCase(cp) && !Character.isTitleCase(cp);
          };
      if (!ok) {
        return false;
      }
      anyCased |= cased(cp);
    }
    return !(name.equals("isupper") || name.equals("islower")) || anyCased;
  }
}
