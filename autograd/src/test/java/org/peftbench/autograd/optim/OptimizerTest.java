package org.peftbench.autograd.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;

/** Optimizers against PyTorch updates on fixed gradients ({@code golden/optimizers.json}). */
class OptimizerTest {
  private static JsonNode fixture() throws Exception {
    try (InputStream in = OptimizerTest.class.getResourceAsStream("/golden/optimizers.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  private static Tensor tensor(JsonNode n) {
    JsonNode shape = n.get("shape"), data = n.get("data");
    int[] s = new int[shape.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = shape.get(i).asInt();
    }
    float[] a = new float[data.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) data.get(i).asDouble();
    }
    return Tensor.of(a, s);
  }

  private void replay(String key, Function<List<Parameter>, Optimizer> make) throws Exception {
    JsonNode fx = fixture();
    Parameter p = new Parameter("p", tensor(fx.get("init")), true);
    Optimizer opt = make.apply(List.of(p));
    JsonNode run = fx.get(key);
    for (int step = 0; step < run.get("lrs").size(); step++) {
      p.zeroGrad();
      Tensor g = tensor(fx.get("grads").get(step));
      Ops.sum(Ops.mul(p, Var.constant(g))).backward(); // grad = g exactly
      opt.step(run.get("lrs").get(step).asDouble());
      float[] want = tensor(run.get("after_each_step").get(step)).toFloatArray();
      float[] got = p.value().toFloatArray();
      for (int i = 0; i < want.length; i++) {
        assertThat(got[i])
            .as(key + " step " + step + " element " + i)
            .isCloseTo(
                want[i],
                org.assertj.core.data.Offset.offset(2e-7f * Math.max(1f, Math.abs(want[i]))));
      }
    }
  }

  @Test
  void adamWMatchesTorch() throws Exception {
    replay("adamw", ps -> new AdamW(ps, 0.8, 0.95, 1e-6, 0.1));
  }

  @Test
  void sgdVariantsMatchTorch() throws Exception {
    replay("sgd_momentum", ps -> new Sgd(ps, 0.9, 0.1, 0.01, false));
    replay("sgd_nesterov", ps -> new Sgd(ps, 0.9, 0, 0, true));
    replay("sgd_plain", ps -> new Sgd(ps, 0));
  }

  @Test
  void stateSaveAndRestoreResumesBitIdentically(@TempDir Path dir) throws Exception {
    JsonNode fx = fixture();
    for (String kind : List.of("adamw", "sgd")) {
      Function<List<Parameter>, Optimizer> make =
          ps -> kind.equals("adamw") ? new AdamW(ps) : new Sgd(ps, 0.9, 0, 0.01, true);
      Parameter straight = new Parameter("layer.w", tensor(fx.get("init")), true);
      Optimizer a = make.apply(List.of(straight));
      Parameter resumed = new Parameter("layer.w", tensor(fx.get("init")), true);
      Optimizer b = make.apply(List.of(resumed));
      Path file = dir.resolve(kind + ".safetensors");
      for (int step = 0; step < 5; step++) {
        Tensor g = tensor(fx.get("grads").get(step));
        for (Parameter p : List.of(straight, resumed)) {
          p.zeroGrad();
          Ops.sum(Ops.mul(p, Var.constant(g))).backward();
        }
        a.step(0.05);
        b.step(0.05);
        if (step == 1) {
          b.saveState(file);
          b = make.apply(List.of(resumed));
          b.loadState(file);
        }
      }
      assertThat(resumed.value().toFloatArray()).containsExactly(straight.value().toFloatArray());
      assertThat(Files.list(dir).filter(f -> f.getFileName().toString().endsWith(".tmp")))
          .isEmpty();
    }
    assertThatThrownBy(
            () ->
                new Sgd(List.of(new Parameter("layer.w", Tensor.zeros(3, 4), true)), 0.9)
                    .loadState(dir.resolve("adamw.safetensors")))
        .hasMessageContaining("adamw.safetensors")
        .hasMessageContaining("'adamw', expected 'sgd'");
    AdamW wrongShape = new AdamW(List.of(new Parameter("layer.w", Tensor.zeros(4, 3), true)));
    assertThatThrownBy(() -> wrongShape.loadState(dir.resolve("adamw.safetensors")))
        .hasMessageContaining("shape");
  }

  @Test
  void optimizerStateIsCountedByTheMemoryTrackerAndCanBeReleased() throws Exception {
    Parameter w = new Parameter("w", Tensor.zeros(1000), true);
    Ops.sum(Ops.mul(w, Var.constant(Tensor.zeros(1000)))).backward();
    AdamW opt = new AdamW(List.of(w));
    org.peftbench.autograd.Fixtures.drainGarbage();
    long before = org.peftbench.tensor.MemoryTracker.liveBytes();
    opt.step(0.1);
    assertThat(org.peftbench.tensor.MemoryTracker.liveBytes() - before).isEqualTo(2 * 4000L);
    opt.releaseState();
    assertThat(org.peftbench.tensor.MemoryTracker.liveBytes() - before).isZero();
    assertThat(opt.stepCount(w)).isZero();
  }

  @Test
  void weightDecayCanSkipBiasesAndNorms() {
    for (String name :
        List.of(
            "model.layers.0.input_layernorm.weight",
            "model.norm.weight",
            "transformer.h.0.ln_1.weight",
            "model.layers.0.self_attn.q_proj.bias")) {
      assertThat(AdamW.biasAndNormsExcluded(new Parameter(name, Tensor.zeros(1), true)))
          .as(name)
          .isFalse();
    }
    assertThat(
            AdamW.biasAndNormsExcluded(
                new Parameter(
                    "model.layers.0.self_attn.q_proj.lora_A.weight", Tensor.zeros(1), true)))
        .isTrue();
    Parameter bias = new Parameter("fc.bias", Tensor.of(new float[] {1}, 1), true);
    Parameter weight = new Parameter("fc.weight", Tensor.of(new float[] {1}, 1), true);
    AdamW opt =
        new AdamW(List.of(bias, weight), 0.9, 0.999, 1e-8, 0.5)
            .decayOnly(AdamW::biasAndNormsExcluded);
    for (Parameter p : List.of(bias, weight)) {
      Ops.sum(Ops.mul(p, Var.constant(Tensor.of(new float[] {0}, 1)))).backward(); // zero gradient
    }
    opt.step(0.1);
    assertThat(bias.value().get(0)).isEqualTo(1f);
    assertThat(weight.value().get(0)).isEqualTo(0.95f);
  }

  @Test
  void frozenAndGradlessParametersAreLeftAlone() {
    Parameter frozen = new Parameter("f", Tensor.of(new float[] {1, 2}, 2), false);
    Parameter idle = new Parameter("i", Tensor.of(new float[] {3, 4}, 2), true);
    AdamW opt = new AdamW(List.of(frozen, idle));
    assertThat(opt.parameters()).containsExactly(idle);
    opt.step(0.1);
    assertThat(idle.value().toFloatArray()).containsExactly(3, 4);
    assertThat(opt.stepCount(idle)).isZero();
    assertThatThrownBy(() -> new AdamW(List.of(idle, new Parameter("i", Tensor.zeros(1), true))))
        .hasMessageContaining("two trainable parameters are named i");
  }

  @Test
  void schedulesFollowTheHuggingFaceFormulas() {
    LrSchedule lin = LrSchedule.linear(1.0, 4, 10);
    assertThat(lin.lr(0)).isZero();
    assertThat(lin.lr(2)).isEqualTo(0.5);
    assertThat(lin.lr(4)).isEqualTo(1.0);
    assertThat(lin.lr(7)).isEqualTo(0.5);
    assertThat(lin.lr(10)).isZero();
    assertThat(lin.lr(12)).isZero();
    LrSchedule cos = LrSchedule.cosine(2.0, 2, 10);
    assertThat(cos.lr(1)).isEqualTo(1.0);
    assertThat(cos.lr(2)).isEqualTo(2.0);
    assertThat(cos.lr(6)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(cos.lr(10)).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(cos.lr(4))
        .isCloseTo(1.0 + Math.cos(Math.PI * 0.25), org.assertj.core.data.Offset.offset(1e-12));
    LrSchedule constant = LrSchedule.constant(3.0, 3);
    assertThat(constant.lr(1)).isEqualTo(1.0);
    assertThat(constant.lr(3)).isEqualTo(3.0);
    assertThat(LrSchedule.constant(3.0, 0).lr(0)).isEqualTo(3.0);
    assertThat(LrSchedule.warmupSteps(101, 0, 0.1)).isEqualTo(11);
    assertThat(LrSchedule.warmupSteps(101, 5, 0.1)).isEqualTo(5);
    assertThat(LrSchedule.byName("linear", 1, 4, 10).lr(7)).isEqualTo(0.5);
    assertThatThrownBy(() -> LrSchedule.byName("step", 1, 0, 1)).hasMessageContaining("cosine");
  }

  @Test
  void clippingScalesOnlyAboveTheLimit() {
    Parameter a = new Parameter("a", Tensor.zeros(2), true),
        b = new Parameter("b", Tensor.zeros(1), true);
    Ops.add(
            Ops.sum(Ops.mul(a, Var.constant(Tensor.of(new float[] {3, 0}, 2)))),
            Ops.sum(Ops.mul(b, Var.constant(Tensor.of(new float[] {4}, 1)))))
        .backward();
    assertThat(GradClip.clipGlobalNorm(List.of(a, b), 10)).isEqualTo(5f);
    assertThat(a.grad().get(0)).isEqualTo(3f);
    assertThat(GradClip.clipGlobalNorm(List.of(a, b), 1)).isEqualTo(5f);
    assertThat(a.grad().get(0)).isCloseTo(0.6f, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(b.grad().get(0)).isCloseTo(0.8f, org.assertj.core.data.Offset.offset(1e-6f));
  }

  @Test
  void accumulatingHalfBatchesGivesTheFullBatchGradient() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
    int[] targets = {0, 1, 1, 0};
    Parameter w = new Parameter("w", Tensor.of(new float[] {0.1f, -0.2f, 0.3f, 0.05f}, 2, 2), true);
    Ops.crossEntropy(Ops.linear(Var.constant(x), w, null), targets, -100).backward();
    float[] full = w.grad().toFloatArray();
    w.zeroGrad();
    GradAccumulation acc = new GradAccumulation(2);
    for (int half = 0; half < 2; half++) {
      Var xs = Var.constant(x.slice0(2 * half, 2 * half + 2));
      int[] ts = {targets[2 * half], targets[2 * half + 1]};
      Ops.scale(Ops.crossEntropy(Ops.linear(xs, w, null), ts, -100), acc.lossScale()).backward();
      assertThat(acc.microStep()).isEqualTo(half == 1);
    }
    float[] accumulated = w.grad().toFloatArray();
    for (int i = 0; i < full.length; i++) {
      assertThat(accumulated[i]).isCloseTo(full[i], org.assertj.core.data.Offset.offset(1e-6f));
    }
    assertThat(acc.optimizerSteps()).isEqualTo(1);
  }
}
