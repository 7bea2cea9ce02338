package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.suite.TrainingSettings;

class TrainerTest {
  static final int V = 16;

  /** Sequences following "next = (prev + 3) mod V" with some noise: learnable by a bigram. */
  static List<TokenizedExample> data(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TokenizedExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 4 + r.nextInt(5);
      int[] ids = new int[len];
      ids[0] = 1 + r.nextInt(V - 1);
      for (int t = 1; t < len; t++) {
        ids[t] = r.nextInt(10) == 0 ? 1 + r.nextInt(V - 1) : 1 + (ids[t - 1] + 2) % (V - 1);
      }
      out.add(TokenizedExample.ofIds(ids));
    }
    return out;
  }

  static Trainer.Plan plan(int maxSteps, int evalEvery, int accum) {
    TrainingSettings s =
        new TrainingSettings("adamw", 0.05, "cosine", 0.1, 1e-5, 4, accum, 100, 1.0, null, true)
            .resolved();
    return new Trainer.Plan(s, 7, maxSteps, evalEvery);
  }

  @Test
  void lossFallsAndTheBestAdapterIsKept(@TempDir Path tmp) {
    BigramModel m = new BigramModel(V, 1);
    Trainer tr = new Trainer(m, data(40, 2), data(8, 3), plan(30, 10, 1), tmp, null);
    Trainer.Outcome o = tr.run();
    assertThat(o.nonFinite()).isNull();
    assertThat(o.state().losses).hasSize(30);
    assertThat(o.state().losses.get(29)).isLessThan(o.state().losses.get(0) * 0.8);
    assertThat(o.state().evaluations).hasSize(3);
    assertThat(o.state().bestStep).isNotNull();
    assertThat(Files.isRegularFile(tmp.resolve("best/w.bin"))).isTrue();
    assertThat(Files.isRegularFile(tmp.resolve("checkpoint/state.json"))).isTrue();
  }

  @Test
  void aKilledRunResumesFromItsCheckpointAndEndsIdentically(@TempDir Path tmp) {
    List<TokenizedExample> train = data(30, 2);
    List<TokenizedExample> val = data(6, 3);
    Trainer.Outcome whole =
        new Trainer(new BigramModel(V, 1), train, val, plan(24, 5, 2), tmp.resolve("a"), null)
            .run();

    Trainer.Listener killAtStep12 =
        new Trainer.Listener() {
          @Override
          public void onStep(int step, int total, double loss) {
            if (step == 12) {
              throw new IllegalStateException("killed");
            }
          }
        };
    Path work = tmp.resolve("b");
    assertThatThrownBy(
            () ->
                new Trainer(new BigramModel(V, 1), train, val, plan(24, 5, 2), work, killAtStep12)
                    .run())
        .hasMessage("killed");
    // the last checkpoint is from step 10
    Trainer.Outcome resumed =
        new Trainer(new BigramModel(V, 1), train, val, plan(24, 5, 2), work, null).run();
    assertThat(resumed.resumed()).isTrue();
    assertThat(resumed.state().losses).isEqualTo(whole.state().losses);
    assertThat(resumed.state().bestValidationLoss).isEqualTo(whole.state().bestValidationLoss);
  }

  @Test
  void aCheckpointOfOtherSettingsIsNotResumed(@TempDir Path tmp) {
    List<TokenizedExample> train = data(30, 2);
    List<TokenizedExample> val = data(6, 3);
    Trainer.Listener killAtStep7 =
        new Trainer.Listener() {
          @Override
          public void onStep(int step, int total, double loss) {
            if (step == 7) {
              throw new IllegalStateException("killed");
            }
          }
        };
    assertThatThrownBy(
            () ->
                new Trainer(new BigramModel(V, 1), train, val, plan(12, 5, 1), tmp, killAtStep7)
                    .run())
        .hasMessage("killed");
    Trainer.Outcome other =
        new Trainer(new BigramModel(V, 1), train, val, plan(12, 4, 1), tmp, null).run();
    assertThat(other.resumed()).isFalse();
    Trainer.Outcome fresh =
        new Trainer(new BigramModel(V, 1), train, val, plan(12, 4, 1), tmp.resolve("f"), null)
            .run();
    assertThat(other.state().losses).isEqualTo(fresh.state().losses);
    // other starting weights: no resume either
    Trainer.Outcome otherInit =
        new Trainer(new BigramModel(V, 2), train, val, plan(12, 4, 1), tmp, null).run();
    assertThat(otherInit.resumed()).isFalse();
  }

  /** A run killed at step 7 (checkpoint at 5), its checkpoint then damaged by {@code damage}. */
  private static void killedRunWithDamagedCheckpoint(
      Path work, List<TokenizedExample> train, List<TokenizedExample> val, String damage)
      throws Exception {
    Trainer.Listener killAtStep7 =
        new Trainer.Listener() {
          @Override
          public void onStep(int step, int total, double loss) {
            if (step == 7) {
              throw new IllegalStateException("killed");
            }
          }
        };
    assertThatThrownBy(
            () ->
                new Trainer(new BigramModel(V, 1), train, val, plan(12, 5, 1), work, killAtStep7)
                    .run())
        .hasMessage("killed");
    Path ckpt = work.resolve("checkpoint");
    if (damage.equals("state")) {
      Files.writeString(ckpt.resolve("state.json"), "{\"step\": 5, \"loss");
    } else {
      Path w = ckpt.resolve("adapter/w.bin");
      byte[] b = Files.readAllBytes(w);
      Files.write(w, java.util.Arrays.copyOf(b, b.length / 2)); // half the weights, then EOF
    }
  }

  @Test
  void aDamagedCheckpointIsSetAsideAndTheRunStartsOverExactly(@TempDir Path tmp) throws Exception {
    List<TokenizedExample> train = data(30, 2);
    List<TokenizedExample> val = data(6, 3);
    Trainer.Outcome fresh =
        new Trainer(new BigramModel(V, 1), train, val, plan(12, 5, 1), tmp.resolve("f"), null)
            .run();
    for (String damage : List.of("state", "weights")) {
      Path work = tmp.resolve(damage);
      killedRunWithDamagedCheckpoint(work, train, val, damage);
      List<String> warnings = new ArrayList<>();
      Trainer.Listener collect =
          new Trainer.Listener() {
            @Override
            public void onWarning(String message) {
              warnings.add(message);
            }
          };
      Trainer.Outcome again =
          new Trainer(new BigramModel(V, 1), train, val, plan(12, 5, 1), work, collect).run();
      assertThat(again.resumed()).as(damage).isFalse();
      // a half-loaded checkpoint left no trace: the run equals one that never had a checkpoint
      assertThat(again.state().losses).as(damage).isEqualTo(fresh.state().losses);
      assertThat(warnings)
          .as(damage)
          .singleElement()
          .asString()
          .contains("is damaged", "moved aside to checkpoint.corrupt-", "starts over");
      try (var files = Files.list(work)) {
        assertThat(files.map(f -> f.getFileName().toString()))
            .anyMatch(n -> n.startsWith("checkpoint.corrupt-"));
      }
    }
  }

  @Test
  void dataWithoutTargetTokensIsRefusedBeforeTraining(@TempDir Path tmp) {
    List<TokenizedExample> noTargets =
        List.of(
            new TokenizedExample(new int[] {1, 2, 3}, new int[] {-100, -100, -100}),
            new TokenizedExample(new int[] {4, 5}, new int[] {4, -100}));
    assertThatThrownBy(
            () ->
                new Trainer(new BigramModel(V, 1), noTargets, List.of(), plan(3, 5, 1), tmp, null)
                    .run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no target tokens");
  }

  @Test
  void aNanLossStopsTheRunWithAStatus(@TempDir Path tmp) {
    BigramModel m = new BigramModel(V, 1);
    m.poisonAtCall = 3;
    Trainer.Outcome o = new Trainer(m, data(20, 2), data(4, 3), plan(10, 5, 1), tmp, null).run();
    assertThat(o.nonFinite()).isEqualTo("training loss became NaN at step 3 (micro-batch 2)");
    assertThat(o.state().losses).hasSize(2);
  }

  @Test
  void fileOrderWithoutShuffle() {
    DataOrder order = new DataOrder(10, 4, false, 1);
    assertThat(order.batchesPerEpoch()).isEqualTo(3);
    assertThat(order.microBatch(0)).containsExactly(0, 1, 2, 3);
    assertThat(order.microBatch(2)).containsExactly(8, 9);
    assertThat(order.microBatch(3)).containsExactly(0, 1, 2, 3);
    DataOrder shuffled = new DataOrder(10, 4, true, 1);
    assertThat(shuffled.permutation(0)).isNotEqualTo(shuffled.permutation(1).clone());
    assertThat(new DataOrder(10, 4, true, 1).microBatch(4)).isEqualTo(shuffled.microBatch(4));
  }

  @Test
  void totalStepsFollowEpochsAccumulationAndCaps() {
    TrainingSettings s =
        new TrainingSettings(null, null, null, null, null, 4, 2, 3, null, null, null).resolved();
    assertThat(Trainer.totalSteps(10, s, null)).isEqualTo(3 * 3 / 2); // 3 batches/epoch, 3 epochs
    assertThat(Trainer.totalSteps(10, s, 2)).isEqualTo(2);
  }

  @Test
  void promptTargetTruncatesThePromptFromTheLeft() {
    TokenizedExample e =
        TokenizedExample.promptTarget(new int[] {1, 2, 3, 4, 5}, new int[] {8, 9}, 5);
    assertThat(e.inputIds()).containsExactly(3, 4, 5, 8, 9);
    assertThat(e.labels()).containsExactly(-100, -100, -100, 8, 9);
  }
}
