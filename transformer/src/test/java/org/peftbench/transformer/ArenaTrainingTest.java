package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.TensorArena;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;

/**
 * Training steps inside a {@link TensorArena} (closed tensors' arrays reused) give bit-identical
 * losses and weights to steps without one: nothing the engine closes is read afterwards.
 */
class ArenaTrainingTest {
  /** A LoRA layer over a frozen base linear (as PEFT's LoraLinear builds it, without peft). */
  private record Lora(Linear base, Parameter a, Parameter b) implements LinearLayer {
    @Override
    public Var forward(Var x) {
      return Ops.loraLinear(x, base.weight(), base.bias(), a, b, 2f);
    }

    @Override
    public int inFeatures() {
      return base.inFeatures();
    }

    @Override
    public int outFeatures() {
      return base.outFeatures();
    }
  }

  private static List<Parameter> loraOnEveryLayer(CausalLM m) {
    SplittableRandom rnd = new SplittableRandom(7);
    List<Parameter> params = new ArrayList<>();
    for (var e : m.linears().entrySet()) {
      if (e.getKey().equals("lm_head") || !(e.getValue().base() instanceof Linear lin)) {
        continue;
      }
      int r = 2;
      Parameter a = new Parameter(e.getKey() + ".A", random(rnd, r, lin.inFeatures()), true);
      Parameter b = new Parameter(e.getKey() + ".B", random(rnd, lin.outFeatures(), r), true);
      e.getValue().set(new Lora(lin, a, b));
      params.add(a);
      params.add(b);
    }
    return params;
  }

  private static Tensor random(SplittableRandom rnd, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextDouble() - 0.5) * 0.5f;
    }
    return Tensor.of(v, rows, cols);
  }

  private static List<float[]> train(
      String fixture, boolean checkpointing, boolean hidden, boolean lora, boolean arena)
      throws Exception {
    GoldenTest.Fixture f = GoldenTest.Fixture.load(fixture);
    List<float[]> out = new ArrayList<>();
    try (CausalLM m = CausalLM.load(f.dir())) {
      m.setGradientCheckpointing(checkpointing);
      List<Parameter> params;
      if (lora) {
        params = loraOnEveryLayer(m);
      } else {
        params = new ArrayList<>(m.parameters().values());
        for (Parameter p : params) {
          p.setValue(p.value().toF32());
          p.setTrainable(true);
        }
      }
      AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.01);
      float[] losses = new float[4];
      TensorArena a = arena ? TensorArena.open() : null;
      try {
        for (int step = 0; step < losses.length; step++) {
          Var loss =
              hidden
                  ? LanguageModelLoss.lossFromHidden(
                      m, m.forwardHidden(GoldenTest.input(m, f)), f.labels())
                  : LanguageModelLoss.loss(m, f.ids(), f.mask(), f.labels(), f.batch(), f.time());
          losses[step] = loss.item();
          loss.backward();
          opt.step(1e-2);
          opt.zeroGrad();
        }
        if (a != null) {
          assertThat(a.reusedArrays()).as("arrays reused").isPositive();
        }
      } finally {
        if (a != null) {
          a.close();
        }
      }
      out.add(losses);
      for (Parameter p : params) {
        out.add(p.value().toFloatArray());
      }
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({
    "llama, false, false, false",
    "llama, true, true, false",
    "llama, false, true, true",
    "llama_bf16, true, true, true",
    "qwen3, false, true, false",
    "qwen3, true, false, false",
    "qwen2, false, true, true",
    "gpt2, false, true, false"
  })
  void stepsInAnArenaMatchStepsWithout(
      String fixture, boolean checkpointing, boolean hidden, boolean lora) throws Exception {
    List<float[]> plain = train(fixture, checkpointing, hidden, lora, false);
    List<float[]> pooled = train(fixture, checkpointing, hidden, lora, true);
    assertThat(pooled).hasSameSizeAs(plain);
    for (int i = 0; i < plain.size(); i++) {
      assertThat(pooled.get(i)).as("tensor " + i).containsExactly(plain.get(i));
    }
    assertThat(plain.get(0)[3]).isLessThan(plain.get(0)[0]);
  }
}
