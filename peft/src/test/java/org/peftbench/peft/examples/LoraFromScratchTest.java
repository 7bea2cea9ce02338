package org.peftbench.peft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Runs the "LoRA from scratch" walk-through of docs/examples.md so it never rots. */
class LoraFromScratchTest {
  @Test
  void theWalkThroughsClaimsHold() {
    LoraFromScratch.Findings f = LoraFromScratch.run();
    assertThat(f.startDifference()).as("B = 0: the adapted layer starts as the base").isZero();
    assertThat(f.worstGradientError()).as("autograd vs finite differences").isLessThan(2e-3);
    assertThat(f.mergedDifference()).as("merged W' vs adapter").isLessThan(1e-5);
    assertThat(f.libraryDifference()).as("LoraLinear vs ours").isLessThan(1e-5);
  }
}
