package org.peftbench.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Meta's tiktoken-format {@code tokenizer.model} of Llama 3 (shipped as {@code
 * original/tokenizer.model}): one {@code base64(token bytes) rank} pair a line. It is loaded as the
 * tokenizer.json that transformers' converter makes of it, so it encodes exactly like the HF file:
 * byte-level BPE whose merges are every split of a token into two tokens, ordered by the rank of
 * the merged token (tiktoken merges lowest rank first), a whole pre-token found in the vocabulary
 * taken as is ({@code ignore_merges}, as tiktoken does), Llama 3's split regex, and the 256 special
 * tokens after the ranks, named as Meta's code names them.
 */
final class Tiktoken {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LINE = Pattern.compile("[A-Za-z0-9+/]+=* \\d+");

  /** Llama 3's pre-tokenizer regex (the cl100k one). */
  static final String LLAMA3_PATTERN =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private Tiktoken() {}

  /** Whether {@code file} is a tiktoken rank file (text) rather than a SentencePiece protobuf. */
  static boolean isTiktokenFile(Path file) {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
      String first = r.readLine();
      return first != null && LINE.matcher(first).matches();
    } catch (IOException e) {
      throw new TokenizerException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * The special tokens that follow the ranks. Llama 3.1 and later (config.json {@code
   * rope_scaling.rope_type = "llama3"}) use the names of Meta's llama-models code; Llama 3 its own
   * first list. Both have 256 entries with BOS, EOS, the header tokens and {@code <|eot_id|>} at
   * the same ids.
   */
  static List<String> specialTokens(boolean llama31) {
    List<String> names =
        new ArrayList<>(
            llama31
                ? List.of(
                    "<|begin_of_text|>",
                    "<|end_of_text|>",
                    "<|reserved_special_token_0|>",
                    "<|reserved_special_token_1|>",
                    "<|finetune_right_pad_id|>",
                    "<|step_id|>",
                    "<|start_header_id|>",
                    "<|end_header_id|>",
                    "<|eom_id|>",
                    "<|eot_id|>",
                    "<|python_tag|>",
                    "<|image|>")
                : List.of(
                    "<|begin_of_text|>",
                    "<|end_of_text|>",
                    "<|reserved_special_token_0|>",
                    "<|reserved_special_token_1|>",
                    "<|reserved_special_token_2|>",
                    "<|reserved_special_token_3|>",
                    "<|start_header_id|>",
                    "<|end_header_id|>",
                    "<|reserved_special_token_4|>",
                    "<|eot_id|>"));
    int next = llama31 ? 2 : 5;
    while (names.size() < 256) {
      names.add("<|reserved_special_token_" + next++ + "|>");
    }
    return names;
  }

  /** Whether the folder's config.json describes Llama 3.1 or later (llama3 RoPE scaling). */
  static boolean isLlama31(Path modelDir) {
    Path config = modelDir.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      return true;
    }
    try {
      JsonNode c = JSON.readTree(config.toFile());
      return c.path("rope_scaling").path("rope_type").asText("").equals("llama3");
    } catch (IOException e) {
      throw new TokenizerException(config, "cannot read: " + e.getMessage(), e);
    }
  }

  static HfTokenizer load(Path file, List<String> specials) {
    Map<String, Integer> vocab = new HashMap<>();
    Map<String, Integer> rankOfBytes = new HashMap<>(); // token bytes as Latin-1 text -> rank
    List<String> byRank = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
      int lineNo = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lineNo++;
        if (line.isEmpty()) {
          continue;
        }
        int sp = line.indexOf(' ');
        byte[] bytes;
        int rank;
        try {
          bytes = Base64.getDecoder().decode(line.substring(0, Math.max(sp, 0)));
          rank = Integer.parseInt(line.substring(sp + 1));
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
          throw new TokenizerException(file, "line " + lineNo + " is not 'base64 rank'");
        }
        if (rank != byRank.size()) {
          throw new TokenizerException(
              file,
              "line "
                  + lineNo
                  + ": rank "
                  + rank
                  + " out of order (expected "
                  + byRank.size()
                  + ")");
        }
        String latin1 = new String(bytes, StandardCharsets.ISO_8859_1);
        rankOfBytes.put(latin1, rank);
        byRank.add(latin1);
        vocab.put(ByteLevel.fromBytes(bytes), rank);
      }
    } catch (IOException e) {
      throw new TokenizerException(file, "cannot read: " + e.getMessage(), e);
    }
    if (byRank.size() < 256) {
      throw new TokenizerException(file, "only " + byRank.size() + " ranks; not a tiktoken file");
    }
    List<String[]> merges = new ArrayList<>();
    for (String token : byRank) {
      List<String[]> splits = new ArrayList<>();
      for (int i = 1; i < token.length(); i++) {
        String left = token.substring(0, i);
        String right = token.substring(i);
        if (rankOfBytes.containsKey(left) && rankOfBytes.containsKey(right)) {
          splits.add(new String[] {left, right});
        }
      }
      splits.sort(
          Comparator.comparingInt((String[] s) -> rankOfBytes.get(s[0]))
              .thenComparingInt(s -> rankOfBytes.get(s[1])));
      for (String[] s : splits) {
        merges.add(new String[] {latin1ToByteLevel(s[0]), latin1ToByteLevel(s[1])});
      }
    }
    return HfTokenizer.build(file, tokenizerJson(byRank.size(), specials), vocab, merges);
  }

  private static String latin1ToByteLevel(String latin1) {
    return ByteLevel.fromBytes(latin1.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Every section of the equivalent tokenizer.json but the vocabulary and merges. */
  private static ObjectNode tokenizerJson(int base, List<String> specials) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").put("byte_fallback", false).put("ignore_merges", true);
    ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
    ArrayNode steps = pre.putArray("pretokenizers");
    ObjectNode split = steps.addObject().put("type", "Split");
    split.putObject("pattern").put("Regex", LLAMA3_PATTERN);
    split.put("behavior", "Isolated").put("invert", false);
    steps
        .addObject()
        .put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", false);
    root.putObject("decoder")
        .put("type", "ByteLevel")
        .put("add_prefix_space", true)
        .put("trim_offsets", true)
        .put("use_regex", true);
    ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
    post.putArray("single")
        .add(
            JSON.createObjectNode()
                .set("SpecialToken", JSON.createObjectNode().put("id", specials.get(0))))
        .add(JSON.createObjectNode().set("Sequence", JSON.createObjectNode().put("id", "A")));
    ObjectNode bos = post.putObject("special_tokens").putObject(specials.get(0));
    bos.putArray("ids").add(base);
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < specials.size(); i++) {
      added
          .addObject()
          .put("id", base + i)
          .put("content", specials.get(i))
          .put("normalized", false)
          .put("special", true);
    }
    return root;
  }
}
