package org.peftbench.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.MemoryTracker;

/** Checkpointing every layer of a deep stack lowers the training memory peak. */
class CheckpointMemoryTest {
  private static final int LAYERS = 8, ROWS = 256, C = 64;

  @Test
  void checkpointedLayersPeakLowerWithTheSameGradients() throws Exception {
    Fixtures f = new Fixtures(5);
    List<Parameter> params = new ArrayList<>();
    List<Function<Var, Var>> layers = new ArrayList<>();
    for (int l = 0; l < LAYERS; l++) {
      Parameter norm = f.param("norm" + l, C), up = f.param("up" + l, 4 * C, C);
      Parameter down = f.param("down" + l, C, 4 * C);
      params.addAll(List.of(norm, up, down));
      layers.add(
          x ->
              Ops.add(
                  x,
                  Ops.scale(
                      Ops.linear(
                          Ops.silu(Ops.linear(Ops.rmsNorm(x, norm, 1e-5f), up, null)), down, null),
                      0.1f)));
    }
    Var input = Var.constant(f.rand(ROWS, C));
    long plain = peak(params, layers, input, false);
    List<float[]> plainGrads = params.stream().map(p -> p.grad().toFloatArray()).toList();
    long checkpointed = peak(params, layers, input, true);
    System.out.printf(
        "checkpointing %d layers: peak %d KiB -> %d KiB%n",
        LAYERS, plain >> 10, checkpointed >> 10);
    assertThat(checkpointed).isLessThan(plain / 2);
    for (int i = 0; i < params.size(); i++) {
      assertThat(params.get(i).grad().toFloatArray()).containsExactly(plainGrads.get(i));
    }
  }

  private static long peak(
      List<Parameter> params, List<Function<Var, Var>> layers, Var input, boolean checkpoint)
      throws InterruptedException {
    params.forEach(Parameter::zeroGrad);
    Fixtures.drainGarbage();
    long start = MemoryTracker.liveBytes();
    MemoryTracker.resetPeak();
    Var h = input;
    for (Function<Var, Var> layer : layers) {
      h = checkpoint ? Checkpoint.apply(layer, h) : layer.apply(h);
    }
    Ops.mean(Ops.mul(h, h)).backward();
    return MemoryTracker.peakBytes() - start;
  }
}
