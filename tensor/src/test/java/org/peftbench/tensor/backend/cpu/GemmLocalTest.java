package org.peftbench.tensor.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.peftbench.tensor.testing.TestTensors;

/**
 * {@link GemmLocal#local} and {@link GemmLocal#localPacked} (the one-thread strided products of
 * attention) against a plain triple loop, for row-major and transposed operands, one panel or
 * several, K within one block or across several, with and without accumulation.
 */
class GemmLocalTest {
  // op(A)[i,p] = A[ao + i·ars + p·acs], op(B)[p,j] = B[bo + p·brs + j·bcs], C[i,j] = C[co + i·ldc +
  // j]
  private static float[] reference(
      int m,
      int n,
      int k,
      float[] A,
      int ao,
      int ars,
      int acs,
      float[] B,
      int bo,
      int brs,
      int bcs,
      float[] C,
      int co,
      int ldc,
      boolean accumulate) {
    float[] out = C.clone();
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = accumulate ? C[co + i * ldc + j] : 0;
        for (int p = 0; p < k; p++) {
          sum += (double) A[ao + i * ars + p * acs] * B[bo + p * brs + j * bcs];
        }
        out[co + i * ldc + j] = (float) sum;
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4} accumulate={5}")
  @CsvSource({
    "7, 20, 5, false, false, false",
    "33, 64, 70, true, false, true",
    "64, 150, 64, false, true, false",
    "70, 600, 300, true, true, true",
    "5, 130, 600, false, true, true",
    "64, 64, 256, true, false, false"
  })
  void matchesTheTripleLoop(int m, int n, int k, boolean ta, boolean tb, boolean acc) {
    Random rnd = new Random(m * 1000L + n * 10L + k);
    // operands sit inside larger arrays at an offset, rows padded, as heads of [B,T,H,D] do
    int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
    float[] A = TestTensors.uniform(rnd, 4 + (ta ? k : m) * lda, -1f, 1f);
    float[] B = TestTensors.uniform(rnd, 6 + (tb ? n : k) * ldb, -1f, 1f);
    float[] C = TestTensors.uniform(rnd, 1 + m * ldc, -1f, 1f);
    int ars = ta ? 1 : lda, acs = ta ? lda : 1, brs = tb ? 1 : ldb, bcs = tb ? ldb : 1;
    float[] expected = reference(m, n, k, A, 4, ars, acs, B, 6, brs, bcs, C, 1, ldc, acc);

    float[] local = C.clone();
    GemmLocal.local(m, n, k, A, 4, ars, acs, B, 6, brs, bcs, local, 1, ldc, acc);
    float[] packedB = new float[GemmLocal.packedSize(k, n)];
    GemmLocal.packWhole(B, 6, brs, bcs, k, n, packedB, 0);
    float[] packed = C.clone();
    GemmLocal.localPacked(m, n, k, A, 4, ars, acs, packedB, 0, k, packed, 1, ldc, acc);

    float tolerance = (float) (2e-6 * Math.sqrt(k) + 1e-6);
    for (int i = 0; i < expected.length; i++) {
      assertThat(local[i]).as("local element %d", i).isCloseTo(expected[i], offset(tolerance));
      assertThat(packed[i])
          .as("localPacked element %d", i)
          .isCloseTo(expected[i], offset(tolerance));
    }
  }
}
