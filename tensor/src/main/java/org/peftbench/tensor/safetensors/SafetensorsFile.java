package org.peftbench.tensor.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;

/**
 * A read-only safetensors file, memory-mapped once (no copy) and validated on open.
 *
 * <p>Layout (see the safetensors spec): an 8-byte little-endian unsigned header length {@code N},
 * then {@code N} bytes of UTF-8 JSON (an object mapping tensor names to {@code {"dtype", "shape",
 * "data_offsets": [begin, end]}} plus an optional {@code "__metadata__"} string map), then the data
 * area; offsets are relative to the data area, data is row-major little-endian.
 *
 * <p>{@link #tensor(String)} returns views into the mapping; they stay valid until {@link
 * #close()}.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** The spec's limit on the header size, a guard against absurd or hostile lengths. */
  public static final long MAX_HEADER_BYTES = 100L * 1000 * 1000;

  static final String METADATA_KEY = "__metadata__";

  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** Bits per element of the dtypes the safetensors spec defines that we can only describe. */
  private static final Map<String, Integer> UNSUPPORTED_BITS =
      Map.ofEntries(
          Map.entry("BOOL", 8),
          Map.entry("U8", 8),
          Map.entry("I8", 8),
          Map.entry("F8_E5M2", 8),
          Map.entry("F8_E4M3", 8),
          Map.entry("F8_E8M0", 8),
          Map.entry("I16", 16),
          Map.entry("U16", 16),
          Map.entry("U32", 32),
          Map.entry("U64", 64),
          Map.entry("F64", 64),
          Map.entry("F4", 4),
          Map.entry("F6_E2M3", 6),
          Map.entry("F6_E3M2", 6));

  private final Path file;
  private final Arena arena;
  private final MemorySegment data;
  private final Map<String, TensorInfo> tensors; // sorted by name
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path file,
      Arena arena,
      MemorySegment data,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.file = file;
    this.arena = arena;
    this.data = data;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Maps and validates {@code file}; throws {@link SafetensorsException} on any problem. */
  public static SafetensorsFile open(Path file) {
    long fileSize;
    try {
      fileSize = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new SafetensorsException(file, null, "file not found");
    } catch (IOException e) {
      throw new SafetensorsException(file, null, "cannot read: " + e.getMessage(), e);
    }
    if (fileSize < 8) {
      throw new SafetensorsException(
          file, null, "truncated: " + fileSize + " bytes, too short for the 8-byte header length");
    }
    Arena arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
      long headerLen =
          all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
      if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
        throw new SafetensorsException(
            file,
            null,
            "header length "
                + Long.toUnsignedString(headerLen)
                + " exceeds the limit of "
                + MAX_HEADER_BYTES
                + " bytes");
      }
      if (8 + headerLen > fileSize) {
        throw new SafetensorsException(
            file,
            null,
            "header length "
                + headerLen
                + " runs past the end of the file ("
                + fileSize
                + " bytes): truncated or not a safetensors file");
      }
      byte[] header = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
      MemorySegment data = all.asSlice(8 + headerLen);
      Map<String, String> metadata = new LinkedHashMap<>();
      Map<String, TensorInfo> tensors = parseHeader(file, header, data.byteSize(), metadata);
      return new SafetensorsFile(file, arena, data, tensors, Collections.unmodifiableMap(metadata));
    } catch (IOException e) {
      arena.close();
      throw new SafetensorsException(file, null, "cannot map: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static Map<String, TensorInfo> parseHeader(
      Path file, byte[] header, long dataSize, Map<String, String> metadataOut) {
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (JacksonException e) {
      throw new SafetensorsException(
          file, null, "header is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new SafetensorsException(file, null, "header unreadable: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsException(
          file,
          null,
          "header must be a JSON object, found "
              + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
    }
    Map<String, TensorInfo> tensors = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals(METADATA_KEY)) {
        parseMetadata(file, v, metadataOut);
        continue;
      }
      tensors.put(name, parseEntry(file, name, v, dataSize));
    }
    checkOverlaps(file, tensors.values());
    return Collections.unmodifiableMap(tensors);
  }

  private static void parseMetadata(Path file, JsonNode v, Map<String, String> out) {
    if (!v.isObject()) {
      throw new SafetensorsException(
          file, null, "__metadata__ must be an object of strings, found " + v.getNodeType());
    }
    for (Map.Entry<String, JsonNode> m : v.properties()) {
      if (!m.getValue().isTextual()) {
        throw new SafetensorsException(
            file,
            null,
            "__metadata__ value of '" + m.getKey() + "' must be a string, found " + m.getValue());
      }
      out.put(m.getKey(), m.getValue().textValue());
    }
  }

  private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataSize) {
    if (!v.isObject()) {
      throw new SafetensorsException(file, name, "entry must be an object, found " + v);
    }
    JsonNode dtypeNode = v.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new SafetensorsException(file, name, "missing or non-string \"dtype\"");
    }
    String dtypeName = dtypeNode.textValue();
    long bitsPerElement;
    DType dtype = DType.fromSafetensorsName(dtypeName);
    if (dtype != null) {
      bitsPerElement = 8L * dtype.byteSize();
    } else if (UNSUPPORTED_BITS.containsKey(dtypeName)) {
      bitsPerElement = UNSUPPORTED_BITS.get(dtypeName);
    } else {
      throw new SafetensorsException(file, name, "unknown dtype '" + dtypeName + "'");
    }

    JsonNode shapeNode = v.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new SafetensorsException(file, name, "missing or non-array \"shape\"");
    }
    int[] shape = new int[shapeNode.size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
        throw new SafetensorsException(
            file, name, "shape " + shapeNode + " has an invalid dimension " + d);
      }
      shape[i] = d.intValue();
      try {
        numel = Math.multiplyExact(numel, shape[i]);
      } catch (ArithmeticException ex) {
        throw new SafetensorsException(file, name, "shape " + shapeNode + " overflows");
      }
    }

    JsonNode offs = v.get("data_offsets");
    if (offs == null || !offs.isArray() || offs.size() != 2) {
      throw new SafetensorsException(
          file, name, "\"data_offsets\" must be an array [begin, end], found " + offs);
    }
    for (JsonNode o : offs) {
      if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
        throw new SafetensorsException(
            file, name, "data_offsets " + offs + " must be non-negative integers");
      }
    }
    long begin = offs.get(0).longValue();
    long end = offs.get(1).longValue();
    if (end < begin) {
      throw new SafetensorsException(file, name, "data_offsets " + offs + " end before they begin");
    }
    if (end > dataSize) {
      throw new SafetensorsException(
          file,
          name,
          "data_offsets " + offs + " out of range: the data area has " + dataSize + " bytes");
    }
    long expected;
    try {
      expected = Math.ceilDiv(Math.multiplyExact(numel, bitsPerElement), 8L);
    } catch (ArithmeticException ex) {
      throw new SafetensorsException(file, name, "shape " + shapeNode + " overflows");
    }
    if (end - begin != expected) {
      throw new SafetensorsException(
          file,
          name,
          "shape "
              + Arrays.toString(shape)
              + " of "
              + dtypeName
              + " needs "
              + expected
              + " bytes but data_offsets "
              + offs
              + " span "
              + (end - begin));
    }
    return new TensorInfo(name, dtypeName, shape, begin, end);
  }

  private static void checkOverlaps(Path file, Iterable<TensorInfo> infos) {
    List<TensorInfo> byBegin = new ArrayList<>();
    for (TensorInfo t : infos) {
      if (t.end() > t.begin()) { // empty tensors occupy no bytes
        byBegin.add(t);
      }
    }
    byBegin.sort(Comparator.comparingLong(TensorInfo::begin).thenComparing(TensorInfo::name));
    for (int i = 1; i < byBegin.size(); i++) {
      TensorInfo prev = byBegin.get(i - 1);
      TensorInfo cur = byBegin.get(i);
      if (cur.begin() < prev.end()) {
        throw new SafetensorsException(
            file,
            cur.name(),
            "data ["
                + cur.begin()
                + ", "
                + cur.end()
                + ") overlaps tensor '"
                + prev.name()
                + "' ["
                + prev.begin()
                + ", "
                + prev.end()
                + ")");
      }
    }
  }

  // ---- lookups ----

  public Path path() {
    return file;
  }

  /** Tensor names, sorted. */
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The header entry of {@code name}. */
  public TensorInfo info(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new SafetensorsException(file, name, "no such tensor");
    }
    return t;
  }

  /** The {@code __metadata__} map (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The bytes of tensor {@code name}, a read-only slice of the mapping. */
  public MemorySegment bytes(String name) {
    TensorInfo t = info(name);
    return data.asSlice(t.begin(), t.byteSize());
  }

  /** Tensor {@code name} as a read-only view over the mapping, in its stored dtype (no copy). */
  public Tensor tensor(String name) {
    TensorInfo t = info(name);
    DType dtype = t.dtype();
    if (dtype == null) {
      throw new SafetensorsException(
          file,
          name,
          "dtype "
              + t.dtypeName()
              + " is not supported (supported: "
              + Arrays.toString(DType.values())
              + ")");
    }
    return Tensor.ofSegment(bytes(name), dtype, t.shape());
  }

  /** Unmaps the file; tensors obtained from it must not be used afterwards. */
  @Override
  public void close() {
    if (arena.scope().isAlive()) {
      arena.close();
    }
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + file + ", " + tensors.size() + " tensors]";
  }
}
