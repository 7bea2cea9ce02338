package org.peftbench.tensor.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;

class SafetensorsTest {
  @TempDir Path dir;

  private static float[] randomFloats(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian() * 3;
    }
    return a;
  }

  @Test
  void roundTripsEveryDtype() throws IOException {
    float[] f = randomFloats(6 * 7, 1);
    Tensor src = Tensor.of(f, 6, 7);
    int[] ints = {1, -2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, 0};
    long[] longs = {Long.MAX_VALUE, -1, 42, Long.MIN_VALUE};
    Path file = dir.resolve("all.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .add("f32", src)
        .add("bf16", src, DType.BF16)
        .add("f16", src, DType.F16)
        .add("scalar", Tensor.of(new float[] {2.5f}))
        .add("empty", Tensor.zeros(0, 3))
        .addInts("i32", ints, 2, 3)
        .addLongs("i64", longs, 4)
        .write(file);

    byte[] raw = Files.readAllBytes(file);
    long headerLen = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLen % 8).as("header padded to 8 bytes").isZero();

    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      assertThat(st.names()).containsExactly("bf16", "empty", "f16", "f32", "i32", "i64", "scalar");
      assertThat(st.metadata()).containsEntry("format", "pt").hasSize(1);
      Tensor f32 = st.tensor("f32");
      assertThat(f32.dtype()).isEqualTo(DType.F32);
      assertThat(f32.shape()).containsExactly(6, 7);
      assertThat(f32.toFloatArray()).containsExactly(f);
      Tensor bf16 = st.tensor("bf16");
      assertThat(bf16.dtype()).isEqualTo(DType.BF16);
      Tensor f16 = st.tensor("f16");
      assertThat(f16.dtype()).isEqualTo(DType.F16);
      for (int i = 0; i < f.length; i++) {
        assertThat(bf16.get(i)).isEqualTo(Half.bf16ToFloat(Half.floatToBf16(f[i])));
        assertThat(f16.get(i)).isEqualTo(Half.f16ToFloat(Half.floatToF16(f[i])));
      }
      assertThat(st.tensor("scalar").shape()).isEmpty();
      assertThat(st.tensor("scalar").get(0)).isEqualTo(2.5f);
      assertThat(st.tensor("empty").numel()).isZero();
      assertThat(st.info("i32").dtype()).isEqualTo(DType.I32);
      ByteBuffer i32 = st.bytes("i32").asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      for (int v : ints) {
        assertThat(i32.getInt()).isEqualTo(v);
      }
      ByteBuffer i64 = st.bytes("i64").asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      for (long v : longs) {
        assertThat(i64.getLong()).isEqualTo(v);
      }
      assertThat(st.info("i64").shape()).containsExactly(4);

      // Rewriting the read tensors (segments, ints copied raw) gives the same bytes.
      Path again = dir.resolve("again.safetensors");
      SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
      for (String n : st.names()) {
        w.add(n, st.tensor(n));
      }
      w.write(again);
      assertThat(Files.readAllBytes(again)).isEqualTo(raw);
    }
  }

  @Test
  void bf16ConversionRoundsToNearestEven() {
    // 1 + 2^-8 lies exactly between two BF16 values (1 and 1 + 2^-7): ties go to the even one, 1.
    assertThat(Half.bf16ToFloat(Half.floatToBf16(1f + 0x1p-8f))).isEqualTo(1f);
    // 1 + 3·2^-8 is the tie between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
    assertThat(Half.bf16ToFloat(Half.floatToBf16(1f + 3 * 0x1p-8f))).isEqualTo(1f + 0x1p-6f);
  }

  @Test
  void writerIsDeterministicAndAtomic() throws IOException {
    Path a = dir.resolve("a.safetensors");
    Path b = dir.resolve("b.safetensors");
    new SafetensorsWriter()
        .add("z", Tensor.of(new float[] {1, 2}, 2))
        .add("a", Tensor.of(new float[] {3}, 1))
        .write(a);
    new SafetensorsWriter()
        .add("a", Tensor.of(new float[] {3}, 1))
        .add("z", Tensor.of(new float[] {1, 2}, 2))
        .write(b);
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    // Overwrite in place; no temp files are left behind.
    new SafetensorsWriter().add("only", Tensor.of(new float[] {7}, 1)).write(a);
    try (SafetensorsFile st = SafetensorsFile.open(a)) {
      assertThat(st.names()).containsExactly("only");
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("a.safetensors", "b.safetensors");
    }
  }

  // ---- malformed files ----

  private Path raw(String name, long headerLen, String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(headerLen).put(h);
    Path p = dir.resolve(name);
    Files.write(p, b.array());
    return p;
  }

  private Path raw(String name, String header, int dataBytes) throws IOException {
    return raw(name, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
  }

  private static void rejects(Path p, String... fragments) {
    assertThatThrownBy(() -> SafetensorsFile.open(p).close())
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining(p.toString())
        .hasMessageContainingAll(fragments);
  }

  @Test
  void rejectsTruncatedFile() throws IOException {
    Path p = dir.resolve("short.safetensors");
    Files.write(p, new byte[] {1, 2, 3});
    rejects(p, "truncated", "3 bytes");
  }

  @Test
  void rejectsHeaderLengthPastEndOfFile() throws IOException {
    rejects(raw("past.safetensors", 1000, "{}", 0), "header length 1000 runs past the end");
  }

  @Test
  void rejectsHugeHeaderLength() throws IOException {
    rejects(raw("huge.safetensors", 200_000_000L, "{}", 0), "exceeds the limit");
    rejects(raw("neg.safetensors", -1L, "{}", 0), "18446744073709551615", "exceeds the limit");
  }

  @Test
  void rejectsNonJsonHeader() throws IOException {
    rejects(raw("nojson.safetensors", "{\"a\": [1, 2", 0), "not valid JSON");
    rejects(raw("trailing.safetensors", "{} {}", 0), "not valid JSON");
  }

  @Test
  void rejectsHeaderThatIsNotAnObject() throws IOException {
    rejects(raw("array.safetensors", "[1, 2, 3]", 0), "must be a JSON object", "array");
  }

  @Test
  void rejectsUnknownDtype() throws IOException {
    rejects(
        raw(
            "dtype.safetensors",
            "{\"w\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
            8),
        "tensor 'w'",
        "unknown dtype 'Q4'");
  }

  @Test
  void reportsUnsupportedDtypeWhenRead() throws IOException {
    Path p =
        raw(
            "f64.safetensors",
            "{\"d\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16]}}",
            16);
    try (SafetensorsFile st = SafetensorsFile.open(p)) {
      assertThat(st.info("d").supported()).isFalse();
      assertThatThrownBy(() -> st.tensor("d"))
          .isInstanceOf(SafetensorsException.class)
          .hasMessageContainingAll(p.toString(), "tensor 'd'", "F64 is not supported");
    }
  }

  @Test
  void rejectsShapeOffsetMismatch() throws IOException {
    rejects(
        raw(
            "mismatch.safetensors",
            "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]}}",
            24),
        "tensor 'w'",
        "needs 24 bytes",
        "span 20");
  }

  @Test
  void rejectsOverlappingOffsets() throws IOException {
    rejects(
        raw(
            "overlap.safetensors",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
            12),
        "tensor 'b'",
        "overlaps tensor 'a'");
  }

  @Test
  void rejectsOutOfRangeOffsets() throws IOException {
    rejects(
        raw(
            "range.safetensors",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}",
            8),
        "tensor 'a'",
        "out of range",
        "8 bytes");
    rejects(
        raw(
            "backwards.safetensors",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 0]}}",
            8),
        "tensor 'a'",
        "end before they begin");
  }

  @Test
  void rejectsMalformedEntries() throws IOException {
    rejects(
        raw("noshape.safetensors", "{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4),
        "tensor 'a'",
        "\"shape\"");
    rejects(
        raw(
            "negdim.safetensors",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}",
            4),
        "tensor 'a'",
        "invalid dimension");
    rejects(raw("meta.safetensors", "{\"__metadata__\": {\"k\": 1}}", 0), "__metadata__", "'k'");
    rejects(
        raw(
            "dup.safetensors",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                + " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}",
            4),
        "not valid JSON",
        "Duplicate");
  }

  // ---- sharded checkpoints ----

  private void writeShards(Path model) throws IOException {
    Files.createDirectories(model);
    new SafetensorsWriter()
        .add("model.a", Tensor.of(new float[] {1, 2}, 2))
        .add("model.b", Tensor.of(new float[] {3}, 1))
        .write(model.resolve("model-00001-of-00002.safetensors"));
    new SafetensorsWriter()
        .add("lm_head.weight", Tensor.of(new float[] {4, 5, 6, 7}, 2, 2), DType.BF16)
        .write(model.resolve("model-00002-of-00002.safetensors"));
    Files.writeString(
        model.resolve(SafetensorsCheckpoint.INDEX_FILE),
        """
        {"metadata": {"total_size": 20},
         "weight_map": {"model.a": "model-00001-of-00002.safetensors",
                        "model.b": "model-00001-of-00002.safetensors",
                        "lm_head.weight": "model-00002-of-00002.safetensors"}}
        """);
  }

  @Test
  void readsShardedCheckpoint() throws IOException {
    Path model = dir.resolve("sharded");
    writeShards(model);
    try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(model)) {
      assertThat(ck.names()).containsExactly("lm_head.weight", "model.a", "model.b");
      assertThat(ck.shards()).hasSize(2);
      assertThat(ck.metadata()).containsEntry("total_size", "20");
      assertThat(ck.tensor("model.a").toFloatArray()).containsExactly(1, 2);
      Tensor head = ck.tensor("lm_head.weight");
      assertThat(head.dtype()).isEqualTo(DType.BF16);
      assertThat(head.toFloatArray()).containsExactly(4, 5, 6, 7);
      assertThatThrownBy(() -> ck.tensor("nope"))
          .isInstanceOf(SafetensorsException.class)
          .hasMessageContaining("tensor 'nope'");
    }
  }

  @Test
  void rejectsMissingShard() throws IOException {
    Path model = dir.resolve("missing");
    writeShards(model);
    Files.delete(model.resolve("model-00002-of-00002.safetensors"));
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(model))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContainingAll(
            SafetensorsCheckpoint.INDEX_FILE,
            "tensor 'lm_head.weight'",
            "'model-00002-of-00002.safetensors' is missing");
  }

  @Test
  void rejectsFolderWithoutWeights() {
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContainingAll(dir.toString(), "no model.safetensors");
  }

  // ---- the real tiny model ----

  @Test
  void readsStories260K() {
    String shared = System.getProperty("peftbench.shared");
    assumeTrue(shared != null, "peftbench.shared not set");
    Path model = Path.of(shared, "models", "stories260K");
    assumeTrue(Files.isDirectory(model), "no " + model);
    try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(model)) {
      assertThat(ck.names()).hasSize(47);
      TensorInfo emb = ck.info("model.embed_tokens.weight");
      assertThat(emb.dtype()).isEqualTo(DType.F32);
      assertThat(emb.shape()).containsExactly(512, 64);
      long total = 0;
      for (String n : ck.names()) {
        Tensor t = ck.tensor(n);
        assertThat(t.dtype()).isEqualTo(DType.F32);
        total += t.numel();
        float[] v = t.toFloatArray();
        assertThat(Arrays.stream(toDoubles(v)).allMatch(Double::isFinite)).as(n).isTrue();
      }
      // 260,032 parameters in llama2.c's count, which includes no separate lm_head (tied).
      assertThat(total).isEqualTo(260_032L);
      Tensor norm = ck.tensor("model.norm.weight");
      assertThat(norm.shape()).containsExactly(64);
    }
  }

  private static double[] toDoubles(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }
}
