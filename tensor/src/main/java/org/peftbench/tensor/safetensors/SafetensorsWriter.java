package org.peftbench.tensor.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;

/**
 * Writes a safetensors file: tensors in sorted name order (so the same tensors always give the same
 * bytes), the JSON header padded with spaces to a multiple of 8 bytes (so the data area is 8-byte
 * aligned), written to a temporary file in the target directory and renamed over the target
 * atomically (a crash never leaves a half-written file under the final name).
 *
 * <p>Float tensors may be stored in another float dtype: F32 → BF16 and F32 → F16 round to nearest
 * even ({@link Half}). Integer tensors are stored in their own dtype.
 */
public final class SafetensorsWriter {
  private static final int CHUNK_ELEMENTS = 1 << 16;

  private final Map<String, Entry> entries = new TreeMap<>();
  private final Map<String, String> metadata = new TreeMap<>();

  private sealed interface Source permits FloatSource, RawSource {}

  /** Values decoded as floats from a tensor, encoded in the target float dtype. */
  private record FloatSource(Tensor tensor) implements Source {}

  /** Bytes already in the target dtype and little-endian. */
  private record RawSource(MemorySegment bytes) implements Source {}

  private record Entry(DType dtype, int[] shape, long byteSize, Source source) {}

  /** Adds a {@code __metadata__} entry. */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** Adds {@code tensor} in its own dtype (heap tensors are F32). */
  public SafetensorsWriter add(String name, Tensor tensor) {
    return add(name, tensor, tensor.dtype());
  }

  /** Adds {@code tensor} stored as {@code dtype} (float ↔ float conversions only). */
  public SafetensorsWriter add(String name, Tensor tensor, DType dtype) {
    DType from = tensor.dtype();
    long bytes = tensor.numel() * dtype.byteSize();
    Source source;
    if (from.isFloat() && dtype.isFloat()) {
      source = new FloatSource(tensor);
    } else if (from == dtype && !tensor.isHeapF32()) {
      long at = tensor.longOffset() * dtype.byteSize();
      source = new RawSource(tensor.segment().asSlice(at, bytes));
    } else {
      throw new IllegalArgumentException(
          "tensor '" + name + "': cannot store " + from + " values as " + dtype);
    }
    return put(name, new Entry(dtype, tensor.shape(), bytes, source));
  }

  /** Adds I32 values of the given shape. */
  public SafetensorsWriter addInts(String name, int[] values, int... shape) {
    checkCount(name, values.length, shape);
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(values);
    return put(
        name,
        new Entry(
            DType.I32,
            shape.clone(),
            b.capacity(),
            new RawSource(MemorySegment.ofArray(b.array()))));
  }

  /** Adds I64 values of the given shape. */
  public SafetensorsWriter addLongs(String name, long[] values, int... shape) {
    checkCount(name, values.length, shape);
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return put(
        name,
        new Entry(
            DType.I64,
            shape.clone(),
            b.capacity(),
            new RawSource(MemorySegment.ofArray(b.array()))));
  }

  private static void checkCount(String name, int n, int[] shape) {
    long count = 1;
    for (int d : shape) {
      count *= d;
    }
    if (count != n) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "': shape "
              + Arrays.toString(shape)
              + " needs "
              + count
              + " values, got "
              + n);
    }
  }

  private SafetensorsWriter put(String name, Entry e) {
    if (name.equals(SafetensorsFile.METADATA_KEY)) {
      throw new IllegalArgumentException("'" + name + "' is reserved for the metadata");
    }
    if (entries.putIfAbsent(name, e) != null) {
      throw new IllegalArgumentException("tensor '" + name + "' added twice");
    }
    return this;
  }

  /** The header bytes, padded with spaces to a multiple of 8. */
  byte[] header() {
    Map<String, Object> json = new LinkedHashMap<>();
    if (!metadata.isEmpty()) {
      json.put(SafetensorsFile.METADATA_KEY, metadata);
    }
    long offset = 0;
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      Entry t = e.getValue();
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", t.dtype().safetensorsName());
      info.put("shape", t.shape());
      info.put("data_offsets", new long[] {offset, offset + t.byteSize()});
      json.put(e.getKey(), info);
      offset += t.byteSize();
    }
    byte[] raw;
    try {
      raw = new ObjectMapper().writeValueAsBytes(json);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("cannot encode the safetensors header", ex);
    }
    int padded = (raw.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(raw, padded);
    Arrays.fill(out, raw.length, padded, (byte) ' ');
    return out;
  }

  /** Writes the file atomically (temp file in the same directory, then rename). */
  public void write(Path file) {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        byte[] header = header();
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        len.putLong(header.length).flip();
        writeFully(ch, len);
        writeFully(ch, ByteBuffer.wrap(header));
        for (Entry e : entries.values()) {
          writeData(ch, e);
        }
        ch.force(true);
      }
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system: keep the default permissions
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the original error is the one to report
        }
      }
      throw new SafetensorsException(file, null, "cannot write: " + e, e);
    }
  }

  private static void writeData(FileChannel ch, Entry e) throws IOException {
    switch (e.source()) {
      case RawSource r -> {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_ELEMENTS * 8);
        for (long at = 0; at < r.bytes().byteSize(); ) {
          int n = (int) Math.min(chunk.capacity(), r.bytes().byteSize() - at);
          MemorySegment.copy(r.bytes(), ValueLayout.JAVA_BYTE, at, chunk.array(), 0, n);
          chunk.clear().limit(n);
          writeFully(ch, chunk);
          at += n;
        }
      }
      case FloatSource f -> {
        Tensor t = f.tensor();
        float[] values = new float[CHUNK_ELEMENTS];
        ByteBuffer chunk =
            ByteBuffer.allocate(CHUNK_ELEMENTS * e.dtype().byteSize())
                .order(ByteOrder.LITTLE_ENDIAN);
        for (long at = 0; at < t.numel(); ) {
          int n = (int) Math.min(CHUNK_ELEMENTS, t.numel() - at);
          t.read(at, values, 0, n);
          chunk.clear();
          for (int i = 0; i < n; i++) {
            switch (e.dtype()) {
              case F32 -> chunk.putFloat(values[i]);
              case BF16 -> chunk.putShort(Half.floatToBf16(values[i]));
              case F16 -> chunk.putShort(Half.floatToF16(values[i]));
              default -> throw new IllegalStateException("not a float dtype: " + e.dtype());
            }
          }
          chunk.flip();
          writeFully(ch, chunk);
          at += n;
        }
      }
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Names added so far, sorted. */
  public List<String> names() {
    return new ArrayList<>(entries.keySet());
  }
}
