package org.peftbench.tokenizers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A SentencePiece BPE model ({@code tokenizer.model}) encoded and decoded the way the SentencePiece
 * library does it:
 *
 * <ol>
 *   <li>normalize: drop leading/trailing spaces and collapse runs ({@code
 *       remove_extra_whitespaces}), prepend one space ({@code add_dummy_prefix}), spaces become '▁'
 *       ({@code escape_whitespaces});
 *   <li>split into characters (user-defined pieces stay whole);
 *   <li>repeatedly merge the adjacent pair whose concatenation is the piece with the highest score
 *       (leftmost first on ties);
 *   <li>pieces not in the vocabulary become their UTF-8 bytes {@code <0xNN>} (byte fallback) or the
 *       unknown id.
 * </ol>
 */
public final class SentencePieceTokenizer extends BaseTokenizer {
  private static final char SPACE = '\u2581';

  private final Path source;
  private final SentencePieceModel model;
  private final String[] pieces;
  private final int[] types;
  private final float[] scores;

  /** NORMAL, USER_DEFINED and UNUSED pieces: the ones merges may produce. */
  private final Map<String, Integer> mergeable = new HashMap<>();

  /** Every piece (for {@link #id}). */
  private final Map<String, Integer> all = new HashMap<>();

  private final List<String> userDefined = new ArrayList<>(); // longest first
  private final java.util.Set<String> controls = new java.util.HashSet<>();
  private final java.util.Set<Character> controlFirstChars = new java.util.HashSet<>();
  private int[] controlLengths = new int[0]; // distinct lengths, longest first
  private final int[] byteIds = new int[256];

  /**
   * transformers' {@code legacy} flag: when true, text after a control token is normalized like the
   * start of a text, so it gets its own dummy-prefix '▁' ({@code [INST] hi} becomes {@code [INST] ▁
   * ▁hi}); when false only the start of the whole text does ({@code [INST] ▁hi}), as Mistral's
   * reference tokenizer encodes messages. A model with Mistral's {@code [INST]} control piece
   * (mistral-common's files) starts non-legacy, others legacy (transformers' default); {@code
   * tokenizer_config.json}'s {@code legacy} overrides this.
   */
  private boolean legacy;

  private SentencePieceTokenizer(Path source, SentencePieceModel model) {
    this.source = source;
    this.model = model;
    if (model.modelType != SentencePieceModel.MODEL_BPE) {
      throw new TokenizerException(
          source,
          "SentencePiece model type "
              + model.modelType
              + " is not supported (only BPE, type 2; unigram models are not)");
    }
    if (!model.normalizerName.isEmpty()
        && !model.normalizerName.equals("identity")
        && !model.normalizerName.startsWith("nmt_nfkc")
        && !model.normalizerName.startsWith("nfkc")) {
      throw new TokenizerException(
          source, "SentencePiece normalizer '" + model.normalizerName + "' is not supported");
    }
    int n = model.pieces.size();
    pieces = new String[n];
    types = new int[n];
    scores = new float[n];
    java.util.Arrays.fill(byteIds, -1);
    for (int i = 0; i < n; i++) {
      SentencePieceModel.Piece p = model.pieces.get(i);
      pieces[i] = p.piece();
      types[i] = p.type();
      scores[i] = p.score();
      all.putIfAbsent(p.piece(), i);
      switch (p.type()) {
        case SentencePieceModel.NORMAL, SentencePieceModel.UNUSED ->
            mergeable.putIfAbsent(p.piece(), i);
        case SentencePieceModel.USER_DEFINED -> {
          mergeable.putIfAbsent(p.piece(), i);
          userDefined.add(p.piece());
        }
        case SentencePieceModel.BYTE -> {
          String s = p.piece();
          if (s.length() == 6 && s.startsWith("<0x") && s.endsWith(">")) {
            byteIds[Integer.parseInt(s.substring(3, 5), 16)] = i;
          }
        }
        default -> {}
      }
    }
    userDefined.sort((a, b) -> b.length() - a.length());
    for (int i = 0; i < n; i++) {
      if (types[i] == SentencePieceModel.CONTROL && !pieces[i].isEmpty()) {
        controls.add(pieces[i]);
        controlFirstChars.add(pieces[i].charAt(0));
      }
    }
    controlLengths =
        controls.stream()
            .mapToInt(String::length)
            .distinct()
            .boxed()
            .sorted((a, b) -> b - a)
            .mapToInt(Integer::intValue)
            .toArray();
    legacy = !controls.contains("[INST]");
    if (model.unkId < 0 || model.unkId >= n) {
      throw new TokenizerException(source, "unk_id " + model.unkId + " is not a piece");
    }
    if (model.byteFallback) {
      for (int b = 0; b < 256; b++) {
        if (byteIds[b] < 0) {
          throw new TokenizerException(
              source, String.format("byte_fallback is set but piece <0x%02X> is missing", b));
        }
      }
    }
    configureDefaults();
  }

