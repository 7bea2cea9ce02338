package org.peftbench.transformer.tokenizer;

import java.util.Iterator;
import java.util.Map;

/** Serializes values the way Python's {@code json.dumps(x, ensure_ascii=False)} does. */
final class PythonJson {
  private PythonJson() {}

  static void write(Object v, StringBuilder sb) {
    switch (v) {
      case null -> sb.append("null");
      case String s -> string(s, sb);
      case Boolean b -> sb.append(b ? "true" : "false");
      case Float f -> sb.append(f.isNaN() ? "NaN" : Double.toString(f));
      case Double d ->
          sb.append(
              d.isNaN()
                  ? "NaN"
                  : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : Double.toString(d));
      case Number n -> sb.append(n);
      case Map<?, ?> m -> {
        sb.append('{');
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        while (it.hasNext()) {
          Map.Entry<?, ?> e = it.next();
          string(String.valueOf(e.getKey()), sb);
          sb.append(": ");
          write(e.getValue(), sb);
          if (it.hasNext()) {
            sb.append(", ");
          }
        }
        sb.append('}');
      }
      case Iterable<?> list -> {
        sb.append('[');
        Iterator<?> it = list.iterator();
        while (it.hasNext()) {
          write(it.next(), sb);
          if (it.hasNext()) {
            sb.append(", ");
          }
        }
        sb.append(']');
      }
      case Object[] arr -> write(java.util.Arrays.asList(arr), sb);
      default -> string(v.toString(), sb);
    }
  }

  private static void string(String s, StringBuilder sb) {
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
