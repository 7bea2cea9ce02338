package org.peftbench.transformer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
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
  private final PairTable merges;

  private final int unkId; // -1 if none
  private final boolean byteFallback;
  private final boolean fuseUnk;
  private final boolean ignoreMerges;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();
  private static final int MAX_CACHED_LENGTH =
      64; // long "words" (no pre-tokenizer) are rare repeats

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
    this.merges = new PairTable(mergeList.size());
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
      if (word.length() <= MAX_CACHED_LENGTH) {
        if (cache.size() > 50_000) {
          cache.clear();
        }
        cache.put(word, ids);
      }
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
        // HF tokenizers' BPE drops a character it cannot represent when the model has no unk
        // token (no byte fallback either): it contributes no id at all. Found by fuzzing
        // (TokenizerFilesFuzzTest); we used to throw here.
        continue;
      }
      if (!(fuseUnk && lastWasUnk)) {
        symbols.add(unkId);
      }
      lastWasUnk = true;
    }
    // Merge the lowest-ranked adjacent pair (leftmost on ties) until none applies. Symbols form a
    // linked list; candidate pairs wait in a heap ordered by (rank, position) and are dropped when
    // an earlier merge has changed either side: O(n log n) per word, as in HF's Word::merge_all.
    int n = symbols.size();
    if (n == 0) {
      return new int[0];
    }
    int[] id = new int[n];
    int[] next = new int[n];
    int[] prev = new int[n];
    for (int i = 0; i < n; i++) {
      id[i] = symbols.get(i);
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    PriorityQueue<long[]> heap = // {rank << 32 | merged id, position}
        new PriorityQueue<>(
            (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    for (int i = 0; i + 1 < n; i++) {
      long m = merges.get(pair(id[i], id[i + 1]));
      if (m >= 0) {
        heap.add(new long[] {m, i});
      }
    }
    while (!heap.isEmpty()) {
      long[] top = heap.poll();
      int left = (int) top[1];
      int right = next[left];
      if (id[left] < 0 || right < 0) {
        continue;
      }
      long current = merges.get(pair(id[left], id[right]));
      if (current != top[0]) {
        continue; // stale: one side was merged into something else
      }
      id[left] = (int) (top[0] & 0xFFFFFFFFL);
      id[right] = -1;
      next[left] = next[right];
      if (next[right] >= 0) {
        prev[next[right]] = left;
      }
      if (prev[left] >= 0) {
        long m = merges.get(pair(id[prev[left]], id[left]));
        if (m >= 0) {
          heap.add(new long[] {m, prev[left]});
        }
      }
      if (next[left] >= 0) {
        long m = merges.get(pair(id[left], id[next[left]]));
        if (m >= 0) {
          heap.add(new long[] {m, left});
        }
      }
    }
    symbols.clear();
    for (int i = 0; i >= 0; i = next[i]) {
      symbols.add(id[i]);
    }
    int[] ids = new int[symbols.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = symbols.get(i);
    }
    return ids;
  }

  /**
   * An open-addressing map from non-negative long keys to non-negative long values (-1: absent).
   */
  static final class PairTable {
    private final long[] keys;
    private final long[] values;
    private final int mask;

    PairTable(int expected) {
      int cap = Integer.highestOneBit(Math.max(4, expected * 2) - 1) << 1;
      keys = new long[cap];
      values = new long[cap];
      java.util.Arrays.fill(keys, -1);
      mask = cap - 1;
    }

    private int slot(long key) {
      int h = (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
      while (keys[h] != -1 && keys[h] != key) {
        h = (h + 1) & mask;
      }
      return h;
    }

    void putIfAbsent(long key, long value) {
      int h = slot(key);
      if (keys[h] == -1) {
        keys[h] = key;
        values[h] = value;
      }
    }

    long get(long key) {
      int h = slot(key);
      return keys[h] == -1 ? -1 : values[h];
    }
  }
}
