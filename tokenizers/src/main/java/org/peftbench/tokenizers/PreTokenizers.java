package org.peftbench.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} section of tokenizer.json: splits normalized text into pre-tokens
 * (words) that BPE encodes independently.
 */
final class PreTokenizers {
  private PreTokenizers() {}

  /** GPT-2's split: contractions, letter runs, number runs, other runs, whitespace. */
  static final String GPT2_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  /** One pre-tokenization step, applied to every piece produced by the previous steps. */
  interface Step {
    /**
     * Splits {@code piece}; {@code first} says the piece starts the input text (Metaspace's "first"
     * prepend scheme needs it).
     */
    void split(String piece, boolean first, List<String> out);
  }

  enum Behavior {
    REMOVED,
    ISOLATED,
    MERGED_WITH_PREVIOUS,
    MERGED_WITH_NEXT,
    CONTIGUOUS
  }

  static List<String> apply(Step step, String text, boolean first) {
    List<String> out = new ArrayList<>();
    step.split(text, first, out);
    return out;
  }

  static Step parse(JsonNode n) {
    if (n == null || n.isNull()) {
      return (piece, first, out) -> out.add(piece);
    }
    String type = n.path("type").asText();
    return switch (type) {
      case "Sequence" -> {
        List<Step> steps = new ArrayList<>();
        for (JsonNode s : n.path("pretokenizers")) {
          steps.add(parse(s));
        }
        yield (piece, first, out) -> {
          List<String> cur = List.of(piece);
          for (Step s : steps) {
            List<String> next = new ArrayList<>();
            for (int i = 0; i < cur.size(); i++) {
              s.split(cur.get(i), first && i == 0, next);
            }
            cur = next;
          }
          out.addAll(cur);
        };
      }
      case "Split" -> {
        Pattern p = Normalizers.pattern(n.path("pattern"));
        Behavior b = behavior(n.path("behavior").asText("Isolated"));
        boolean invert = n.path("invert").asBoolean(false);
        yield (piece, first, out) -> split(piece, p, b, invert, out);
      }
      case "ByteLevel" -> {
        boolean addPrefixSpace = n.path("add_prefix_space").asBoolean(false);
        boolean useRegex = n.path("use_regex").asBoolean(true);
        Pattern gpt2 = Pattern.compile(GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);
        yield (piece, first, out) -> {
          String s = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
          List<String> parts = new ArrayList<>();
          if (useRegex) {
            split(s, gpt2, Behavior.ISOLATED, false, parts);
          } else {
            parts.add(s);
          }
          for (String part : parts) {
            out.add(ByteLevel.encode(part));
          }
        };
      }
      case "Metaspace" -> {
        String replacement = n.path("replacement").asText("\u2581");
        String scheme;
        if (n.has("prepend_scheme")) {
          scheme = n.get("prepend_scheme").asText();
        } else {
          scheme = n.path("add_prefix_space").asBoolean(true) ? "always" : "never";
        }
        boolean doSplit = n.path("split").asBoolean(true);
        Pattern rep = Pattern.compile(Pattern.quote(replacement));
        yield (piece, first, out) -> {
          String s = piece.replace(" ", replacement);
          boolean prepend = scheme.equals("always") || (scheme.equals("first") && first);
          if (prepend && !s.startsWith(replacement)) {
            s = replacement + s;
          }
          if (doSplit) {
            split(s, rep, Behavior.MERGED_WITH_NEXT, false, out);
          } else {
            out.add(s);
          }
        };
      }
      case "Digits" -> {
        Pattern p =
            Pattern.compile(n.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+");
        yield (piece, first, out) -> split(piece, p, Behavior.ISOLATED, false, out);
      }
      case "WhitespaceSplit" -> {
        Pattern p = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
        yield (piece, first, out) -> split(piece, p, Behavior.REMOVED, false, out);
      }
      case "Whitespace" -> {
        Pattern p = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
        yield (piece, first, out) -> split(piece, p, Behavior.REMOVED, true, out);
      }
      default ->
          throw new IllegalArgumentException(
              "unsupported pre_tokenizer '"
                  + type
                  + "' (supported: Sequence, Split, ByteLevel, Metaspace, Digits, Whitespace, WhitespaceSplit)");
    };
  }

  private static Behavior behavior(String name) {
    return switch (name) {
      case "Removed" -> Behavior.REMOVED;
      case "Isolated" -> Behavior.ISOLATED;
      case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
      case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
      case "Contiguous" -> Behavior.CONTIGUOUS;
      default -> throw new IllegalArgumentException("unknown split behavior '" + name + "'");
    };
  }

  /**
   * Splits {@code s} around the matches of {@code p} (or, with {@code invert}, around what lies
   * between them), as HF's {@code NormalizedString::split} does. Empty pieces are dropped.
   */
  static void split(String s, Pattern p, Behavior behavior, boolean invert, List<String> out) {
    // Cover s with alternating (span, isMatch) pieces.
    List<int[]> spans = new ArrayList<>();
    Matcher m = p.matcher(s);
    int prev = 0;
    while (m.find()) {
      if (m.end() == m.start()) {
        continue; // empty matches split nothing
      }
      if (m.start() > prev) {
        spans.add(new int[] {prev, m.start(), invert ? 1 : 0});
      }
      spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
      prev = m.end();
    }
    if (prev < s.length()) {
      spans.add(new int[] {prev, s.length(), invert ? 1 : 0});
    }
    switch (behavior) {
      case REMOVED -> {
        for (int[] sp : spans) {
          if (sp[2] == 0) {
            out.add(s.substring(sp[0], sp[1]));
          }
        }
      }
      case ISOLATED -> {
        for (int[] sp : spans) {
          out.add(s.substring(sp[0], sp[1]));
        }
      }
      case CONTIGUOUS -> {
        int start = -1;
        boolean inMatch = false;
        for (int[] sp : spans) {
          if (start >= 0 && sp[2] == 1 && inMatch) {
            continue; // extend the current run of matches
          }
          if (start >= 0) {
            out.add(s.substring(start, sp[0]));
          }
          start = sp[0];
          inMatch = sp[2] == 1;
        }
        if (start >= 0) {
          out.add(s.substring(start));
        }
      }
      case MERGED_WITH_PREVIOUS -> {
        int start = 0;
        for (int[] sp : spans) {
          if (sp[2] == 1) {
            out.add(s.substring(start, sp[1]));
            start = sp[1];
          }
        }
        if (start < s.length()) {
          out.add(s.substring(start));
        }
      }
      case MERGED_WITH_NEXT -> {
        int start = 0;
        for (int[] sp : spans) {
          if (sp[2] == 1 && sp[0] > start) {
            out.add(s.substring(start, sp[0]));
            start = sp[0];
          }
        }
        if (start < s.length()) {
          out.add(s.substring(start));
        }
      }
    }
  }
}
