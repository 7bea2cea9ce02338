package org.peftbench.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenizer.json} BPE against HF's own Rust tokenizers library (through DJL's bindings, a
 * test-scope oracle): ids with and without special tokens, and decoding with and without skipping
 * them, on varied text.
 */
class HfTokenizerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** Compares our tokenizer with HF's on every test text; returns the number of texts checked. */
  private static int compareWithHf(Tokenizer ours, Path tokenizerJson) throws IOException {
    int checked = 0;
    try (HuggingFaceTokenizer hf =
        HuggingFaceTokenizer.newInstance(
            tokenizerJson,
            Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"))) {
      for (String text : TokenizerFixtures.texts()) {
        for (boolean special : new boolean[] {true, false}) {
          long[] expected = hf.encode(text, special, false).getIds();
          int[] got = ours.encode(text, special);
          assertThat(Arrays.stream(got).asLongStream().toArray())
              .as("encode(special=%s) [%s]", special, text)
              .containsExactly(expected);
          for (boolean skip : new boolean[] {true, false}) {
            assertThat(((BaseTokenizer) ours).decodeRaw(got, skip))
                .as("decode(skip=%s) [%s]", skip, text)
                .isEqualTo(hf.decode(expected, skip));
          }
        }
        checked++;
      }
      // Every prefix of a multi-byte text: decoding cut-off UTF-8 as HF does.
      long[] ids = hf.encode("日本語 😀🎉👍🏽 naïve", false, false).getIds();
      for (int k = 1; k <= ids.length; k++) {
        long[] prefix = Arrays.copyOf(ids, k);
        assertThat(
                ((BaseTokenizer) ours)
                    .decodeRaw(Arrays.stream(prefix).mapToInt(x -> (int) x).toArray(), true))
            .as("decode of the first %d ids", k)
            .isEqualTo(hf.decode(prefix, true));
      }
    }
    return checked;
  }

  @Test
  void llama3MatchesHf() throws IOException {
    Path dir = TokenizerFixtures.model("llama-3-8b-instruct");
    Tokenizer tok = Tokenizers.load(dir);
    assertThat(compareWithHf(tok, dir.resolve("tokenizer.json"))).isGreaterThan(20);
    assertThat(tok.vocabSize()).isEqualTo(128256);
    assertThat(tok.bosId()).isEqualTo(128000);
    assertThat(tok.eosId()).isEqualTo(128009); // <|eot_id|> from tokenizer_config.json
    assertThat(tok.eosIds()).containsExactly(128009, 128001); // + generation_config.json
    assertThat(tok.addBos()).isTrue();
    assertThat(tok.encode("Hello", true)[0]).isEqualTo(128000);
    // Read alone (no model folder configs), the file's post-processor still defines BOS.
    HfTokenizer alone = HfTokenizer.fromJson(dir.resolve("tokenizer.json"));
    assertThat(alone.bosId()).isEqualTo(128000);
    assertThat(alone.addBos()).isTrue();
    assertThat(tok.isSpecial(128009)).isTrue();
    // tokenizer_config.json sets clean_up_tokenization_spaces: decode cleans like transformers.
    int[] ids = tok.encode("Hi , there . I do n't know !", false);
    assertThat(((BaseTokenizer) tok).decodeRaw(ids, true))
        .isEqualTo("Hi , there . I do n't know !");
    assertThat(tok.decode(ids, true)).isEqualTo("Hi, there. I don't know!");
  }

  @Test
  void qwen3MatchesHf() throws IOException {
    Path dir = TokenizerFixtures.model("qwen3-1.7b");
    Tokenizer tok = Tokenizers.load(dir);
    assertThat(compareWithHf(tok, dir.resolve("tokenizer.json"))).isGreaterThan(20);
    assertThat(tok.bosId()).isEqualTo(-1);
    assertThat(tok.eosId()).isEqualTo(tok.id("<|im_end|>"));
    assertThat(tok.addBos()).isFalse();
  }

  @Test
  void gpt2FilesMatchHf() throws IOException {
    Path dir = TokenizerFixtures.model("gpt2");
    Tokenizer tok = Tokenizers.load(dir);
    assertThat(tok).isInstanceOf(HfTokenizer.class);
    // HF's library reads the same vocabulary and merges as a tokenizer.json.
    Path json = tmp.resolve("gpt2-tokenizer.json");
    JSON.writeValue(
        json.toFile(), HfTokenizer.gpt2Json(dir.resolve("vocab.json"), dir.resolve("merges.txt")));
    compareWithHf(tok, json);
    assertThat(tok.vocabSize()).isEqualTo(50257);
    assertThat(tok.eosId()).isEqualTo(50256);
    assertThat(tok.addBos()).isFalse();
    assertThat(tok.encode("Hello world", true)).containsExactly(15496, 995);
  }

  /**
   * A Llama-2-style tokenizer.json (what transformers' LlamaConverter writes) built from the
   * stories260K SentencePiece model: vocab with byte pieces, merges ordered by the merged piece's
   * score, byte fallback, and either the legacy Prepend/Replace normalizer or a Metaspace
   * pre-tokenizer.
   */
  static Path sentencePieceStyleJson(Path tmp, boolean metaspace) throws IOException {
    SentencePieceModel sp =
        SentencePieceModel.read(TokenizerFixtures.model("stories260K").resolve("tokenizer.model"));
    ObjectNode root = JSON.createObjectNode();
    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < 3; id++) {
      added
          .addObject()
          .put("id", id)
          .put("content", sp.pieces.get(id).piece())
          .put("single_word", false)
          .put("lstrip", false)
          .put("rstrip", false)
          .put("normalized", false)
          .put("special", true);
    }
    if (metaspace) {
      root.putNull("normalizer");
      root.putObject("pre_tokenizer")
          .put("type", "Metaspace")
          .put("replacement", "▁")
          .put("prepend_scheme", "first")
          .put("split", false);
    } else {
      ObjectNode norm = root.putObject("normalizer").put("type", "Sequence");
      ArrayNode steps = norm.putArray("normalizers");
      steps.addObject().put("type", "Prepend").put("prepend", "▁");
      ObjectNode replace = steps.addObject().put("type", "Replace");
      replace.putObject("pattern").put("String", " ");
      replace.put("content", "▁");
      root.putNull("pre_tokenizer");
    }
    ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    post.putArray("pair");
    ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
    bos.put("id", "<s>");
    bos.putArray("ids").add(1);
    bos.putArray("tokens").add("<s>");
    ObjectNode dec = root.putObject("decoder").put("type", "Sequence");
    ArrayNode decs = dec.putArray("decoders");
    ObjectNode rep = decs.addObject().put("type", "Replace");
    rep.putObject("pattern").put("String", "▁");
    rep.put("content", " ");
    decs.addObject().put("type", "ByteFallback");
    decs.addObject().put("type", "Fuse");
    decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);

    ObjectNode model =
        root.putObject("model")
            .put("type", "BPE")
            .putNull("dropout")
            .put("unk_token", "<unk>")
            .put("fuse_unk", true)
            .put("byte_fallback", true);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < sp.pieces.size(); i++) {
      vocab.put(sp.pieces.get(i).piece(), i);
    }
    // Merges: every split of a piece into two pieces, ordered by the piece's score (then ids).
    record Merge(String left, String right, float score, int leftId, int rightId) {}
    List<Merge> merges = new ArrayList<>();
    for (SentencePieceModel.Piece p : sp.pieces) {
      String s = p.piece();
      for (int k = 1; k < s.length(); k++) {
        if (vocab.has(s.substring(0, k)) && vocab.has(s.substring(k))) {
          merges.add(
              new Merge(
                  s.substring(0, k),
                  s.substring(k),
                  p.score(),
                  vocab.get(s.substring(0, k)).asInt(),
                  vocab.get(s.substring(k)).asInt()));
        }
      }
    }
    merges.sort(
        Comparator.comparingDouble((Merge m) -> -m.score())
            .thenComparingInt(Merge::leftId)
            .thenComparingInt(Merge::rightId));
    ArrayNode mergeArray = model.putArray("merges");
    for (Merge m : merges) {
      mergeArray.addArray().add(m.left()).add(m.right());
    }
    Path file = tmp.resolve(metaspace ? "sp-metaspace.json" : "sp-legacy.json");
    JSON.writeValue(file.toFile(), root);
    return file;
  }

  @Test
  void sentencePieceStyleJsonMatchesHf() throws IOException {
    for (boolean metaspace : new boolean[] {false, true}) {
      Path json = sentencePieceStyleJson(tmp, metaspace);
      HfTokenizer tok = HfTokenizer.fromJson(json);
      compareWithHf(tok, json);
      // Byte fallback: characters outside the 512 pieces round-trip through <0xNN> pieces.
      String text = "naïve 日本 😀";
      assertThat(tok.decode(tok.encode(text, true), true)).isEqualTo(text);
    }
  }

  /**
   * A byte-level BPE whose vocabulary lacks most byte symbols and has no unk token: HF drops the
   * characters it cannot represent (found by TokenizerFilesFuzzTest; we used to throw).
   */
  @Test
  void charactersOutsideAVocabularyWithoutUnkAreDroppedAsHfDoes() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putArray("added_tokens");
    for (String part : new String[] {"pre_tokenizer", "decoder"}) {
      root.putObject(part)
          .put("type", "ByteLevel")
          .put("add_prefix_space", false)
          .put("trim_offsets", true)
          .put("use_regex", true);
    }
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout").putNull("unk_token");
    model.putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
    model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    String[] pieces = {"H", "e", "l", "o", "He", "ll", "Hell", "Hello", "Ġ", "w", "r", "d"};
    for (int i = 0; i < pieces.length; i++) {
      vocab.put(pieces[i], i);
    }
    model.putArray("merges").add("H e").add("l l").add("He ll").add("Hell o");
    Path file = tmp.resolve("no-unk.json");
    JSON.writeValue(file.toFile(), root);
    HfTokenizer tok = HfTokenizer.fromJson(file);
    try (HuggingFaceTokenizer hf =
        HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false"))) {
      for (String text : new String[] {"Hello world", "Hello wörld ü", "ünï", "Hello, 123"}) {
        long[] expected = hf.encode(text, false, false).getIds();
        assertThat(Arrays.stream(tok.encode(text, false)).asLongStream().toArray())
            .as(text)
            .containsExactly(expected);
      }
    }
  }

  @Test
  void reportsUnsupportedAndMissingFiles() throws IOException {
    Path bad = tmp.resolve("tokenizer.json");
    Files.writeString(bad, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}");
    assertThatThrownBy(() -> Tokenizers.load(tmp))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContainingAll(bad.toString(), "WordPiece", "not supported");
    Files.writeString(
        bad, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}");
    assertThatThrownBy(() -> Tokenizers.load(tmp))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContainingAll(bad.toString(), "merge #0");
    Files.delete(bad);
    assertThatThrownBy(() -> Tokenizers.load(tmp))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContainingAll(tmp.toString(), "no tokenizer found");
  }
}
