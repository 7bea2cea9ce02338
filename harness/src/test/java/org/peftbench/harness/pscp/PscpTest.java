package org.peftbench.harness.pscp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PscpTest {
  @Test
  void costsEqualToTheConstantsHalveTheScoreThreeTimes() {
    // (1 + 5e8/5e8)^-1 · (1 + 10/10)^-1 · (1 + 94/94)^-1 = 1/8
    double v = Pscp.peftBench(1).score(80, new Pscp.Costs(5e8, 10, 94));
    assertThat(v).isCloseTo(10.0, within(1e-12));
  }

  @Test
  void zeroCostsKeepTheScore() {
    assertThat(Pscp.peftBench(1).score(61.5, new Pscp.Costs(0, 0, 0))).isEqualTo(61.5);
    assertThat(Pscp.peftBench(2).score(61.5, new Pscp.Costs(0, 0, 0))).isEqualTo(61.5);
  }

  @Test
  void betaTwoSquaresEachFactor() {
    // 50 · (1 + 1e9/5e8)^-2 · 1 · (1 + 47/94)^-2 = 50 / 9 / 2.25 = 2.469135802469...
    Pscp.Breakdown b = Pscp.peftBench(2).breakdown(50, new Pscp.Costs(1e9, 0, 47));
    assertThat(b.paramsFactor()).isCloseTo(1.0 / 9, within(1e-15));
    assertThat(b.flopsFactor()).isEqualTo(1.0);
    assertThat(b.memoryFactor()).isCloseTo(1 / 2.25, within(1e-15));
    assertThat(b.pscp()).isCloseTo(2.4691358024691357, within(1e-12));
  }

  @Test
  void separateBetas() {
    // 90 · (1+1)^-2 · (1 + 30/10)^-0.5 · (1+0)^-3 = 90 · 0.25 · 0.5 = 11.25
    Pscp p = new Pscp(Pscp.Constants.PEFT_BENCH, new Pscp.Betas(2, 0.5, 3));
    assertThat(p.score(90, new Pscp.Costs(5e8, 30, 0))).isCloseTo(11.25, within(1e-12));
  }

  @Test
  void realisticLoraOnAOneBillionModel() {
    // LoRA r=8 on q,v of Llama-3.2-1B: 851,968 params, merged (0 TFLOPs), 20 GB:
    // 70 · (1 + 851968/5e8)^-1 · 1 · (1 + 20/94)^-1
    double expected = 70 / (1 + 851968 / 5e8) / (1 + 20.0 / 94);
    assertThat(Pscp.peftBench(1).score(70, new Pscp.Costs(851968, 0, 20)))
        .isCloseTo(expected, within(1e-12))
        .isCloseTo(57.6, within(0.1));
  }

  @Test
  void customConstants() {
    Pscp p = new Pscp(new Pscp.Constants(1000, 1, 2), Pscp.Betas.uniform(1));
    // 40 · 1/(1+1) · 1/(1+1) · 1/(1+1)
    assertThat(p.score(40, new Pscp.Costs(1000, 1, 2))).isCloseTo(5, within(1e-12));
  }

  @Test
  void rejectsNegativeCostsAndBadConstants() {
    assertThatThrownBy(() -> new Pscp.Costs(-1, 0, 0)).hasMessageContaining("trainable");
    assertThatThrownBy(() -> new Pscp.Costs(0, Double.NaN, 0)).hasMessageContaining("FLOPs");
    assertThatThrownBy(() -> new Pscp.Constants(0, 1, 1)).hasMessageContaining("positive");
  }
}
