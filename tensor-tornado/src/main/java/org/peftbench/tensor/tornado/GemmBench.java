package org.peftbench.tensor.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * GFLOP/s of each device GEMM kernel ({@link GemmKernel}) on a Linear's forward {@code y[M,N] =
 * x[M,K]·Wᵀ} (W {@code [N,K]}, F32 or BF16), with every operand resident on the device: the kernel
 * is measured, not the host↔device copies that {@code bench matmul} (activations copied with every
 * call) includes. Run in a JVM started with the SDK's argfile:
 *
 * <pre>
 *   java @$TORNADOVM_HOME/tornado-argfile -Dtornado.recover.bailout=False \
 *       -cp harness/target/peftbench.jar:tensor-tornado/target/classes \
 *       org.peftbench.tensor.tornado.GemmBench [--peak-tflops 67] [--m 1,512,4096] \
 *       [--shapes NxK,...] [--kernels register-tiled,tiled,blocked] [--dtypes f32,bf16] \
 *       [--seconds 1]
 * </pre>
 *
 * <p>The default shapes are Llama-3-8B's projections (N×K): q/o {@code 4096×4096}, k/v {@code
 * 1024×4096}, gate/up {@code 14336×4096}, down {@code 4096×14336}, lm_head {@code 128256×4096}, for
 * M = B·T rows 1 (a decode step), 512 and 4096. Per line: kernel, dtype, M N K, milliseconds per
 * call (wall clock and TornadoVM's device kernel time), GFLOP/s from the kernel time ({@code
 * 2·M·N·K}), the share of {@code --peak-tflops} (the card's FP32 peak, e.g. 67 for an H100 SXM),
 * and the largest relative error of 64 sampled outputs against a double-precision dot product.
 * After one untimed call (it uploads the operands and compiles), calls repeat for at least {@code
 * --seconds}; the kernel time is the best single call. Large shapes need device memory: TornadoVM
 * reserves {@code -Dtornado.device.memory} (raise it, e.g. to 24GB, when a shape does not fit).
 */
public final class GemmBench {
  private GemmBench() {}

  /** Llama-3-8B's projection shapes {N, K} of {@code y = x·Wᵀ}. */
  static final int[][] LLAMA3_8B = {
    {4096, 4096}, {1024, 4096}, {14336, 4096}, {4096, 14336}, {128256, 4096}
  };

  public static void main(String[] args) {
    double peak = 0;
    double seconds = 1;
    int[] ms = {1, 512, 4096};
    List<int[]> shapes = new ArrayList<>(List.of(LLAMA3_8B));
    List<GemmKernel> kernels = List.of(GemmKernel.values());
    List<DType> dtypes = List.of(DType.F32, DType.BF16);
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value == null) {
        usage("option " + args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--peak-tflops" -> peak = Double.parseDouble(value);
        case "--seconds" -> seconds = Double.parseDouble(value);
        case "--m" -> ms = ints(value.split(","));
        case "--shapes" -> {
          shapes = new ArrayList<>();
          for (String s : value.split(",")) {
            shapes.add(ints(s.split("x")));
          }
        }
        case "--kernels" -> {
          kernels = new ArrayList<>();
          for (String s : value.split(",")) {
            kernels.add(GemmKernel.parse(s));
          }
        }
        case "--dtypes" -> {
          dtypes = new ArrayList<>();
          for (String s : value.split(",")) {
            dtypes.add(DType.valueOf(s.trim().toUpperCase(Locale.ROOT)));
          }
        }
        default -> usage("unknown option " + args[i]);
      }
      i++;
    }
    TornadoBackend backend = TornadoBackend.open(); // the runtime's options and the probe
    System.out.println(
        "# device "
            + backend.deviceName()
            + (peak > 0 ? String.format(Locale.ROOT, ", peak %.1f TFLOP/s", peak) : ""));
    System.out.println("# kernel dtype M N K wall_ms kernel_ms GFLOP/s %peak max_rel_err");
    for (int[] nk : shapes) {
      for (int m : ms) {
        for (DType dtype : dtypes) {
          for (GemmKernel kernel : kernels) {
            System.out.println(run(kernel, dtype, m, nk[0], nk[1], seconds, peak));
          }
        }
      }
    }
  }

  private static int[] ints(String[] parts) {
    int[] v = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      v[i] = Integer.parseInt(parts[i].trim());
    }
    return v;
  }

  private static void usage(String problem) {
    System.err.println(
        "GemmBench: "
            + problem
            + "\nusage: GemmBench [--peak-tflops T] [--m 1,512,4096] [--shapes NxK,...]"
            + " [--kernels register-tiled,tiled,blocked] [--dtypes f32,bf16] [--seconds S]");
    System.exit(2);
  }

  /** One measurement line. */
  static String run(
      GemmKernel kernel, DType dtype, int m, int n, int k, double seconds, double peak) {
    SplittableRandom rnd = new SplittableRandom(42L * m + n + k);
    FloatArray a = new FloatArray(m * k);
    for (int i = 0; i < m * k; i++) {
      a.set(i, (float) (rnd.nextDouble() * 2 - 1));
    }
    float scale = (float) (1 / Math.sqrt(k));
    long wn = (long) n * k;
    FloatArray wF32 = null;
    ShortArray wBits = null;
    FloatArray decode = null;
    if (dtype == DType.F32) {
      wF32 = new FloatArray((int) wn);
      for (int i = 0; i < wn; i++) {
        wF32.set(i, (float) (rnd.nextDouble() * 2 - 1) * scale);
      }
    } else {
      wBits = new ShortArray((int) wn);
      for (int i = 0; i < wn; i++) {
        float v = (float) (rnd.nextDouble() * 2 - 1) * scale;
        wBits.set(i, dtype == DType.BF16 ? Half.floatToBf16(v) : Half.floatToF16(v));
      }
      decode = DeviceBuffers.decodeTable(dtype);
    }
    FloatArray c = new FloatArray(m * n);
    IntArray dims = IntArray.fromArray(new int[] {m, n, k, k, 1, 1, k, 0});
    TaskGraph g = new TaskGraph("bench");
    if (wBits != null) {
      g = g.transferToDevice(DataTransferMode.FIRST_EXECUTION, a, wBits, decode, dims);
      g = kernel.add16(g, "mm", a, wBits, decode, c, dims);
    } else {
      g = g.transferToDevice(DataTransferMode.FIRST_EXECUTION, a, wF32, dims);
      g = kernel.addF32(g, "mm", a, wF32, c, dims);
    }
    g = g.transferToHost(DataTransferMode.UNDER_DEMAND, c);
    KernelPlan plan = kernel.size(kernel.group(new KernelPlan(g, "bench"), "mm"), "mm", m, n);
    try {
      TornadoExecutionResult first = plan.runProfiled();
      first.transferToHost(c);
      double err = sampledError(a, wF32, wBits, decode, c, m, n, k, rnd);
      long bestKernelNs = Long.MAX_VALUE;
      int calls = 0;
      long start = System.nanoTime(), elapsed;
      do {
        TornadoExecutionResult r = plan.runProfiled();
        long ns = r.getProfilerResult().getDeviceKernelTime();
        if (ns > 0) {
          bestKernelNs = Math.min(bestKernelNs, ns);
        }
        calls++;
        elapsed = System.nanoTime() - start;
      } while (elapsed < seconds * 1e9);
      double wallMs = elapsed / 1e6 / calls;
      double kernelMs = bestKernelNs == Long.MAX_VALUE ? wallMs : bestKernelNs / 1e6;
      double gflops = 2.0 * m * n * k / (kernelMs * 1e6);
      return String.format(
          Locale.ROOT,
          "%s %s %d %d %d %.3f %.3f %.1f %s %.2g",
          kernel.property,
          dtype.name().toLowerCase(Locale.ROOT),
          m,
          n,
          k,
          wallMs,
          kernelMs,
          gflops,
          peak > 0 ? String.format(Locale.ROOT, "%.1f%%", gflops / (peak * 10)) : "-",
          err);
    } finally {
      plan.free();
    }
  }

  /** The largest |c − ref| / Σ|a||w| over 64 random outputs, ref a dot product in double. */
  private static double sampledError(
      FloatArray a,
      FloatArray wF32,
      ShortArray wBits,
      FloatArray decode,
      FloatArray c,
      int m,
      int n,
      int k,
      SplittableRandom rnd) {
    double worst = 0;
    for (int s = 0; s < 64; s++) {
      int i = rnd.nextInt(m), j = rnd.nextInt(n);
      double sum = 0, abs = 0;
      for (int p = 0; p < k; p++) {
        int at = j * k + p;
        double w = wF32 != null ? wF32.get(at) : decode.get(wBits.get(at) & 0xFFFF);
        double x = a.get(i * k + p);
        sum += x * w;
        abs += Math.abs(x * w);
      }
      worst = Math.max(worst, Math.abs(c.get(i * n + j) - sum) / Math.max(abs, 1e-30));
    }
    return worst;
  }
}
