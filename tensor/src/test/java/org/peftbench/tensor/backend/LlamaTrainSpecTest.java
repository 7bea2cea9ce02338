package org.peftbench.tensor.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.LlamaTrainSpec.Adapter;
import org.peftbench.tensor.backend.LlamaTrainSpec.LayerAdapters;
import org.peftbench.tensor.backend.LlamaTrainSpec.Projection;
import org.peftbench.tensor.backend.LlamaTrainSpec.Trainable;
import org.peftbench.tensor.testing.TestTensors;

/** What a resident training step may be given: {@link LlamaTrainSpec} and {@link TrainBatch}. */
class LlamaTrainSpecTest {
  static final int C = 8, F = 12, HQ = 2, HKV = 1, D = 4, V = 10;
  static final LlamaTrainSpec.AdamWSettings ADAMW =
      new LlamaTrainSpec.AdamWSettings(0.9, 0.999, 1e-8, 0.0, 0.0);
  final Random r = new Random(1);

  Tensor t(int... shape) {
    return TestTensors.gaussian(r, 1f, shape);
  }

  LlamaLayer layer() {
    return new LlamaLayer(
        t(C),
        t(HQ * D, C),
        t(HKV * D, C),
        t(HKV * D, C),
        t(C, HQ * D),
        t(C),
        t(F, C),
        t(F, C),
        t(C, F),
        HQ,
        HKV,
        D,
        1e-5f);
  }

  LlamaTrainSpec spec(LlamaLayer l, LayerAdapters a, List<Trainable> trainables) {
    Tensor emb = t(V, C);
    return new LlamaTrainSpec(
        emb,
        List.of(l),
        List.of(a),
        t(C),
        emb,
        null,
        null,
        trainables,
        new RopeTable(D, 16, 10000, null),
        0.5f,
        2,
        8,
        ADAMW);
  }

  @Test
  void recomputationIsOffUnlessAskedAndChangesNothingElse() {
    LlamaLayer l = layer();
    LlamaTrainSpec s = spec(l, LayerAdapters.none(), List.of());
    assertThat(s.recompute()).isFalse();
    LlamaTrainSpec on = s.withRecompute(true);
    assertThat(on.recompute()).isTrue();
    assertThat(on.withRecompute(false)).isEqualTo(s);
    assertThat(on.layers()).isEqualTo(s.layers());
    assertThat(on.trainables()).isEqualTo(s.trainables());
  }

  @Test
  void aLoraSpecNamesItsTrainablesByIdentity() {
    LlamaLayer l = layer();
    Tensor a = t(2, C), b = Tensor.zeros(HQ * D, 2);
    LlamaTrainSpec s =
        spec(
            l,
            LayerAdapters.none().with(Projection.Q, Adapter.lora(a, b, 2f)),
            List.of(new Trainable("a", a, true), new Trainable("b", b, true)));
    assertThat(s.isTrainable(a)).isTrue();
    assertThat(s.isTrainable(a.toF32())).isFalse();
    assertThat(s.isTrainable(l.q())).isFalse();
    assertThat(s.adapters().get(0).get(Projection.Q).loraScale()).isEqualTo(2f);
    assertThat(s.adapters().get(0).get(Projection.K)).isNull();
  }

