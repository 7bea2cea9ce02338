package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.Tensor;

/**
 * {@link Ops#lstm} in both directions against {@code torch.nn.LSTM(bidirectional=True,
 * batch_first=True)} ({@code golden/lstm.json} from {@code tools/gen_autograd_golden.py}): outputs,
 * input gradient and every weight gradient.
 */
class LstmGoldenTest {
  @Test
  void bidirectionalLstmMatchesTorch() throws Exception {
    JsonNode fx;
    try (InputStream in = getClass().getResourceAsStream("/golden/lstm.json")) {
      fx = new ObjectMapper().readTree(in);
    }
    Map<String, Parameter> p = new HashMap<>();
    fx.get("params")
        .properties()
        .forEach(e -> p.put(e.getKey(), new Parameter(e.getKey(), tensor(e.getValue()), true)));
    Parameter x = new Parameter("x", tensor(fx.get("x")), true);
    Var forward =
        Ops.lstm(
            x,
            p.get("weight_ih_l0"),
            p.get("weight_hh_l0"),
            p.get("bias_ih_l0"),
            p.get("bias_hh_l0"),
            false);
    Var backward =
        Ops.lstm(
            x,
            p.get("weight_ih_l0_reverse"),
            p.get("weight_hh_l0_reverse"),
            p.get("bias_ih_l0_reverse"),
            p.get("bias_hh_l0_reverse"),
            true);
    Var out = Ops.concat(-1, forward, backward);
    close(out.value(), tensor(fx.get("out")), "output");
    Ops.sum(Ops.mul(out, Var.constant(tensor(fx.get("out_weights"))))).backward();
    close(x.grad(), tensor(fx.get("x_grad")), "x grad");
    fx.get("param_grads")
        .properties()
        .forEach(e -> close(p.get(e.getKey()).grad(), tensor(e.getValue()), e.getKey() + " grad"));
  }

  private static void close(Tensor got, Tensor want, String what) {
    assertThat(got.shape()).as(what).containsExactly(want.shape());
    for (int i = 0; i < want.size(); i++) {
      assertThat(got.get(i))
          .as(what + "[" + i + "]")
          .isCloseTo(
              want.get(i),
              org.assertj.core.data.Offset.offset(2e-6f * Math.max(1f, Math.abs(want.get(i)))));
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
}
