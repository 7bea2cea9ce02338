package org.peftbench.tensor.tornado;

import java.util.List;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.RopeTable;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The host side of the row-wise kernels ({@link RowKernels}): softmax, RMSNorm forward and backward
 * (the backward plan runs its input-gradient and weight-gradient kernels back to back on the
 * device), and RoPE, whose cos/sin tables are uploaded once per table.
 */
final class RowOps {
  private final Plans plans;

  RowOps(Plans plans) {
    this.plans = plans;
  }

  private record RowPlan(KernelPlan plan, FloatArray x, IntArray dims, FloatArray out) {}

  // out[N,C] = softmax(x) row-wise; out may alias x
  void softmax(Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols(), n = x.size();
    if (n == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(n);
    RowPlan p =
        plans.get(
            List.of("softmax", cap),
            () -> {
              FloatArray xs = new FloatArray(cap), o = new FloatArray(cap);
              IntArray dims = new IntArray(2);
              TaskGraph g =
                  new TaskGraph("softmax")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, dims)
                      .task("rows", RowKernels::softmax, new KernelContext(), xs, dims, o)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o);
              return new RowPlan(new KernelPlan(g, "softmax", "rows"), xs, dims, o);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.putInts(new int[] {rows, cols}, p.dims);
    plans.run(p.plan.size1D("rows", rows));
    DeviceBuffers.get(p.out, out);
  }

  private record NormPlan(
      KernelPlan plan,
      FloatArray x,
      FloatArray weight,
      FloatArray rstd,
      FloatArray dy,
      IntArray dims,
      FloatArray params,
      FloatArray out,
      FloatArray dWeight) {}

  // out[N,C] = x·rstd·weight, rstd[N]
  void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    if (x.size() == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(x.size()), capRows = DeviceBuffers.capacity(rows);
    int capC = DeviceBuffers.capacity(cols);
    NormPlan p =
        plans.get(
            List.of("rmsNorm", cap, capRows, capC),
            () -> {
              FloatArray xs = new FloatArray(cap), w = new FloatArray(capC);
              FloatArray rs = new FloatArray(capRows), o = new FloatArray(cap);
              FloatArray params = new FloatArray(1);
              IntArray dims = new IntArray(2);
              TaskGraph g =
                  new TaskGraph("rmsNorm")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, w, dims, params)
                      .task(
                          "rows",
                          RowKernels::rmsNorm,
                          new KernelContext(),
                          xs,
                          w,
                          dims,
                          params,
                          o,
                          rs)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o, rs);
              return new NormPlan(
                  new KernelPlan(g, "rmsNorm", "rows"), xs, w, rs, null, dims, params, o, null);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.put(weight, p.weight);
    DeviceBuffers.putInts(new int[] {rows, cols}, p.dims);
    p.params.set(0, eps);
    plans.run(p.plan.size1D("rows", rows));
    DeviceBuffers.get(p.out, out);
    if (rstd != null) {
      DeviceBuffers.get(p.rstd, rstd);
    }
  }

  // dx (+)= ∂out/∂x · dy, dWeight += Σ_rows dy·x·rstd
  void rmsNormBackward(
      Tensor x,
      Tensor weight,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight) {
    int rows = x.rows(), cols = x.cols();
    if (x.size() == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(x.size()), capRows = DeviceBuffers.capacity(rows);
    int capC = DeviceBuffers.capacity(cols);
    NormPlan p =
        plans.get(
            List.of("rmsNormBackward", cap, capRows, capC),
            () -> {
              FloatArray xs = new FloatArray(cap), w = new FloatArray(capC);
              FloatArray rs = new FloatArray(capRows), g = new FloatArray(cap);
              FloatArray o = new FloatArray(cap), dw = new FloatArray(capC);
              IntArray dims = new IntArray(3);
              TaskGraph tg =
                  new TaskGraph("rmsNormBackward")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, w, rs, g, dims, o, dw)
                      .task(
                          "input",
                          RowKernels::rmsNormBackwardInput,
                          new KernelContext(),
                          xs,
                          w,
                          rs,
                          g,
                          dims,
                          o)
                      .task(
                          "weight",
                          RowKernels::rmsNormBackwardWeight,
                          new KernelContext(),
                          xs,
                          rs,
                          g,
                          dims,
                          dw)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o, dw);
              return new NormPlan(
                  new KernelPlan(tg, "rmsNormBackward", "input", "weight"),
                  xs,
                  w,
                  rs,
                  g,
                  dims,
                  null,
                  o,
                  dw);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.put(weight, p.weight);
    DeviceBuffers.put(rstd, p.rstd);
    DeviceBuffers.put(dy, p.dy);
    if (accumulate) {
      DeviceBuffers.put(dx, p.out);
    }
    if (dWeight != null) {
      DeviceBuffers.put(dWeight, p.dWeight);
    }
    DeviceBuffers.putInts(new int[] {rows, cols, accumulate ? 1 : 0}, p.dims);
    p.plan.size1D("input", rows).size1D("weight", cols);
    plans.run(p.plan);
    DeviceBuffers.get(p.out, dx);
    if (dWeight != null) {
      DeviceBuffers.get(p.dWeight, dWeight);
    }
  }

  private record RopePlan(KernelPlan plan, FloatArray x, IntArray positions, IntArray dims) {}

  // x[N,H,D] rotated in place by the angles of positions[N]
  void rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
    int d = x.dim(-1), heads = x.dim(-2), rows = x.size() / (heads * d);
    if (d != table.headDim() || positions.length != rows) {
      throw new IllegalArgumentException(
          "rope on "
              + x
              + " with "
              + positions.length
              + " positions and head dim "
              + table.headDim());
    }
    for (int p : positions) {
      if (p < 0 || p >= table.maxPositions()) {
        throw new IllegalArgumentException(
            "rope position " + p + " outside the table's " + table.maxPositions() + " positions");
      }
    }
    if (rows == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(x.size()), capRows = DeviceBuffers.capacity(rows);
    RopePlan p =
        plans.get(
            List.of("rope", new IdentityKey(table), cap, capRows),
            () -> {
              FloatArray xs = new FloatArray(cap);
              IntArray pos = new IntArray(capRows), dims = new IntArray(4);
              FloatArray cos = FloatArray.fromArray(table.cosTable());
              FloatArray sin = FloatArray.fromArray(table.sinTable());
              TaskGraph g =
                  new TaskGraph("rope")
                      .transferToDevice(DataTransferMode.FIRST_EXECUTION, cos, sin)
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, pos, dims)
                      .task("rot", RowKernels::rope, new KernelContext(), xs, pos, cos, sin, dims)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, xs);
              return new RopePlan(new KernelPlan(g, "rope", "rot"), xs, pos, dims);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.putInts(positions, p.positions);
    DeviceBuffers.putInts(new int[] {rows, heads, d, inverse ? 1 : 0}, p.dims);
    plans.run(p.plan.size1D("rot", rows * heads * (d / 2)));
    DeviceBuffers.get(p.x, x);
  }

  /** Equality by object identity (for keys holding objects without value equality). */
  private record IdentityKey(Object object) {
    @Override
    public boolean equals(Object o) {
      return o instanceof IdentityKey k && k.object == object;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(object);
    }
  }
}
