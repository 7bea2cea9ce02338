package org.peftbench.transformer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of HF tokenizers: a word (one pre-token) is split into characters, then the
 * adjacent pair with the lowest merge rank is merged, repeatedly, until no listed merge applies.
 * Characters missing from the vocabulary become byte tokens {@code <0xNN>} (byte fallback) or the
 * unknown token.
 */
final class Bpe {
  private final Map<String, Integer> vocab;

  /** (left id, right id) packed in a long → (rank << 32 | merged id). */
  private final Map<Long, Long> merges;

  private final int unkId; // -1 if none
  private final boolean byteFallback;
  private final boolean fuseUnk;
  private final boolean ignoreMerges;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  Bpe(
      Map<String, Integer> vocab,
      List<String[]> mergeList,
      String unkToken,
      boolean byteFallback,
      boolean fuseUnk,
      boolean ignoreMerges) {
    this.vocab = vocab;
    this.byteFallback = byteFallback;
    this.fuseUnk = fuseUnk;
    this.ignoreMerges = ignoreMerges;
    Integer unk = unkToken == null ? null : vocab.get(unkToken);
    if (unkToken != null && unk == null) {
      throw new IllegalArgumentException("unk_token '" + unkToken + "' is not in the vocabulary");
    }
    this.unkId = unk == null ? -1 : unk;
    this.merges = new HashMap<>(mergeList.size() * 2);
    for (int rank = 0; rank < mergeList.size(); rank++) {
      String[] m = mergeList.get(rank);
      Integer a = vocab.get(m[0]);
      Integer b = vocab.get(m[1]);
      Integer ab = vocab.get(m[0] + m[1]);
      if (a == null || b == null || ab == null) {
        throw new IllegalArgumentException(
            "merge #"
                + rank
                + " '"
                + m[0]
                + " "
                + m[1]
                + "' uses tokens missing from the vocabulary");
      }
      merges.putIfAbsent(pair(a, b), ((long) rank << 32) | ab);
    }
  }

  private static long pair(int a, int b) {
    return ((long) a << 32) | (b & 0xFFFFFFFFL);
  }

  /** Appends the ids of {@code word} to {@code out}. */
  void encodeWord(String word, List<Integer> out) {
    int[] ids = cache.get(word);
    if (ids == null) {
      ids = tokenize(word);
      if (cache.size() > 50_000) {
        cache.clear();
      }
      cache.put(word, ids);
    }
    for (int id : ids) {
      out.add(id);
    }
  }

  private int[] tokenize(String word) {
    if (ignoreMerges) {
      Integer whole = vocab.get(word);
      if (whole != null) {
        return new int[] {whole};
      }
    }
    // Initial symbols: one per character (or per byte with byte fallback).
    List<Integer> symbols = new ArrayList<>(word.length());
    boolean lastWasUnk = false;
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      String ch = word.substring(i, i + Character.charCount(cp));
      i += ch.length();
      Integer id = vocab.get(ch);
      if (id != null) {
        symbols.add(id);
        lastWasUnk = false;
        continue;
      }
      if (byteFallback) {
        byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
        int[] byteIds = new int[bytes.length];
        boolean all = true;
        for (int k = 0; k < bytes.length && all; k++) {
          Integer b = vocab.get(String.format("<0x%02X>", bytes[k] & 0xFF));
          all = b != null;
          byteIds[k] = all ? b : 0;
        }
        if (all) {
          for (int b : byteIds) {
            symbols.add(b);
          }
          lastWasUnk = false;
          continue;
        }
      }
      if (unkId < 0) {
        throw new IllegalArgumentException(
            "character U+"
                + Integer.toHexString(cp).toUpperCase()
                + " is not in the vocabulary and there is no unk token");
      }
      if (!(fuseUnk && lastWasUnk)) {
        symbols.add(unkId);
      }
      lastWasUnk = true;
    }
    // Merge the lowest-ranked adjacent pair (leftmost on ties) until none applies.
    while (symbols.size() > 1) {
      long best = Long.MAX_VALUE;
      int at = -1;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Long m = merges.get(pair(symbols.get(i), symbols.get(i + 1)));
        if (m != null && m < best) {
          best = m;
          at = i;
        }
      }
      if (at < 0) {
        break;
      }
      symbols.set(at, (int) (best & 0xFFFFFFFFL));
      symbols.remove(at + 1);
    }
    int[] ids = new int[symbols.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = symbols.get(i);
    }
    return ids;
  }
}
