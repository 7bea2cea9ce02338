package org.peftbench.tensor.tornado;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.SplittableRandom;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.cpu.CpuBackend;

/**
 * Milliseconds per forward of one Llama decoder layer (random weights stored like a mapped
 * checkpoint) three ways: the CPU backend op by op, the TornadoVM backend op by op (each op copies
 * its activations in and out), and the TornadoVM backend's chained layer (one task graph, weights
 * resident, activations on the device). Run by {@code bench/tornado_vs_cpu.sh} in a JVM started
 * with the SDK's argfile:
 *
 * <pre>
 *   java @$TORNADOVM_HOME/tornado-argfile ... org.peftbench.tensor.tornado.LayerBench \
 *       B T C F Hq Hkv D f32|bf16|f16 [seconds per measurement]
 * </pre>
 *
 * Prints one line: {@code B T C F Hq Hkv D dtype cpu_ms tornado_per_op_ms tornado_chained_ms
 * tornado_chained_kv_ms} (the last: chained, also fetching keys and values as a KV-cache prefill
 * does): after 2 untimed warm-up calls each (they compile the kernels), 5 rounds that time the
 * three ways in turn, each repeating the forward for at least the given seconds; the best round of
 * each is reported (on a shared machine the other jobs only ever add time, and taking turns exposes
 * the three ways to the same load).
 */
public final class LayerBench {
  private LayerBench() {}

  public static void main(String[] args) {
    if (args.length < 8) {
      System.err.println("usage: LayerBench B T C F Hq Hkv D f32|bf16|f16 [seconds]");
      System.exit(2);
    }
    int[] n = new int[7];
    for (int i = 0; i < 7; i++) {
      n[i] = Integer.parseInt(args[i]);
    }
    DType dtype = DType.valueOf(args[7].toUpperCase(Locale.ROOT));
    double seconds = args.length > 8 ? Double.parseDouble(args[8]) : 1.0;
    int b = n[0], t = n[1], c = n[2], f = n[3], hq = n[4], hkv = n[5], d = n[6];
    SplittableRandom rnd = new SplittableRandom(42);
    try (Arena arena = Arena.ofShared()) {
      LlamaLayer layer =
          new LlamaLayer(
              weight(rnd, arena, dtype, 1f, c),
              weight(rnd, arena, dtype, c, hq * d, c),
              weight(rnd, arena, dtype, c, hkv * d, c),
              weight(rnd, arena, dtype, c, hkv * d, c),
              weight(rnd, arena, dtype, hq * d, c, hq * d),
              weight(rnd, arena, dtype, 1f, c),
              weight(rnd, arena, dtype, c, f, c),
              weight(rnd, arena, dtype, c, f, c),
              weight(rnd, arena, dtype, f, c, f),
              hq,
              hkv,
              d,
              1e-5f);
      int[] positions = new int[b * t];
      for (int i = 0; i < positions.length; i++) {
        positions[i] = i % t;
      }
      RopeTable rope = new RopeTable(d, t, 10000.0, null);
      LlamaLayer.Input in =
          new LlamaLayer.Input(b, t, positions, rope, (float) (1 / Math.sqrt(d)), null);
      Tensor x = Tensor.zeros(b, t, c), out = Tensor.zeros(b, t, c);
      float[] xs = x.array();
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) (rnd.nextDouble() * 2 - 1);
      }
      CpuBackend cpu = new CpuBackend();
      TornadoBackend tornado = TornadoBackend.open();
      System.err.println("LayerBench: TornadoVM device " + tornado.deviceName());
      Tensor keys = Tensor.zeros(b, t, hkv, d), values = Tensor.zeros(b, t, hkv, d);
      Runnable[] ways = {
        () -> layer.forwardPerOp(cpu, in, x, out),
        () -> layer.forwardPerOp(tornado, in, x, out),
        () -> tornado.llamaLayerForward(layer, in, x, out),
        () -> tornado.llamaLayerForward(layer, in, x, out, keys, values)
      };
      double[] best = new double[ways.length];
      java.util.Arrays.fill(best, Double.MAX_VALUE);
      for (Runnable way : ways) {
        way.run();
        way.run();
      }
      for (int round = 0; round < 5; round++) {
        for (int i = 0; i < ways.length; i++) {
          best[i] = Math.min(best[i], time(ways[i], seconds));
        }
      }
      double cpuMs = best[0], perOpMs = best[1], chainedMs = best[2], prefillMs = best[3];
      System.out.printf(
          Locale.ROOT,
          "%d %d %d %d %d %d %d %s %.3f %.3f %.3f %.3f%n",
          b,
          t,
          c,
          f,
          hq,
          hkv,
          d,
          args[7].toLowerCase(Locale.ROOT),
          cpuMs,
          perOpMs,
          chainedMs,
          prefillMs);
    }
  }

  /** Milliseconds per call, repeating the call for at least {@code seconds}. */
  private static double time(Runnable call, double seconds) {
    long start = System.nanoTime(), elapsed;
    int calls = 0;
    do {
      call.run();
      calls++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < seconds * 1e9);
    return elapsed / 1e6 / calls;
  }

  /** A weight in an off-heap segment of {@code dtype}, like a mapped checkpoint tensor. */
  private static Tensor weight(
      SplittableRandom rnd, Arena arena, DType dtype, float fanIn, int... shape) {
    long count = 1;
    for (int s : shape) {
      count *= s;
    }
    MemorySegment seg = arena.allocate(count * dtype.byteSize(), 64);
    Tensor w = Tensor.ofSegment(seg, dtype, shape);
    double scale = shape.length == 1 ? 0.1 : 1 / Math.sqrt(fanIn);
    for (long i = 0; i < count; i++) {
      double v = (rnd.nextDouble() * 2 - 1) * scale;
      w.set(i, (float) (shape.length == 1 ? 1 + v : v));
    }
    return w;
  }
}
