package org.peftbench.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
  static final float[] LOGITS = {1f, 3f, 2f, 3f, -1f};

  static GenerationConfig sampling(double temperature, int topK, double topP, long seed) {
    return GenerationConfig.greedy(1, Set.of()).withSampling(temperature, topK, topP, seed);
  }

  static int[] histogram(GenerationConfig cfg, int draws) {
    Sampler s = new Sampler(cfg);
    int[] h = new int[LOGITS.length];
    for (int i = 0; i < draws; i++) {
      h[s.next(LOGITS, 0, LOGITS.length)]++;
    }
    return h;
  }

  @Test
  void greedyTakesTheFirstMaximum() {
    assertThat(new Sampler(GenerationConfig.greedy(1, Set.of())).next(LOGITS, 0, 5)).isEqualTo(1);
    assertThat(Sampler.argmax(new float[] {9, 0, 1, 7}, 1, 3)).isEqualTo(2);
  }

  @Test
  void temperatureSamplingFollowsTheSoftmax() {
    int n = 200_000;
    int[] h = histogram(sampling(2.0, 0, 1.0, 1), n);
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l / 2.0);
    }
    for (int i = 0; i < LOGITS.length; i++) {
      double p = Math.exp(LOGITS[i] / 2.0) / z;
      assertThat(h[i] / (double) n)
          .as("token " + i)
          .isCloseTo(p, org.assertj.core.data.Offset.offset(0.005));
    }
  }

  @Test
  void topKAndTopPCutTheTail() {
    int[] k2 = histogram(sampling(1.0, 2, 1.0, 2), 10_000);
    assertThat(k2[0] + k2[2] + k2[4]).isZero(); // only the two tokens with logit 3
    assertThat(k2[1]).isPositive();
    assertThat(k2[3]).isPositive();
    // probabilities ~ 0.41, 0.41, 0.15, 0.06, 0.01: top-p 0.5 keeps the two best
    int[] p5 = histogram(sampling(1.0, 0, 0.5, 3), 10_000);
    assertThat(p5[0] + p5[2] + p5[4]).isZero();
    // top-p 0.9 adds token 2 (cumulative 0.97 ≥ 0.9) but not tokens 0 and 4
    int[] p9 = histogram(sampling(1.0, 0, 0.9, 4), 10_000);
    assertThat(p9[2]).isPositive();
    assertThat(p9[0] + p9[4]).isZero();
  }

  @Test
  void sameSeedSameDraws() {
    assertThat(histogram(sampling(1.0, 0, 1.0, 5), 1000))
        .containsExactly(histogram(sampling(1.0, 0, 1.0, 5), 1000));
  }

  @Test
  void badSettingsAreRejected() {
    assertThatThrownBy(() -> sampling(-1, 0, 1, 0)).hasMessageContaining("temperature");
    assertThatThrownBy(() -> sampling(1, -2, 1, 0)).hasMessageContaining("top-k");
    assertThatThrownBy(() -> sampling(1, 0, 0, 0)).hasMessageContaining("top-p");
    assertThatThrownBy(() -> new GenerationConfig(-1, 0, 0, 1, 0, Set.of(), List.of()))
        .hasMessageContaining("max new tokens");
  }
}
