package org.peftbench.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code normalizer} section of tokenizer.json: text → text before pre-tokenization. */
final class Normalizers {
  private Normalizers() {}

  static UnaryOperator<String> parse(JsonNode n) {
    if (n == null || n.isNull()) {
      return UnaryOperator.identity();
    }
    String type = n.path("type").asText();
    return switch (type) {
      case "Sequence" -> {
        List<UnaryOperator<String>> steps = new ArrayList<>();
        for (JsonNode s : n.path("normalizers")) {
          steps.add(parse(s));
        }
        yield text -> {
          for (UnaryOperator<String> s : steps) {
            text = s.apply(text);
          }
          return text;
        };
      }
      case "Prepend" -> {
        String prefix = n.path("prepend").asText();
        yield text -> text.isEmpty() ? text : prefix + text;
      }
      case "Replace" -> {
        Pattern p = pattern(n.path("pattern"));
        String content = Matcher.quoteReplacement(n.path("content").asText());
        yield text -> p.matcher(text).replaceAll(content);
      }
      case "NFC" -> text -> Normalizer.normalize(text, Normalizer.Form.NFC);
      case "NFD" -> text -> Normalizer.normalize(text, Normalizer.Form.NFD);
      case "NFKC" -> text -> Normalizer.normalize(text, Normalizer.Form.NFKC);
      case "NFKD" -> text -> Normalizer.normalize(text, Normalizer.Form.NFKD);
      case "Lowercase" -> text -> text.toLowerCase(Locale.ROOT);
      case "Strip" -> {
        boolean left = n.path("strip_left").asBoolean(true);
        boolean right = n.path("strip_right").asBoolean(true);
        yield text ->
            left && right
                ? text.strip()
                : left ? text.stripLeading() : right ? text.stripTrailing() : text;
      }
      default ->
          throw new IllegalArgumentException(
              "unsupported normalizer '"
                  + type
                  + "' (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip)");
    };
  }

  /** A tokenizer.json pattern: {@code {"String": literal}} or {@code {"Regex": regex}}. */
  static Pattern pattern(JsonNode p) {
    if (p.has("String")) {
      return Pattern.compile(Pattern.quote(p.get("String").asText()));
    }
    if (p.has("Regex")) {
      return Pattern.compile(p.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
    }
    throw new IllegalArgumentException(
        "pattern must be {\"String\": ...} or {\"Regex\": ...}: " + p);
  }
}
