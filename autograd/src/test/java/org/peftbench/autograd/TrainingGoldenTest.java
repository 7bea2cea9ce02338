package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.LrSchedule;
import org.peftbench.autograd.optim.TrainStep;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.RopeTable;

/**
 * Trains the network of {@code tools/gen_autograd_golden.py} (a Llama block with LoRA on q and v;
 * AdamW, cosine schedule with warmup, clipping, accumulation) and compares with PyTorch float32.
 *
 * <p>Tolerance 1e-5 relative: losses elementwise, final parameters as {@code max|Δ| / max|ref|} per
 * tensor. Both sides compute in float32 with different summation orders, which leaves differences
 * around 1e-7..1e-6.
 */
class TrainingGoldenTest {
  private static final double TOL = 1e-5;

  private final Map<String, Parameter> p = new LinkedHashMap<>();
  private JsonNode cfg;

  @Test
  void matchesPyTorchOnEveryBackend() throws Exception {
    org.peftbench.tensor.backend.Backend original = org.peftbench.tensor.backend.Backends.current();
    try {
      for (String name : List.of("scalar", "cpu")) {
        org.peftbench.tensor.backend.Backends.use(
            org.peftbench.tensor.backend.Backends.byName(name));
        System.out.println("golden: backend " + name);
        p.clear();
        trainAndCompare();
      }
    } finally {
      org.peftbench.tensor.backend.Backends.use(original);
    }
  }

  private void trainAndCompare() throws Exception {
    JsonNode fx;
    try (InputStream in = getClass().getResourceAsStream("/golden/lora_block.json")) {
      fx = new ObjectMapper().readTree(in);
    }
    cfg = fx.get("config");
    List<String> trainable =
        List.of("norm1", "norm2", "normf", "q_lora_a", "q_lora_b", "v_lora_a", "v_lora_b");
    fx.get("init")
        .properties()
        .forEach(
            e ->
                p.put(
                    e.getKey(),
                    new Parameter(
                        e.getKey(), tensor(e.getValue()), trainable.contains(e.getKey()))));
    List<Parameter> params = new ArrayList<>();
    for (String name : trainable) {
      params.add(p.get(name));
    }
    int steps = cfg.get("steps").asInt(), accumSteps = cfg.get("accum").asInt();
    AdamW opt =
        new AdamW(
            params,
            cfg.get("beta1").asDouble(),
            cfg.get("beta2").asDouble(),
            cfg.get("adam_eps").asDouble(),
            cfg.get("weight_decay").asDouble());
    LrSchedule schedule =
        LrSchedule.cosine(cfg.get("lr").asDouble(), cfg.get("warmup").asInt(), steps);
    // the production training step (accumulation, clipping, schedule, AdamW) against PyTorch
    TrainStep trainStep =
        new TrainStep(opt, schedule, cfg.get("max_norm").asDouble(), accumSteps, 0);
    List<JsonNode> batches = new ArrayList<>();
    fx.get("batches").forEach(batches::add);
    assertThat(batches).hasSize(steps * accumSteps);
    for (int step = 0; step < steps; step++) {
      int first = step * accumSteps;
      TrainStep.Result r =
          trainStep.run(
              step,
              m -> {
                JsonNode batch = batches.get(first + m);
                Var loss = forward(ints(batch.get("ids")), ints(batch.get("targets")));
                double expected = fx.get("losses").get(first + m).asDouble();
                assertThat(loss.item())
                    .as("loss of micro-batch " + (first + m))
                    .isCloseTo(
                        (float) expected,
                        org.assertj.core.data.Percentage.withPercentage(TOL * 100));
                System.out.printf(
                    "golden loss %d: %.9f vs torch %.9f%n", first + m, loss.item(), expected);
                return loss;
              });
      assertThat(r.failed()).isFalse();
      assertThat(r.gradNorm())
          .as("grad norm at step " + step)
          .isCloseTo(
              fx.get("grad_norms").get(step).asDouble(),
              org.assertj.core.data.Percentage.withPercentage(TOL * 100));
      assertThat(r.lr())
          .isCloseTo(
              fx.get("lrs").get(step).asDouble(), org.assertj.core.data.Offset.offset(1e-15));
    }
    fx.get("final")
        .properties()
        .forEach(
            e -> {
              float[] ref = tensor(e.getValue()).toFloatArray();
              float[] got = p.get(e.getKey()).value().toFloatArray();
              double maxRef = 0, maxDiff = 0;
              for (int i = 0; i < ref.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
                maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
              }
              System.out.printf(
                  "golden %s: max relative error %.2e%n", e.getKey(), maxDiff / maxRef);
              assertThat(maxDiff / maxRef)
                  .as("relative error of " + e.getKey())
                  .isLessThanOrEqualTo(TOL);
              // and the training moved the parameter (the comparison is not vacuous)
              float[] init = tensor(fx.get("init").get(e.getKey())).toFloatArray();
              assertThat(got).isNotEqualTo(init);
            });
  }

