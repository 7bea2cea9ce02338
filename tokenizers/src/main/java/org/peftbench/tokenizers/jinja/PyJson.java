package org.peftbench.tokenizers.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as transformers defines it: Python's {@code json.dumps(x,
 * ensure_ascii=False, indent=..., separators=..., sort_keys=...)}, byte for byte (separators {@code
 * ", "}/{@code ": "}, or {@code ","} between items once indented; floats as Python prints them;
 * non-ASCII text unescaped).
 */
final class PyJson {
  private final String indent;
  private final String itemSep;
  private final String keySep;
  private final boolean sortKeys;
  private final StringBuilder sb = new StringBuilder();

  private PyJson(String indent, String itemSep, String keySep, boolean sortKeys) {
    this.indent = indent;
    this.itemSep = itemSep;
    this.keySep = keySep;
    this.sortKeys = sortKeys;
  }

  /**
   * @param indent null, an integer (spaces per level) or a string
   * @param separators null or a two-item list/tuple (item separator, key separator)
   */
  static String dumps(Object value, Object indent, Object separators, boolean sortKeys) {
    String ind =
        switch (indent) {
          case null -> null;
          case Long n -> " ".repeat((int) Math.max(0, Math.min(n, 64)));
          case String s -> s;
          default ->
              throw TemplateException.type(
                  "tojson indent must be an integer or a string, not " + Py.typeName(indent));
        };
    String itemSep = ind == null ? ", " : ",";
    String keySep = ": ";
    if (separators != null) {
      if (!(separators instanceof List<?> l)
          || l.size() != 2
          || !(l.get(0) instanceof String)
          || !(l.get(1) instanceof String)) {
        throw TemplateException.type("tojson separators must be a pair of strings");
      }
      itemSep = (String) l.get(0);
      keySep = (String) l.get(1);
    }
    PyJson w = new PyJson(ind, itemSep, keySep, sortKeys);
    w.write(value, 0);
    return w.sb.toString();
  }

  private void newline(int level) {
    if (indent != null) {
      sb.append('\n').append(indent.repeat(level));
    }
  }

  private void write(Object v, int level) {
    if (level > 200) {
      throw Budget.exceeded("tojson nesting deeper than 200");
    }
    switch (v) {
      case null -> sb.append("null");
      case Boolean b -> sb.append(b ? "true" : "false");
      case Long l -> sb.append(l);
      case Double d ->
          sb.append(
              d.isNaN()
                  ? "NaN"
                  : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : Py.floatRepr(d));
      case String s -> string(s);
      case List<?> l -> {
        if (l.isEmpty()) {
          sb.append("[]");
          return;
        }
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) {
            sb.append(itemSep);
          }
          newline(level + 1);
          write(l.get(i), level + 1);
        }
        newline(level);
        sb.append(']');
      }
      case Map<?, ?> m -> {
        if (m.isEmpty()) {
          sb.append("{}");
          return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
        }
        if (sortKeys) {
          entries.sort((a, b) -> Py.compareCodePoints(a.getKey(), b.getKey()));
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : entries) {
          if (!first) {
            sb.append(itemSep);
          }
          first = false;
          newline(level + 1);
          string(e.getKey());
          sb.append(keySep);
          write(e.getValue() == NULL ? null : e.getValue(), level + 1);
        }
        newline(level);
        sb.append('}');
      }
      default ->
          throw TemplateException.type(
              "Object of type " + Py.typeName(v) + " is not JSON serializable");
    }
  }

  private static final Object NULL = new Object();

  private static String key(Object k) {
    return switch (k) {
      case String s -> s;
      case null -> "null";
      case Boolean b -> b ? "true" : "false";
      case Long l -> l.toString();
      case Double d -> Py.floatRepr(d);
      default ->
          throw TemplateException.type(
              "keys must be str, int, float, bool or None, not " + Py.typeName(k));
    };
  }

  private void string(String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