  /** Reads a SentencePiece {@code tokenizer.model}. */
  public static SentencePieceTokenizer load(Path tokenizerModel) {
    return new SentencePieceTokenizer(tokenizerModel, SentencePieceModel.read(tokenizerModel));
  }

  // ---- encoding ----

  /** Whether text after a control token gets its own dummy prefix (see {@link #legacy}). */
  void legacy(boolean legacy) {
    this.legacy = legacy;
  }

  boolean legacy() {
    return legacy;
  }

  /** Whether the model defines {@code piece} as a control piece (Mistral's {@code [INST]}, ...). */
  boolean hasControl(String piece) {
    return controls.contains(piece);
  }

  /** SentencePiece's normalization (identity rules; NFKC for nmt_nfkc models). */
  String normalize(String text) {
    return normalize(text, model.addDummyPrefix);
  }

  private String normalize(String text, boolean dummyPrefix) {
    if (model.normalizerName.startsWith("nmt_nfkc") || model.normalizerName.startsWith("nfkc")) {
      text = Normalizer.normalize(text, Normalizer.Form.NFKC);
    }
    if (model.removeExtraWhitespaces) {
      StringBuilder sb = new StringBuilder(text.length());
      boolean prevSpace = true; // drops leading spaces
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == ' ') {
          if (!prevSpace) {
            sb.append(c);
          }
          prevSpace = true;
        } else {
          sb.append(c);
          prevSpace = false;
        }
      }
      int end = sb.length();
      while (end > 0 && sb.charAt(end - 1) == ' ') {
        end--;
      }
      sb.setLength(end);
      text = sb.toString();
    }
    if (text.isEmpty()) {
      return text;
    }
    if (dummyPrefix) {
      text = model.treatWhitespaceAsSuffix ? text + " " : " " + text;
    }
    if (model.escapeWhitespaces) {
      text = text.replace(' ', SPACE);
    }
    return text;
  }

  /**
   * Encodes as {@code SentencePieceProcessor.encode} does, except that control pieces written in
   * the text ({@code <s>}, {@code </s>}, Mistral's {@code [INST]}, ...) become their ids, as in
   * transformers: chat templates write them as text. The text between them is encoded segment by
   * segment, each normalized on its own; without {@link #legacy} only the segment at the start of
   * the text gets the dummy prefix.
   */
  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    List<Integer> out = new ArrayList<>();
    if (addSpecialTokens && addBos()) {
      out.add(bosId());
    }
    int segmentStart = 0;
    for (int i = 0; i < text.length(); ) {
      String control = null;
      if (controlFirstChars.contains(text.charAt(i))) {
        for (int len : controlLengths) {
          if (i + len <= text.length() && controls.contains(text.substring(i, i + len))) {
            control = text.substring(i, i + len);
            break;
          }
        }
      }
      if (control == null) {
        i++;
        continue;
      }
      encodeNormalized(segment(text.substring(segmentStart, i), segmentStart == 0), out);
      out.add(all.get(control));
      i += control.length();
      segmentStart = i;
    }
    encodeNormalized(segment(text.substring(segmentStart), segmentStart == 0), out);
    if (addSpecialTokens && addEos()) {
      out.add(eosId());
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private String segment(String text, boolean atStart) {
    return normalize(text, model.addDummyPrefix && (legacy || atStart));
  }

  /** A candidate merge of symbols {@code left} and {@code right} (adjacent). */
  private record Pair(int left, int right, float score, int length) {}

  private void encodeNormalized(String s, List<Integer> out) {
    if (s.isEmpty()) {
      return;
    }
    // Symbols as spans of s in a linked list.
    int cap = s.length();
    int[] start = new int[cap];
    int[] len = new int[cap];
    int[] prev = new int[cap];
    int[] next = new int[cap];
    int count = 0;
    for (int i = 0; i < s.length(); ) {
      int l = 0;
      for (String u : userDefined) {
        if (s.startsWith(u, i)) {
          l = u.length();
          break;
        }
      }
      if (l == 0) {
        l = Character.charCount(s.codePointAt(i));
      }
      start[count] = i;
      len[count] = l;
      prev[count] = count - 1;
      next[count] = i + l < s.length() ? count + 1 : -1;
      count++;
      i += l;
    }
    // Highest score first; on ties the leftmost pair.
    PriorityQueue<Pair> agenda =
        new PriorityQueue<>(
            (a, b) ->
                a.score() != b.score()
                    ? Float.compare(b.score(), a.score())
                    : Integer.compare(a.left(), b.left()));
    for (int i = 0; i + 1 < count; i++) {
      offer(s, agenda, start, len, i, i + 1);
    }
    while (!agenda.isEmpty()) {
      Pair p = agenda.poll();
      // Skip pairs made stale by an earlier merge.
      if (len[p.left()] == 0
          || len[p.right()] == 0
          || len[p.left()] + len[p.right()] != p.length()) {
        continue;
      }
      len[p.left()] += len[p.right()];
      len[p.right()] = 0;
      next[p.left()] = next[p.right()];
      if (next[p.right()] >= 0) {
        prev[next[p.right()]] = p.left();
      }
      if (prev[p.left()] >= 0) {
        offer(s, agenda, start, len, prev[p.left()], p.left());
      }
      if (next[p.left()] >= 0) {
        offer(s, agenda, start, len, p.left(), next[p.left()]);
      }
    }
    boolean prevUnk = false;
    for (int i = 0; i >= 0 && i < count; i = next[i]) {
      String piece = s.substring(start[i], start[i] + len[i]);
      Integer id = mergeable.get(piece);
      if (id != null) {
        out.add(id);
        prevUnk = false;
      } else if (model.byteFallback) {
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
          out.add(byteIds[b & 0xFF]);
        }
        prevUnk = false;
      } else {
        if (!prevUnk) { // SentencePiece merges runs of unknown pieces into one
          out.add(model.unkId);
        }
        prevUnk = true;
      }
    }
  }

  private void offer(
      String s, PriorityQueue<Pair> agenda, int[] start, int[] len, int left, int right) {
    String merged = s.substring(start[left], start[right] + len[right]);
    Integer id = mergeable.get(merged);
    if (id != null && types[id] != SentencePieceModel.USER_DEFINED) {
      agenda.add(new Pair(left, right, scores[id], len[left] + len[right]));
    }
  }

  // ---- decoding ----

  @Override
  public String decodeRaw(int[] ids, boolean skipSpecialTokens) {
    StringBuilder sb = new StringBuilder();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean atStart = true; // the dummy-prefix space of the first piece is dropped
    for (int id : ids) {
      checkId(id);
      int type = types[id];
      if (type == SentencePieceModel.BYTE) {
        bytes.write(Integer.parseInt(pieces[id].substring(3, 5), 16));
        continue;
      }
      atStart = flushBytes(bytes, sb, atStart);
      String text;
      if (type == SentencePieceModel.CONTROL) {
        text = skipSpecialTokens ? "" : pieces[id];
        sb.append(text);
        continue; // control pieces do not end the leading position
      } else if (type == SentencePieceModel.UNKNOWN) {
        text = model.unkSurface;
      } else {
        text = pieces[id];
        if (atStart
            && (model.addDummyPrefix || model.removeExtraWhitespaces)
            && !text.isEmpty()
            && text.charAt(0) == SPACE) {
          text = text.substring(1);
        }
        text = text.replace(SPACE, ' ');
      }
      atStart = false; // only the first non-control piece loses its space (even if just "▁")
      sb.append(text);
    }
    flushBytes(bytes, sb, atStart);
    return sb.toString();
  }

  private static boolean flushBytes(
      ByteArrayOutputStream bytes, StringBuilder sb, boolean atStart) {
    if (bytes.size() == 0) {
      return atStart;
    }
    String s = Utf8.decodePerByte(bytes.toByteArray());
    bytes.reset();
    sb.append(s);
    return false;
  }

  // ---- vocabulary ----

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  @Override
  public String token(int id) {
    checkId(id);
    return pieces[id];
  }

  @Override
  public int id(String token) {
    Integer id = all.get(token);
    return id == null ? -1 : id;
  }

  @Override
  public boolean isSpecial(int id) {
    checkId(id);
    return types[id] == SentencePieceModel.CONTROL || types[id] == SentencePieceModel.UNKNOWN;
  }

  @Override
  int defaultBosId() {
    return model.bosId >= 0 && model.bosId < pieces.length ? model.bosId : -1;
  }

  @Override
  int defaultEosId() {
    return model.eosId >= 0 && model.eosId < pieces.length ? model.eosId : -1;
  }

  @Override
  boolean defaultAddBos() {
    return true; // Llama-family SentencePiece tokenizers prepend <s>
  }

  @Override
  boolean defaultAddEos() {
    return false;
  }

  /** Whether unknown characters become byte pieces. */
  public boolean byteFallback() {
    return model.byteFallback;
  }

  public Path source() {
    return source;
  }

  @Override
  public String toString() {
    return "SentencePieceTokenizer[" + source + ", " + vocabSize() + " pieces]";
  }
}