  @Test
  void refusesWhatCannotTrain() {
    LlamaLayer l = layer();
    Tensor a = t(2, C), b = t(HQ * D, 2);
    LayerAdapters lora = LayerAdapters.none().with(Projection.Q, Adapter.lora(a, b, 1f));
    assertThatThrownBy(() -> spec(l, lora, List.of(new Trainable("unused", t(3), true))))
        .hasMessageContaining("unused")
        .hasMessageContaining("not used");
    assertThatThrownBy(() -> spec(l, lora, List.of(new Trainable("q", l.q(), true))))
        .hasMessageContaining("projection weights");
    assertThatThrownBy(
            () ->
                spec(
                    l,
                    lora,
                    List.of(new Trainable("a", TestTensors.asSegment(a, DType.F32), true))))
        .hasMessageContaining("heap F32");
    assertThatThrownBy(
            () ->
                spec(
                    l, lora, List.of(new Trainable("a", a, true), new Trainable("again", a, true))))
        .hasMessageContaining("twice");
    LayerAdapters bad = LayerAdapters.none().with(Projection.K, Adapter.lora(a, b, 1f));
    assertThatThrownBy(() -> spec(l, bad, List.of()))
        .hasMessageContaining("k_proj")
        .hasMessageContaining("do not fit");
    LayerAdapters ia3 = LayerAdapters.none().with(Projection.DOWN, Adapter.ia3(t(C), true));
    assertThatThrownBy(() -> spec(l, ia3, List.of()))
        .hasMessageContaining("IA3 vector must have 12");
    assertThatThrownBy(() -> new LayerAdapters(new Adapter[3])).hasMessageContaining("7");
    Tensor emb = t(V, C);
    assertThatThrownBy(
            () ->
                new LlamaTrainSpec(
                    emb,
                    List.of(l),
                    List.of(LayerAdapters.none()),
                    t(C),
                    emb,
                    LlamaTrainSpec.TokenEncoder.table(t(3, C + 1)),
                    null,
                    List.of(),
                    new RopeTable(D, 16, 10000, null),
                    0.5f,
                    2,
                    8,
                    ADAMW))
        .hasMessageContaining("prompt");
    assertThatThrownBy(
            () ->
                new LlamaTrainSpec(
                    emb,
                    List.of(l),
                    List.of(LayerAdapters.none()),
                    t(C),
                    emb,
                    LlamaTrainSpec.TokenEncoder.table(t(9, C)),
                    null,
                    List.of(),
                    new RopeTable(D, 16, 10000, null),
                    0.5f,
                    2,
                    8,
                    ADAMW))
        .hasMessageContaining("RoPE table")
        .hasMessageContaining("17");
  }

  LlamaTrainSpec withPrefix(LlamaTrainSpec.TokenEncoder prefix, int ropePositions) {
    Tensor emb = t(V, C);
    return new LlamaTrainSpec(
        emb,
        List.of(layer()),
        List.of(LayerAdapters.none()),
        t(C),
        emb,
        null,
        prefix,
        List.of(new Trainable("prefix", prefix.table(), false)),
        new RopeTable(D, ropePositions, 10000, null),
        0.5f,
        2,
        8,
        ADAMW);
  }

  @Test
  void aPrefixHasOneKeyAndValueRowPerLayerAndReservesItsPositions() {
    // one layer, Hkv·D = 4: a prefix row is [key 4 | value 4]
    LlamaTrainSpec.TokenEncoder mlp =
        new LlamaTrainSpec.TokenEncoder(
            t(3, 5),
            List.of(
                new LlamaTrainSpec.EncoderLayer(
                    t(6, 5), t(6), LlamaTrainSpec.EncoderActivation.TANH),
                new LlamaTrainSpec.EncoderLayer(
                    t(2 * HKV * D, 6), t(2 * HKV * D), LlamaTrainSpec.EncoderActivation.NONE)));
    LlamaTrainSpec s = withPrefix(mlp, 11);
    assertThat(s.prefixTokens()).isEqualTo(3);
    assertThat(s.reservedPositions()).isEqualTo(3);
    assertThat(s.virtualTokens()).isZero();
    assertThat(mlp.width()).isEqualTo(8);
    assertThatThrownBy(() -> withPrefix(mlp, 10))
        .hasMessageContaining("RoPE table")
        .hasMessageContaining("11");
    assertThatThrownBy(() -> withPrefix(LlamaTrainSpec.TokenEncoder.table(t(3, 7)), 16))
        .hasMessageContaining("prefix is [P, 7], expected [P, 8]");
    LlamaTrainSpec.TokenEncoder broken =
        new LlamaTrainSpec.TokenEncoder(
            t(3, 5),
            List.of(
                new LlamaTrainSpec.EncoderLayer(
                    t(8, 4), t(8), LlamaTrainSpec.EncoderActivation.NONE)));
    assertThatThrownBy(() -> withPrefix(broken, 16))
        .hasMessageContaining("prefix encoder layer 0")
        .hasMessageContaining("expected [out, 5]");
  }

  @Test
  void aBatchShiftsItsLabels() {
    TrainBatch b =
        TrainBatch.of(new int[] {5, 6, 7, 8, 9, 1}, new int[] {5, 6, -100, 8, 9, 1}, 2, 3);
    assertThat(b.targets()).containsExactly(6, -100, -100, 9, 1, -100);
    assertThat(b.positions()).containsExactly(0, 1, 2, 0, 1, 2);
    assertThatThrownBy(() -> TrainBatch.of(new int[5], new int[6], 2, 3))
        .hasMessageContaining("5 ids");
  }
}
