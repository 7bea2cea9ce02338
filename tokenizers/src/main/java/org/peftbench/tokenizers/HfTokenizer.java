package org.peftbench.tokenizers;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A HuggingFace {@code tokenizer.json} with a BPE model, run the way the Rust tokenizers library
 * runs it: added tokens are cut out of the text first; every other segment is normalized,
 * pre-tokenized into words, and each word is BPE-encoded; the post-processor adds BOS/EOS. Decoding
 * maps ids to token strings and runs the decoder chain.
 *
 * <p>Covers byte-level BPE (GPT-2, Llama 3, Qwen, SmolLM) and SentencePiece-style BPE with byte
 * fallback (Llama 2, Mistral, TinyLlama).
 */
public final class HfTokenizer extends BaseTokenizer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A token listed under {@code added_tokens}: matched in the text before anything else. */
  private record AddedToken(
      int id,
      String content,
      boolean special,
      boolean lstrip,
      boolean rstrip,
      boolean normalized) {}

  private final Path source;
  private final String[] idToToken;
  private final Map<String, Integer> tokenToId;
  private final boolean[] special;
  private final Bpe bpe;
  private final UnaryOperator<String> normalizer;
  private final PreTokenizers.Step preTokenizer;
  private final UnaryOperator<List<String>> decoder;
  private final boolean hasDecoder;
  // Added tokens by first character, longest first: matched on the raw text / after normalizing.
  private final Map<Character, List<AddedToken>> rawAdded;
  private final Map<Character, List<AddedToken>> normalizedAdded;
  private int[] prefix; // what the post-processor puts before a sequence
  private int[] suffix; // ... and after it
  private int endOfText = -1; // GPT-2's <|endoftext|>: its BOS and EOS

  private HfTokenizer(
      Path source, JsonNode root, Map<String, Integer> vocab, List<String[]> merges) {
    this.source = source;
    JsonNode model = root.path("model");
    String type = model.path("type").asText("BPE");
    if (!type.equals("BPE")) {
      throw new IllegalArgumentException(
          "model type '" + type + "' is not supported (only BPE tokenizers are)");
    }
    if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode()) {
      throw new IllegalArgumentException("BPE dropout is not supported (it makes encoding random)");
    }
    for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
      if (!model.path(affix).asText("").isEmpty()) {
        throw new IllegalArgumentException("BPE " + affix + " is not supported");
      }
    }
    int size = 0;
    for (int id : vocab.values()) {
      size = Math.max(size, id + 1);
    }
    if (vocab.isEmpty()) {
      throw new IllegalArgumentException("model.vocab is missing or empty");
    }
    String unk = model.path("unk_token").isTextual() ? model.get("unk_token").asText() : null;

    List<AddedToken> added = new ArrayList<>();
    for (JsonNode a : root.path("added_tokens")) {
      AddedToken t =
          new AddedToken(
              a.path("id").asInt(),
              a.path("content").asText(),
              a.path("special").asBoolean(false),
              a.path("lstrip").asBoolean(false),
              a.path("rstrip").asBoolean(false),
              a.path("normalized").asBoolean(!a.path("special").asBoolean(false)));
      if (t.content().isEmpty()) {
        continue;
      }
      added.add(t);
      size = Math.max(size, t.id() + 1);
    }
    this.idToToken = new String[size];
    this.tokenToId = new HashMap<>(vocab);
    vocab.forEach((tok, id) -> idToToken[id] = tok);
    this.special = new boolean[size];
    for (AddedToken t : added) {
      idToToken[t.id()] = t.content();
      tokenToId.put(t.content(), t.id());
      special[t.id()] = t.special();
    }
    Comparator<AddedToken> longestFirst =
        Comparator.comparingInt((AddedToken t) -> -t.content().length())
            .thenComparingInt(AddedToken::id);
    this.rawAdded =
        byFirstChar(added.stream().filter(t -> !t.normalized()).sorted(longestFirst).toList());
    this.normalizedAdded =
        byFirstChar(added.stream().filter(AddedToken::normalized).sorted(longestFirst).toList());

    this.bpe =
        new Bpe(
            vocab,
            merges,
            unk,
            model.path("byte_fallback").asBoolean(false),
            model.path("fuse_unk").asBoolean(false),
            model.path("ignore_merges").asBoolean(false));
    this.normalizer = Normalizers.parse(root.get("normalizer"));
    this.preTokenizer = PreTokenizers.parse(root.get("pre_tokenizer"));
    this.hasDecoder = root.hasNonNull("decoder");
    this.decoder = Decoders.parse(root.get("decoder"));
    List<Integer> pre = new ArrayList<>();
    List<Integer> post = new ArrayList<>();
    parsePostProcessor(root.get("post_processor"), pre, post);
    this.prefix = pre.stream().mapToInt(Integer::intValue).toArray();
    this.suffix = post.stream().mapToInt(Integer::intValue).toArray();
    configureDefaults();
  }

  private static Map<Character, List<AddedToken>> byFirstChar(List<AddedToken> sorted) {
    Map<Character, List<AddedToken>> m = new HashMap<>();
    for (AddedToken t : sorted) {
      m.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
    }
    return m;
  }

  /**
   * Reads a {@code tokenizer.json}. The vocabulary and merges (most of the file: 128k tokens and
   * 280k merges for Llama 3) are streamed straight into their tables; the small sections are read
   * as JSON trees.
   */
  public static HfTokenizer fromJson(Path tokenizerJson) {
    ObjectNode root = JSON.createObjectNode();
    Map<String, Integer> vocab = new HashMap<>();
    List<String[]> merges = new ArrayList<>();
    try (JsonParser p = JSON.createParser(tokenizerJson.toFile())) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals("model") && p.currentToken() == JsonToken.START_OBJECT) {
          ObjectNode model = root.putObject("model");
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken t = p.nextToken();
            if (key.equals("vocab") && t == JsonToken.START_OBJECT) {
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                expect(p, p.nextToken(), JsonToken.VALUE_NUMBER_INT);
                vocab.put(token, p.getIntValue());
              }
            } else if (key.equals("merges") && t == JsonToken.START_ARRAY) {
              for (JsonToken m = p.nextToken(); m != JsonToken.END_ARRAY; m = p.nextToken()) {
                if (m == JsonToken.VALUE_STRING) {
                  merges.add(splitMerge(p.getText()));
                } else if (m == JsonToken.START_ARRAY) {
                  String a = p.nextTextValue();
                  String b = p.nextTextValue();
                  if (a == null || b == null) {
                    throw new IllegalArgumentException(
                        "merge #" + merges.size() + " is not [\"a\", \"b\"]");
                  }
                  expect(p, p.nextToken(), JsonToken.END_ARRAY);
                  merges.add(new String[] {a, b});
                } else {
                  throw new IllegalArgumentException(
                      "merge #" + merges.size() + " is not \"a b\" or [\"a\", \"b\"]");
                }
              }
            } else {
              model.set(key, p.readValueAsTree());
            }
          }
        } else {
          root.set(field, p.readValueAsTree());
        }
      }
    } catch (IOException e) {
      throw new TokenizerException(tokenizerJson, "cannot read: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new TokenizerException(tokenizerJson, e.getMessage(), e);
    }
    return build(tokenizerJson, root, vocab, merges);
  }

  private static void expect(JsonParser p, JsonToken got, JsonToken wanted) {
    if (got != wanted) {
      throw new IllegalArgumentException(
          "expected "
              + wanted
              + " but found "
              + got
              + " at "
              + p.currentLocation().offsetDescription());
    }
  }

  private static String[] splitMerge(String s) {
    int sp = s.indexOf(' ', 1);
    if (sp < 0) {
      throw new IllegalArgumentException("merge '" + s + "' is not two tokens");
    }
    return new String[] {s.substring(0, sp), s.substring(sp + 1)};
  }

  /** A tokenizer from a tokenizer.json already parsed into a tree. */
  static HfTokenizer fromTree(Path source, JsonNode root) {
    try {
      JsonNode model = root.path("model");
      Map<String, Integer> vocab = new HashMap<>();
      for (Map.Entry<String, JsonNode> e : model.path("vocab").properties()) {
        vocab.put(e.getKey(), e.getValue().asInt());
      }
      List<String[]> merges = new ArrayList<>();
      for (JsonNode m : model.path("merges")) {
        if (m.isArray() && m.size() == 2) {
          merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
        } else if (m.isTextual()) {
          merges.add(splitMerge(m.asText()));
        } else {
          throw new IllegalArgumentException("merge " + m + " is not \"a b\" or [\"a\", \"b\"]");
        }
      }
      return build(source, root, vocab, merges);
    } catch (IllegalArgumentException e) {
      throw new TokenizerException(source, e.getMessage(), e);
    }
  }

  /** A tokenizer from the small sections of a tokenizer.json plus its vocabulary and merges. */
  static HfTokenizer build(
      Path source, JsonNode root, Map<String, Integer> vocab, List<String[]> merges) {
    try {
      return new HfTokenizer(source, root, vocab, merges);
    } catch (IllegalArgumentException e) {
      throw new TokenizerException(source, e.getMessage(), e);
    }
  }

  /**
   * GPT-2's original files, {@code vocab.json} (token → id) and {@code merges.txt} (one merge a
   * line after a {@code #version} header), as the equivalent tokenizer.json: byte-level BPE with
   * GPT-2's split regex and {@code <|endoftext|>} as its special token.
   */
  public static HfTokenizer fromGpt2Files(Path vocabJson, Path mergesTxt) {
    HfTokenizer t = fromTree(vocabJson, gpt2Json(vocabJson, mergesTxt));
    t.endOfText = t.id("<|endoftext|>");
    t.configureDefaults();
    return t;
  }

  /** The tokenizer.json equivalent of GPT-2's vocab.json + merges.txt. */
  public static ObjectNode gpt2Json(Path vocabJson, Path mergesTxt) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    try {
      model.set("vocab", JSON.readTree(vocabJson.toFile()));
      ArrayNode merges = model.putArray("merges");
      for (String line : Files.readAllLines(mergesTxt, StandardCharsets.UTF_8)) {
        if (line.startsWith("#version") || line.isBlank()) {
          continue;
        }
        merges.add(line);
      }
    } catch (IOException e) {
      throw new TokenizerException(
          vocabJson, "cannot read GPT-2 tokenizer files: " + e.getMessage(), e);
    }
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", true);
    root.putObject("decoder")
        .put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", true);
    JsonNode eot = model.get("vocab").get("<|endoftext|>");
    ArrayNode added = root.putArray("added_tokens");
    if (eot != null) {
      added
          .addObject()
          .put("id", eot.asInt())
          .put("content", "<|endoftext|>")
          .put("single_word", false)
          .put("lstrip", false)
          .put("rstrip", false)
          .put("normalized", true)
          .put("special", true);
    }
    return root;
  }

  private void parsePostProcessor(JsonNode n, List<Integer> pre, List<Integer> post) {
    if (n == null || n.isNull()) {
      return;
    }
    String type = n.path("type").asText();
    switch (type) {
      case "ByteLevel" -> {} // only adjusts offsets
      case "Sequence" -> {
        for (JsonNode p : n.path("processors")) {
          parsePostProcessor(p, pre, post);
        }
      }
      case "TemplateProcessing" -> {
        boolean seenSequence = false;
        for (JsonNode item : n.path("single")) {
          if (item.has("Sequence")) {
            seenSequence = true;
          } else if (item.has("SpecialToken")) {
            String name = item.get("SpecialToken").path("id").asText();
            JsonNode ids = n.path("special_tokens").path(name).path("ids");
            if (!ids.isArray() || ids.isEmpty()) {
              throw new IllegalArgumentException(
                  "post_processor special token '" + name + "' has no ids");
            }
            for (JsonNode id : ids) {
              (seenSequence ? post : pre).add(id.asInt());
            }
          }
        }
      }
      case "RobertaProcessing", "BertProcessing" -> {
        pre.add(n.path("cls").get(1).asInt());
        post.add(n.path("sep").get(1).asInt());
      }
      default ->
          throw new IllegalArgumentException(
              "unsupported post_processor '"
                  + type
                  + "' (supported: TemplateProcessing, ByteLevel, Sequence, RobertaProcessing, BertProcessing)");
    }
  }

  /** Replaces what the post-processor adds (the loader does this when the config says so). */
  void setSequenceTemplate(int[] before, int[] after) {
    this.prefix = before.clone();
    this.suffix = after.clone();
  }

  // ---- encoding ----

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    List<Integer> out = new ArrayList<>();
    if (addSpecialTokens) {
      for (int id : prefix) {
        out.add(id);
      }
    }
    splitOnAdded(
        text, rawAdded, 0, (segment, offset) -> encodeRawSegment(segment, offset, out), out);
    if (addSpecialTokens) {
      for (int id : suffix) {
        out.add(id);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private interface SegmentSink {
    void accept(String segment, int offset);
  }

  private void encodeRawSegment(String segment, int offset, List<Integer> out) {
    String normalized = normalizer.apply(segment);
    splitOnAdded(
        normalized,
        normalizedAdded,
        offset,
        (piece, pieceOffset) -> {
          for (String word : PreTokenizers.apply(preTokenizer, piece, pieceOffset == 0)) {
            if (!word.isEmpty()) {
              bpe.encodeWord(word, out);
            }
          }
        },
        out);
  }

  /**
   * Cuts the added tokens out of {@code text} (leftmost match, longest token first), emitting their
   * ids to {@code out} and the text between them to {@code sink}, in order.
   */
  private static void splitOnAdded(
      String text,
      Map<Character, List<AddedToken>> tokens,
      int baseOffset,
      SegmentSink sink,
      List<Integer> out) {
    int segmentStart = 0;
    int i = 0;
    while (i < text.length()) {
      AddedToken match = null;
      List<AddedToken> candidates = tokens.isEmpty() ? null : tokens.get(text.charAt(i));
      if (candidates != null) {
        for (AddedToken t : candidates) {
          if (text.startsWith(t.content(), i)) {
            match = t;
            break;
          }
        }
      }
      if (match == null) {
        i++;
        continue;
      }
      int start = i;
      int end = i + match.content().length();
      if (match.lstrip()) {
        while (start > segmentStart && Character.isWhitespace(text.charAt(start - 1))) {
          start--;
        }
      }
      if (match.rstrip()) {
        while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
          end++;
        }
      }
      if (start > segmentStart) {
        sink.accept(text.substring(segmentStart, start), baseOffset + segmentStart);
      }
      out.add(match.id());
      segmentStart = end;
      i = end;
    }
    if (segmentStart < text.length()) {
      sink.accept(text.substring(segmentStart), baseOffset + segmentStart);
    }
  }

  // ---- decoding ----

  @Override
  public String decodeRaw(int[] ids, boolean skipSpecialTokens) {
    List<String> tokens = new ArrayList<>(ids.length);
    for (int id : ids) {
      checkId(id);
      if (skipSpecialTokens && special[id]) {
        continue;
      }
      String t = idToToken[id];
      if (t != null) {
        tokens.add(t);
      }
    }
    if (!hasDecoder) {
      return String.join(" ", tokens);
    }
    return String.join("", decoder.apply(tokens));
  }

  // ---- vocabulary ----

  @Override
  public int vocabSize() {
    return idToToken.length;
  }

  @Override
  public String token(int id) {
    checkId(id);
    return idToToken[id];
  }

  @Override
  public int id(String token) {
    Integer id = tokenToId.get(token);
    return id == null ? -1 : id;
  }

  @Override
  public boolean isSpecial(int id) {
    checkId(id);
    return special[id];
  }

  @Override
  int defaultBosId() {
    return prefix.length > 0 ? prefix[0] : endOfText;
  }

  @Override
  int defaultEosId() {
    if (suffix.length > 0) {
      return suffix[suffix.length - 1];
    }
    return endOfText;
  }

  @Override
  boolean defaultAddBos() {
    return prefix.length > 0;
  }

  @Override
  boolean defaultAddEos() {
    return suffix.length > 0;
  }

  /** The file this tokenizer was read from. */
  public Path source() {
    return source;
  }

  @Override
  public String toString() {
    return "HfTokenizer["
        + source
        + ", "
        + vocabSize()
        + " tokens, adds "
        + Arrays.toString(prefix)
        + "]";
  }
}