  private Var forward(int[] ids, int[] targets) {
    int b = cfg.get("B").asInt(), t = cfg.get("T").asInt(), c = cfg.get("C").asInt();
    int hq = cfg.get("HQ").asInt(), hkv = cfg.get("HKV").asInt(), d = cfg.get("D").asInt();
    float eps = (float) cfg.get("eps").asDouble();
    float scale = (float) (cfg.get("alpha").asDouble() / cfg.get("R").asDouble());
    Var h = Ops.reshape(Ops.embedding(p.get("embed"), ids), b, t, c);
    Var x = Ops.rmsNorm(h, p.get("norm1"), eps);
    Var q =
        Ops.add(
            Ops.linear(x, p.get("wq"), null),
            Ops.scale(
                Ops.linear(Ops.linear(x, p.get("q_lora_a"), null), p.get("q_lora_b"), null),
                scale));
    Var k = Ops.linear(x, p.get("wk"), null);
    Var v =
        Ops.add(
            Ops.linear(x, p.get("wv"), null),
            Ops.scale(
                Ops.linear(Ops.linear(x, p.get("v_lora_a"), null), p.get("v_lora_b"), null),
                scale));
    RopeTable rope = new RopeTable(d, t, cfg.get("theta").asDouble(), null);
    int[] pos = new int[b * t];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = i % t;
    }
    q = Ops.rope(Ops.reshape(q, b, t, hq, d), pos, rope);
    k = Ops.rope(Ops.reshape(k, b, t, hkv, d), pos, rope);
    v = Ops.reshape(v, b, t, hkv, d);
    Var att = Ops.attention(q, k, v, AttentionMask.causalSelf(), (float) (1 / Math.sqrt(d)));
    Var h2 = Ops.add(h, Ops.linear(Ops.reshape(att, b, t, hq * d), p.get("wo"), null));
    Var x2 = Ops.rmsNorm(h2, p.get("norm2"), eps);
    Var mlp =
        Ops.linear(
            Ops.mul(Ops.silu(Ops.linear(x2, p.get("wg"), null)), Ops.linear(x2, p.get("wu"), null)),
            p.get("wd"),
            null);
    Var h3 = Ops.add(h2, mlp);
    Var logits = Ops.linear(Ops.rmsNorm(h3, p.get("normf"), eps), p.get("lm_head"), null);
    return Ops.crossEntropy(Ops.reshape(logits, b * t, -1), targets, -100);
  }

  private static Tensor tensor(JsonNode n) {
    int[] shape = ints(n.get("shape"));
    JsonNode data = n.get("data");
    float[] a = new float[data.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) data.get(i).asDouble();
    }
    return Tensor.of(a, shape);
  }

  private static int[] ints(JsonNode n) {
    int[] a = new int[n.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = n.get(i).asInt();
    }
    return a;
  }
}
