package org.peftbench.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MathMetricsTest {
  @Test
  void arithmeticFollowsPythonSemantics() {
    assertThat(Arithmetic.evaluate("( 2.0 * 3.0 ) + 1.0")).isEqualTo(7.0);
    assertThat(Arithmetic.evaluate("2 + 3 * 4 - 6 / 3")).isEqualTo(12.0);
    assertThat(Arithmetic.evaluate("-7 // 2")).isEqualTo(-4.0);
    assertThat(Arithmetic.evaluate("-7 % 3")).isEqualTo(2.0);
    assertThat(Arithmetic.evaluate("7 % -3")).isEqualTo(-2.0);
    assertThat(Arithmetic.evaluate("--2")).isEqualTo(2.0);
    assertThat(Arithmetic.evaluate(".5 + 1_000")).isEqualTo(1000.5);
    assertThatThrownBy(() -> Arithmetic.evaluate("2 ** 3"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Arithmetic.evaluate("a + 1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Arithmetic.evaluate("07 + 1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Arithmetic.evaluate("1 / 0")).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Arithmetic.evaluate("(1 + 2"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void svampSeparatesConsistencyFromGoldMatch() {
    String gold = "( 76.0 - 25.0 ) = 51";
    assertThat(MathMetrics.judgeSvamp("(76.0-25.0) = 51.0", gold))
        .isEqualTo(new MathMetrics.SvampJudgement(null, true, true, true));
    // consistent, same answer, another equation
    assertThat(MathMetrics.judgeSvamp("( 50.0 + 1.0 ) = 51", gold))
        .isEqualTo(new MathMetrics.SvampJudgement(null, true, false, true));
    // consistent but wrong
    assertThat(MathMetrics.judgeSvamp("( 1 + 1 ) = 2", gold))
        .isEqualTo(new MathMetrics.SvampJudgement(null, true, false, false));
    assertThat(MathMetrics.judgeSvamp("( 76.0 - 25.0 ) = 50", gold).consistent()).isFalse();
    assertThat(MathMetrics.judgeSvamp("76.0 - 25.0 = 51", gold).formatError())
        .isEqualTo("lhs_not_single_parenthesized");
    assertThat(MathMetrics.judgeSvamp("( 1 ) = 1 = 1", gold).formatError())
        .isEqualTo("not_single_equation");
    assertThat(MathMetrics.judgeSvamp("( 1 ) = one", gold).formatError())
        .isEqualTo("rhs_not_numeric");
    assertThat(MathMetrics.judgeSvamp("( x ) = 1", gold).formatError()).isEqualTo("eval_error");
  }

  @Test
  void gsm8kReadsTheNumberAfterTheLastMarker() {
    assertThat(MathMetrics.finalNumber("a #### 5\nb #### 1,234")).isEqualTo(1234.0);
    assertThat(MathMetrics.finalNumber("#### 50%")).isEqualTo(50.0);
    assertThat(MathMetrics.finalNumber("no marker 5")).isNull();
    assertThat(MathMetrics.finalNumber("#### five")).isNull();
  }

  @Test
  void squadNormalization() {
    assertThat(SquadMetrics.normalize("The  U.S. Army!")).isEqualTo("us army");
    assertThat(SquadMetrics.tokenF1("Diego Costa", "Costa")).isEqualTo(2.0 / 3.0);
    assertThat(SquadMetrics.exactMatch("the Blues", "Blues")).isEqualTo(1.0);
  }

  @Test
  void normalizeDropsReasoningAndCase() {
    assertThat(Normalize.answer("let me think</think>\n\n  Positive\n")).isEqualTo("positive");
    assertThat(Normalize.pythonFloat(" 3.5 ")).isEqualTo(3.5);
    assertThat(Normalize.pythonFloat("1e3")).isEqualTo(1000.0);
    assertThat(Normalize.pythonFloat("5d")).isNull();
    assertThat(Normalize.pythonFloat("0x10")).isNull();
  }

  @Test
  void classificationMetricsEdgeCases() {
    // No positive anywhere: sklearn's F1 is 0 (zero_division), MCC 0 (undefined).
    int[] gold = {0, 0, 0};
    int[] pred = {0, 0, 0};
    assertThat(ClassificationMetrics.f1(gold, pred, 1)).isEqualTo(0.0);
    assertThat(ClassificationMetrics.matthews(gold, pred, 2)).isEqualTo(0.0);
    assertThat(ClassificationMetrics.accuracy(gold, pred)).isEqualTo(1.0);
    assertThatThrownBy(
            () ->
                ClassificationMetrics.encode(
                    java.util.List.of("a"), java.util.List.of("zzz"), java.util.List.of("a", "b")))
        .hasMessageContaining("'zzz' is not one of [a, b]");
  }
}
