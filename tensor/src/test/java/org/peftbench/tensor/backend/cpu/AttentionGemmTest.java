package org.peftbench.tensor.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.testing.TestTensors;

/** {@link AttentionGemm#narrow} against a triple loop, for every tile shape it takes. */
class AttentionGemmTest {
  @Test
  void narrowTileMatchesTripleLoopAndWritesOnlyItsColumns() {
    Random rnd = new Random(3);
    int k = 37, ars = 45, ldc = 70, L = Simd.L;
    float[] a = TestTensors.uniform(rnd, 4 * ars + 5, -1f, 1f);
    // two panels packed as GemmLocal.packWhole lays them out; the tile reads the second one
    float[] b = TestTensors.uniform(rnd, 2 * k * GemmTiles.NR, -1f, 1f);
    int panel = k * GemmTiles.NR;
    for (int vecs = 1; vecs <= 3; vecs++) {
      for (int rows = 1; rows <= GemmTiles.MR; rows++) {
        for (int w : new int[] {vecs * L, vecs * L - 1, (vecs - 1) * L + 1}) {
          float[] c = new float[5 * ldc];
          java.util.Arrays.fill(c, 42f);
          AttentionGemm.narrow(vecs, rows, w, k, a, 3, ars, b, panel, c, ldc + 2, ldc);
          for (int r = 0; r < 5; r++) {
            for (int j = 0; j < ldc; j++) {
              int at = ldc + 2 + r * ldc + j;
              if (at >= c.length) {
                continue;
              }
              if (r < rows && j < w) {
                double e = 0;
                for (int p = 0; p < k; p++) {
                  e += (double) a[3 + r * ars + p] * b[panel + p * GemmTiles.NR + j];
                }
                assertThat(c[at])
                    .as("vecs %d rows %d w %d: C[%d,%d]", vecs, rows, w, r, j)
                    .isCloseTo((float) e, offset(1e-5f));
              } else {
                assertThat(c[at]).as("untouched C[%d,%d]", r, j).isEqualTo(42f);
              }
            }
          }
          for (int j = 0; j < ldc + 2; j++) {
            assertThat(c[j]).as("before C: %d", j).isEqualTo(42f);
          }
        }
      }
    }
  }

  @Test
  void rejectsTilesItDoesNotHave() {
    float[] x = new float[4096];
    assertThatThrownBy(() -> AttentionGemm.narrow(4, 4, 1, 1, x, 0, 1, x, 0, x, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AttentionGemm.narrow(1, 5, 1, 1, x, 0, 1, x, 0, x, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
