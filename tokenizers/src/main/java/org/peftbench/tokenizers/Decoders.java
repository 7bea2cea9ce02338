package org.peftbench.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code decoder} section of tokenizer.json: a chain of steps over the list of token strings
 * (HF's {@code decode_chain}); the final text is the concatenation of what the chain leaves.
 */
final class Decoders {
  private Decoders() {}

  private static final Pattern BYTE_TOKEN = Pattern.compile("<0x([0-9A-Fa-f]{2})>");

  static UnaryOperator<List<String>> parse(JsonNode n) {
    if (n == null || n.isNull()) {
      return UnaryOperator.identity();
    }
    String type = n.path("type").asText();
    return switch (type) {
      case "Sequence" -> {
        List<UnaryOperator<List<String>>> steps = new ArrayList<>();
        for (JsonNode s : n.path("decoders")) {
          steps.add(parse(s));
        }
        yield tokens -> {
          for (UnaryOperator<List<String>> s : steps) {
            tokens = s.apply(tokens);
          }
          return tokens;
        };
      }
      case "ByteLevel" -> tokens -> List.of(ByteLevel.decode(String.join("", tokens)));
      case "Replace" -> {
        Pattern p = Normalizers.pattern(n.path("pattern"));
        String content = Matcher.quoteReplacement(n.path("content").asText());
        yield tokens -> tokens.stream().map(t -> p.matcher(t).replaceAll(content)).toList();
      }
      case "ByteFallback" -> Decoders::byteFallback;
      case "Fuse" -> tokens -> List.of(String.join("", tokens));
      case "Strip" -> {
        String content = n.path("content").asText(" ");
        int start = n.path("start").asInt(0);
        int stop = n.path("stop").asInt(0);
        yield tokens -> tokens.stream().map(t -> strip(t, content, start, stop)).toList();
      }
      case "Metaspace" -> {
        String replacement = n.path("replacement").asText("\u2581");
        boolean prefix =
            n.has("prepend_scheme")
                ? !n.get("prepend_scheme").asText().equals("never")
                : n.path("add_prefix_space").asBoolean(true);
        yield tokens -> {
          List<String> out = new ArrayList<>(tokens.size());
          for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i).replace(replacement, " ");
            if (i == 0 && prefix && t.startsWith(" ")) {
              t = t.substring(1);
            }
            out.add(t);
          }
          return out;
        };
      }
      default ->
          throw new IllegalArgumentException(
              "unsupported decoder '"
                  + type
                  + "' (supported: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace)");
    };
  }

  /**
   * Runs of {@code <0xNN>} tokens become the UTF-8 text of their bytes (U+FFFD per byte if
   * invalid).
   */
  static List<String> byteFallback(List<String> tokens) {
    List<String> out = new ArrayList<>(tokens.size());
    ByteArrayOutputStream pending = new ByteArrayOutputStream();
    for (String t : tokens) {
      Matcher m = BYTE_TOKEN.matcher(t);
      if (m.matches()) {
        pending.write(Integer.parseInt(m.group(1), 16));
        continue;
      }
      flush(pending, out);
      out.add(t);
    }
    flush(pending, out);
    return out;
  }

  private static void flush(ByteArrayOutputStream pending, List<String> out) {
    if (pending.size() == 0) {
      return;
    }
    byte[] bytes = pending.toByteArray();
    pending.reset();
    String s = Utf8.decodeStrict(bytes);
    if (s != null) {
      out.add(s);
    } else {
      for (int i = 0; i < bytes.length; i++) {
        out.add("\uFFFD");
      }
    }
  }

  private static String strip(String t, String content, int start, int stop) {
    int from = 0;
    int to = t.length();
    for (int i = 0; i < start && t.startsWith(content, from); i++) {
      from += content.length();
    }
    for (int i = 0;
        i < stop && to - content.length() >= from && t.startsWith(content, to - content.length());
        i++) {
      to -= content.length();
    }
    return t.substring(from, to);
  }
}
