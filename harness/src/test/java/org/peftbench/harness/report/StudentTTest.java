package org.peftbench.harness.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StudentTTest {
  @Test
  void quantilesMatchScipy() {
    // scipy.stats.t.ppf(0.975, df)
    assertThat(StudentT.twoSidedQuantile(0.95, 1)).isCloseTo(12.706204736174698, within(1e-9));
    assertThat(StudentT.twoSidedQuantile(0.95, 2)).isCloseTo(4.302652729749464, within(1e-9));
    assertThat(StudentT.twoSidedQuantile(0.95, 4)).isCloseTo(2.7764451051977934, within(1e-9));
    assertThat(StudentT.twoSidedQuantile(0.95, 9)).isCloseTo(2.262157162798205, within(1e-9));
    assertThat(StudentT.twoSidedQuantile(0.95, 1000)).isCloseTo(1.9623390808264078, within(1e-9));
    // scipy.stats.t.ppf(0.995, 4)
    assertThat(StudentT.twoSidedQuantile(0.99, 4)).isCloseTo(4.604094871349992, within(1e-9));
  }
}
