package org.peftbench.tensor.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErfTest {
  /** Reference values of erf(x) (C99 libm erf, to double precision), one per Cody range. */
  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "1e-10, 1.1283791670955126e-10",
    "0.1, 0.1124629160182849",
    "0.3, 0.3286267594591274",
    "0.46875, 0.49261347321793797",
    "0.5, 0.5204998778130465",
    "0.75, 0.7111556336535151",
    "1, 0.8427007929497149",
    "1.5, 0.9661051464753108",
    "2, 0.9953222650189527",
    "2.5, 0.999593047982555",
    "3, 0.9999779095030014",
    "3.9, 0.9999999652077514",
    "4, 0.9999999845827421",
    "4.5, 0.9999999998033839",
    "5, 0.9999999999984626",
    "6, 1.0",
    "-0.2, -0.22270258921047847",
    "-1, -0.8427007929497149",
    "-3.5, -0.9999992569016276",
    "-5, -0.9999999999984626"
  })
  void matchesReferenceValues(double x, double expected) {
    assertThat(Erf.erf(x)).isCloseTo(expected, within(1e-14));
  }

  @ParameterizedTest
  @CsvSource({"0.2", "0.9", "2.2", "4.2", "7"})
  void isOdd(double x) {
    assertThat(Erf.erf(-x)).isEqualTo(-Erf.erf(x));
  }
}
