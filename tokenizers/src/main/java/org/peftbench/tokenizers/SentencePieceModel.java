package org.peftbench.tokenizers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code tokenizer.model} (a protobuf {@code ModelProto}) that
 * encoding and decoding need, read straight from the protobuf wire format. Field numbers are those
 * of sentencepiece_model.proto; absent fields take the proto's defaults.
 */
final class SentencePieceModel {
  /** Piece types (ModelProto.SentencePiece.Type). */
  static final int NORMAL = 1;

  static final int UNKNOWN = 2;
  static final int CONTROL = 3;
  static final int USER_DEFINED = 4;
  static final int UNUSED = 5;
  static final int BYTE = 6;

  /** TrainerSpec.ModelType. */
  static final int MODEL_UNIGRAM = 1;

  static final int MODEL_BPE = 2;

  record Piece(String piece, float score, int type) {}

  final List<Piece> pieces = new ArrayList<>();
  // trainer_spec
  int modelType = MODEL_UNIGRAM;
  boolean byteFallback;
  boolean treatWhitespaceAsSuffix;
  int unkId = 0;
  int bosId = 1;
  int eosId = 2;
  int padId = -1;
  String unkSurface = " \u2047 ";
  // normalizer_spec
  String normalizerName = "";
  int precompiledCharsmapBytes;
  boolean addDummyPrefix = true;
  boolean removeExtraWhitespaces = true;
  boolean escapeWhitespaces = true;

  static SentencePieceModel read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new TokenizerException(file, "cannot read: " + e.getMessage(), e);
    }
    SentencePieceModel m = new SentencePieceModel();
    try {
      Reader r = new Reader(bytes, 0, bytes.length);
      while (r.more()) {
        int tag = r.varint32();
        switch (tag >>> 3) {
          case 1 -> m.pieces.add(readPiece(r.sub(tag)));
          case 2 -> m.readTrainerSpec(r.sub(tag));
          case 3 -> m.readNormalizerSpec(r.sub(tag));
          default -> r.skip(tag);
        }
      }
    } catch (RuntimeException e) {
      throw new TokenizerException(file, "not a valid SentencePiece model: " + e.getMessage(), e);
    }
    if (m.pieces.isEmpty()) {
      throw new TokenizerException(file, "not a valid SentencePiece model: no pieces");
    }
    return m;
  }

  private static Piece readPiece(Reader r) {
    String piece = "";
    float score = 0;
    int type = NORMAL;
    while (r.more()) {
      int tag = r.varint32();
      switch (tag >>> 3) {
        case 1 -> piece = r.string(tag);
        case 2 -> score = Float.intBitsToFloat(r.fixed32(tag));
        case 3 -> type = (int) r.varint(tag);
        default -> r.skip(tag);
      }
    }
    return new Piece(piece, score, type);
  }

  private void readTrainerSpec(Reader r) {
    while (r.more()) {
      int tag = r.varint32();
      switch (tag >>> 3) {
        case 3 -> modelType = (int) r.varint(tag);
        case 24 -> treatWhitespaceAsSuffix = r.varint(tag) != 0;
        case 35 -> byteFallback = r.varint(tag) != 0;
        case 40 -> unkId = (int) r.varint(tag);
        case 41 -> bosId = (int) r.varint(tag);
        case 42 -> eosId = (int) r.varint(tag);
        case 43 -> padId = (int) r.varint(tag);
        case 44 -> unkSurface = r.string(tag);
        default -> r.skip(tag);
      }
    }
  }

  private void readNormalizerSpec(Reader r) {
    while (r.more()) {
      int tag = r.varint32();
      switch (tag >>> 3) {
        case 1 -> normalizerName = r.string(tag);
        case 2 -> precompiledCharsmapBytes = r.sub(tag).length();
        case 3 -> addDummyPrefix = r.varint(tag) != 0;
        case 4 -> removeExtraWhitespaces = r.varint(tag) != 0;
        case 5 -> escapeWhitespaces = r.varint(tag) != 0;
        default -> r.skip(tag);
      }
    }
  }

  /** A cursor over a protobuf message's bytes. */
  private static final class Reader {
    private final byte[] b;
    private int pos;
    private final int end;

    Reader(byte[] b, int from, int to) {
      this.b = b;
      this.pos = from;
      this.end = to;
    }

    boolean more() {
      return pos < end;
    }

    int length() {
      return end - pos;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new IllegalArgumentException("truncated varint at byte " + pos);
        }
        int x = b[pos++] & 0xFF;
        v |= (long) (x & 0x7F) << shift;
        if (x < 0x80) {
          return v;
        }
      }
      throw new IllegalArgumentException("malformed varint at byte " + pos);
    }

    int varint32() {
      return (int) varint();
    }

    long varint(int tag) {
      expect(tag, 0);
      return varint();
    }

    int fixed32(int tag) {
      expect(tag, 5);
      need(4);
      int v =
          (b[pos] & 0xFF)
              | (b[pos + 1] & 0xFF) << 8
              | (b[pos + 2] & 0xFF) << 16
              | (b[pos + 3] & 0xFF) << 24;
      pos += 4;
      return v;
    }

    Reader sub(int tag) {
      expect(tag, 2);
      int len = varint32();
      need(len);
      Reader r = new Reader(b, pos, pos + len);
      pos += len;
      return r;
    }

    String string(int tag) {
      Reader r = sub(tag);
      return new String(r.b, r.pos, r.end - r.pos, StandardCharsets.UTF_8);
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> {
          need(8);
          pos += 8;
        }
        case 2 -> {
          int len = varint32();
          need(len);
          pos += len;
        }
        case 5 -> {
          need(4);
          pos += 4;
        }
        default ->
            throw new IllegalArgumentException(
                "unsupported wire type " + (tag & 7) + " at byte " + pos);
      }
    }

    private void expect(int tag, int wireType) {
      if ((tag & 7) != wireType) {
        throw new IllegalArgumentException(
            "field " + (tag >>> 3) + " has wire type " + (tag & 7) + ", expected " + wireType);
      }
    }

    private void need(int n) {
      if (n < 0 || pos + n > end) {
        throw new IllegalArgumentException("truncated message at byte " + pos);
      }
    }
  }
}
