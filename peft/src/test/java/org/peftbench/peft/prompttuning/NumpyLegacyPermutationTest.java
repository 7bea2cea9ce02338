package org.peftbench.peft.prompttuning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * numpy's {@code np.random.seed(s); np.random.permutation(range(n))[:k]} (fixture from
 * tools/gen_numpy_legacy_permutation.py): the 5 paper seeds with PEFT-Factory's (5000, 100), and
 * edge cases (n = 1, k = n, the largest seed, n above 2^16).
 */
class NumpyLegacyPermutationTest {
  @Test
  void equalsNumpyForEveryFixtureCase() throws Exception {
    JsonNode root;
    try (InputStream in = getClass().getResourceAsStream("numpy_legacy_permutation.json")) {
      root = new ObjectMapper().readTree(in);
    }
    int cases = 0;
    for (JsonNode c : root.get("cases")) {
      int[] expected = new int[c.get("k").asInt()];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = c.get("ids").get(i).asInt();
      }
      int[] got =
          NumpyLegacyPermutation.firstOfPermutation(
              c.get("seed").asLong(), c.get("n").asInt(), c.get("k").asInt());
      assertArrayEquals(expected, got, "seed " + c.get("seed") + " n " + c.get("n"));
      cases++;
    }
    assertEquals(10, cases);
  }
}
