package org.peftbench.datasets.random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SeedSequence}, {@link Pcg64}, {@link NumpyGenerator} and {@link TrainTestSplit} against
 * numpy (fixture from tools/gen_numpy_split_fixtures.py): the seed pool, the first raw draws and
 * the split indices for PEFT-Bench's five seeds (and four more) at several dataset sizes.
 */
class NumpySplitTest {
  static JsonNode fixture;

  @BeforeAll
  static void load() throws Exception {
    try (InputStream in = NumpySplitTest.class.getResourceAsStream("numpy_splits.json")) {
      fixture = new ObjectMapper().readTree(in);
    }
  }

  @Test
  void fixtureCoversThePaperSeeds() {
    List<String> seeds = new ArrayList<>();
    fixture.get("seeds").forEach(s -> seeds.add(s.get("seed").asText()));
    assertThat(seeds).contains("42", "123", "456", "789", "101112");
  }

  @Test
  void seedPoolMatchesNumpy() {
    for (JsonNode s : fixture.get("seeds")) {
      SeedSequence seq = new SeedSequence(new BigInteger(s.get("seed").asText()));
      int[] expected = new int[4];
      for (int i = 0; i < 4; i++) {
        expected[i] = (int) s.get("pool").get(i).asLong();
      }
      assertThat(poolOf(seq)).as("seed %s", s.get("seed").asText()).containsExactly(expected);
    }
  }

  /** The pool is private; generateState32 of a fresh sequence is a function of it, so compare. */
  private static int[] poolOf(SeedSequence seq) {
    // generate_state's word i is hashB_i(pool[i % 4]) with an invertible hash: recover the pool.
    int[] words = seq.generateState32(4);
    int hash = 0x8b51f9dd;
    int[] pool = new int[4];
    for (int i = 0; i < 4; i++) {
      int v = words[i];
      v ^= v >>> 16; // undo the xorshift (16 of 32 bits: one step inverts it)
      int next = hash * 0x58f38ded;
      v *= inverse(next);
      v ^= hash;
      pool[i] = v;
      hash = next;
    }
    return pool;
  }

  private static int inverse(int odd) {
    int x = odd; // Newton's iteration for the inverse modulo 2^32
    for (int i = 0; i < 5; i++) {
      x *= 2 - odd * x;
    }
    return x;
  }

  @Test
  void rawDrawsMatchNumpy() {
    for (JsonNode s : fixture.get("seeds")) {
      Pcg64 pcg = new Pcg64(new SeedSequence(new BigInteger(s.get("seed").asText())));
      for (JsonNode expected : s.get("uint64")) {
        assertThat(Long.toUnsignedString(pcg.nextLong()))
            .as("seed %s", s.get("seed").asText())
            .isEqualTo(expected.asText());
      }
    }
  }

  @Test
  void splitIndicesMatchNumpyForEverySeedAndSize() throws Exception {
    int checked = 0;
    for (JsonNode s : fixture.get("seeds")) {
      BigInteger seed = new BigInteger(s.get("seed").asText());
      if (seed.bitLength() > 63) {
        continue; // TrainTestSplit takes a long; the big seeds are covered by the pool test
      }
      for (JsonNode split : s.get("splits")) {
        TrainTestSplit got =
            TrainTestSplit.of(
                split.get("n").asInt(), split.get("test_size").asDouble(), seed.longValue());
        String where = "seed " + seed + ", n " + split.get("n") + ", " + split.get("test_size");
        assertMatches(got.test(), split.get("test"), where + " test");
        assertMatches(got.train(), split.get("train"), where + " train");
        checked++;
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(5 * 14);
  }

  private static void assertMatches(int[] got, JsonNode expected, String where) throws Exception {
    assertThat(got.length).as(where).isEqualTo(expected.get("length").asInt());
    if (expected.has("all")) {
      assertThat(got).as(where).containsExactly(ints(expected.get("all")));
    } else {
      int[] head = ints(expected.get("head"));
      int[] tail = ints(expected.get("tail"));
      assertThat(java.util.Arrays.copyOf(got, head.length)).as(where).containsExactly(head);
      assertThat(java.util.Arrays.copyOfRange(got, got.length - tail.length, got.length))
          .as(where)
          .containsExactly(tail);
    }
    assertThat(sha256(got)).as(where).isEqualTo(expected.get("sha256").asText());
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  private static String sha256(int[] values) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
  }

  @Test
  void randomIntervalStaysInRangeAndCoversIt() {
    NumpyGenerator g = NumpyGenerator.defaultRng(7);
    boolean[] seen = new boolean[6];
    for (int i = 0; i < 1000; i++) {
      long v = g.randomInterval(5);
      assertThat(v).isBetween(0L, 5L);
      seen[(int) v] = true;
    }
    assertThat(seen).containsOnly(true);
    long big = 0x1_0000_0005L; // the 64-bit path
    for (int i = 0; i < 1000; i++) {
      assertThat(g.randomInterval(big)).isBetween(0L, big);
    }
    assertThat(g.randomInterval(0)).isZero();
  }

  @Test
  void badArgumentsAreRejectedAsHfDoes() {
    assertThatThrownBy(() -> TrainTestSplit.of(10, 0.0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TrainTestSplit.of(1, 0.1, 1))
        .hasMessageContaining("train part is empty");
    assertThatThrownBy(() -> new SeedSequence(-1)).hasMessageContaining("non-negative");
  }
}
