package org.peftbench.transformer;

import org.peftbench.tensor.Tensor;

/**
 * Keys and values of the tokens seen so far, for incremental decoding: per layer one {@code [B,
 * capacity, Hkv, D]} buffer each (the {@code [B,T,H,D]} layout of the projections, so appending a
 * step is one copy per batch row and attention reads the buffer in place).
 *
 * <p>The key axis is laid out {@code [prefix | tokens]} as {@code AttentionMask} expects: prefix
 * tuning's keys (if any) fill the first {@link #prefixLength()} slots on the first forward pass.
 * Slots of padding tokens are flagged in {@link #keyPadding()} so attention skips them. Inference
 * only: no gradient flows through the cache.
 */
public final class KvCache implements AutoCloseable {
  private final int batch;
  private final int capacity;
  private final int kvHeads;
  private final int headDim;
  private final Tensor[] keys;
  private final Tensor[] values;
  private final boolean[] keyPadding; // [B, capacity]
  private final int[] realTokens; // per row: non-padding tokens stored (prefix excluded)
  private int length; // filled slots, prefix included
  private int prefixLength;

  /**
   * @param capacity key slots per row: prefix length + prompt length + tokens to generate
   */
  public KvCache(ModelConfig config, int batch, int capacity) {
    this(config.numKvHeads(), config.headDim(), config.numLayers(), batch, capacity);
  }

  private KvCache(int kvHeads, int headDim, int layers, int batch, int capacity) {
    this.batch = batch;
    this.capacity = capacity;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.keys = new Tensor[layers];
    this.values = new Tensor[layers];
    for (int l = 0; l < keys.length; l++) {
      keys[l] = Tensor.zeros(batch, capacity, kvHeads, headDim);
      values[l] = Tensor.zeros(batch, capacity, kvHeads, headDim);
    }
    this.keyPadding = new boolean[batch * capacity];
    this.realTokens = new int[batch];
  }

  public int batch() {
    return batch;
  }

  public int capacity() {
    return capacity;
  }

  /** Filled key slots per row, prefix included. */
  public int length() {
    return length;
  }

  /** Slots holding prefix-tuning keys (0 without prefix tuning). */
  public int prefixLength() {
    return prefixLength;
  }

  /** Non-padding tokens row {@code b} has stored (the next token's position, before the prefix). */
  public int realTokens(int b) {
    return realTokens[b];
  }

  /** Layer {@code l}'s key buffer {@code [B, capacity, Hkv, D]}. */
  public Tensor keys(int l) {
    return keys[l];
  }

  public Tensor values(int l) {
    return values[l];
  }

  /** {@code [B, capacity]} padding flags of the key slots (true = skip). */
  public boolean[] keyPadding() {
    return keyPadding;
  }

  /** Whether {@code t} more tokens (and a prefix of {@code p} on an empty cache) fit. */
  void checkRoom(int t, int p) {
    int need = length + t + (length == 0 ? p : 0);
    if (need > capacity) {
      throw new IllegalStateException(
          "KV cache full: " + need + " key slots needed, capacity " + capacity);
    }
  }

  /** Starts the prefix: the first {@code p} slots hold prefix keys, visible to every query. */
  void startPrefix(int p) {
    if (length != 0) {
      throw new IllegalStateException("a prefix can only start an empty KV cache");
    }
    prefixLength = p;
    length = p;
  }

  /** Flags the padding of the next {@code t} slots ({@code padding [B·t]}, may be null). */
  void markPadding(boolean[] padding, int t) {
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < t; i++) {
        keyPadding[b * capacity + length + i] = padding != null && padding[b * t + i];
      }
    }
  }

  /**
   * Copies {@code src [B, n, Hkv, D]} into layer {@code l}'s buffer {@code dst} at slots {@code
   * [at, at+n)}.
   */
  static void write(Tensor dst, Tensor src, int at) {
    int b = dst.dim(0), cap = dst.dim(1), n = src.dim(1);
    int row = dst.dim(2) * dst.dim(3);
    Tensor s = src.isHeapF32() ? src : src.toF32();
    float[] from = s.array(), to = dst.array();
    for (int i = 0; i < b; i++) {
      System.arraycopy(
          from, s.offset() + i * n * row, to, dst.offset() + (i * cap + at) * row, n * row);
    }
    if (s != src) {
      s.close();
    }
  }

  /** Commits {@code t} new slots after every layer has written them. */
  void advance(boolean[] padding, int t) {
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < t; i++) {
        if (padding == null || !padding[b * t + i]) {
          realTokens[b]++;
        }
      }
    }
    length += t;
  }

  /**
   * A new cache holding only rows {@code rows} of this one (in that order), for a batch whose other
   * rows finished: the decode steps after it compute only the rows still generating. This cache is
   * left unchanged.
   */
  public KvCache compact(int[] rows) {
    KvCache c = new KvCache(kvHeads, headDim, keys.length, rows.length, capacity);
    int row = kvHeads * headDim;
    for (int l = 0; l < keys.length; l++) {
      for (int i = 0; i < rows.length; i++) {
        int from = rows[i] * capacity * row, to = i * capacity * row, n = length * row;
        System.arraycopy(keys[l].array(), keys[l].offset() + from, c.keys[l].array(), to, n);
        System.arraycopy(values[l].array(), values[l].offset() + from, c.values[l].array(), to, n);
      }
    }
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(keyPadding, rows[i] * capacity, c.keyPadding, i * capacity, length);
      c.realTokens[i] = realTokens[rows[i]];
    }
    c.length = length;
    c.prefixLength = prefixLength;
    return c;
  }

  @Override
  public void close() {
    for (int l = 0; l < keys.length; l++) {
      keys[l].close();
      values[l].close();
    }
  }
}
