package org.peftbench.tensor.tornado;

import java.util.List;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The host side of the device attention ({@link AttentionKernels}): fills the plan's buffers with
 * q, k, v, the mask (as dims and a padding array) and the scale, runs the kernels, and maps the
 * kernels' stand-in for a fully masked row's log-sum-exp to and from {@code −∞}. The backward plan
 * chains its two kernels on the device (Δ never leaves it).
 */
final class AttentionOps {
  private final Plans plans;
  private final CpuBackend cpu;

  AttentionOps(Plans plans, CpuBackend cpu) {
    this.plans = plans;
    this.cpu = cpu;
  }

  private record AttentionPlan(
      KernelPlan plan,
      FloatArray q,
      FloatArray k,
      FloatArray v,
      IntArray padding,
      IntArray dims,
      FloatArray params,
      FloatArray out,
      FloatArray lse,
      FloatArray dOut,
      FloatArray dq,
      FloatArray dk,
      FloatArray dv) {}

  /** The mask and shapes as the kernels' dims: {B,T,Hq,D,S,Hkv,keys,prefix,offset,causal}. */
  private static int[] attentionDims(Tensor q, Tensor k, Tensor v, Tensor out, AttentionMask mask) {
    int keys = mask.keys(k.dim(1));
    Checks.attention(q, k, v, out, keys);
    return new int[] {
      q.dim(0),
      q.dim(1),
      q.dim(2),
      q.dim(3),
      k.dim(1),
      k.dim(2),
      keys,
      mask.prefix(),
      mask.queryOffset(),
      mask.causal() ? 1 : 0
    };
  }

  private static void putPadding(AttentionMask mask, int count, IntArray dst) {
    boolean[] pad = mask.keyPadding();
    for (int i = 0; i < count; i++) {
      dst.set(i, pad != null && pad[i] ? 1 : 0);
    }
  }

  // out[B,T,Hq,D] = softmax(q·kᵀ·scale, masked)·v, lse[B,Hq,T]
  void forward(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    int[] dims = attentionDims(q, k, v, out, mask);
    int rows = q.dim(0) * q.dim(2) * q.dim(1);
    if (rows == 0) {
      return;
    }
    int capQ = DeviceBuffers.capacity(q.size()), capK = DeviceBuffers.capacity(k.size());
    int capPad = DeviceBuffers.capacity(k.dim(0) * k.dim(1)),
        capRows = DeviceBuffers.capacity(rows);
    AttentionPlan p =
        plans.get(
            List.of("attention", capQ, capK, capPad, capRows),
            () -> {
              FloatArray qs = new FloatArray(capQ), ks = new FloatArray(capK);
              FloatArray vs = new FloatArray(capK), o = new FloatArray(capQ);
              FloatArray l = new FloatArray(capRows), params = new FloatArray(1);
              IntArray pad = new IntArray(capPad), dm = new IntArray(10);
              TaskGraph g =
                  new TaskGraph("attention")
                      .transferToDevice(
                          DataTransferMode.EVERY_EXECUTION, qs, ks, vs, pad, dm, params)
                      .task(
                          "rows",
                          AttentionKernels::forward,
                          new KernelContext(),
                          qs,
                          ks,
                          vs,
                          pad,
                          dm,
                          params,
                          o,
                          l)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o, l);
              return new AttentionPlan(
                  new KernelPlan(g, "attention", "rows"),
                  qs,
                  ks,
                  vs,
                  pad,
                  dm,
                  params,
                  o,
                  l,
                  null,
                  null,
                  null,
                  null);
            });
    DeviceBuffers.put(q, p.q);
    DeviceBuffers.put(k, p.k);
    DeviceBuffers.put(v, p.v);
    putPadding(mask, k.dim(0) * k.dim(1), p.padding);
    DeviceBuffers.putInts(dims, p.dims);
    p.params.set(0, scale);
    plans.run(p.plan.size1D("rows", rows));
    DeviceBuffers.get(p.out, out);
    if (lse != null) {
      DeviceBuffers.get(p.lse, lse);
      float[] l = lse.array();
      for (int i = lse.offset(); i < lse.offset() + rows; i++) {
        if (l[i] <= AttentionKernels.MASKED) {
          l[i] = Float.NEGATIVE_INFINITY;
        }
      }
    }
  }

  // dq, dk, dv from dOut, recomputing the probabilities from lse; Δ stays on the device
  void backward(
      Tensor q,
      Tensor k,
      Tensor v,
      AttentionMask mask,
      float scale,
      Tensor out,
      Tensor lse,
      Tensor dOut,
      Tensor dq,
      Tensor dk,
      Tensor dv) {
    int[] dims = attentionDims(q, k, v, out, mask);
    int rows = q.dim(0) * q.dim(2) * q.dim(1);
    int keyRows = k.dim(0) * k.dim(1) * k.dim(2);
    if (rows == 0 || keyRows == 0) {
      cpu.attentionBackward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
      return;
    }
    int capQ = DeviceBuffers.capacity(q.size()), capK = DeviceBuffers.capacity(k.size());
    int capPad = DeviceBuffers.capacity(k.dim(0) * k.dim(1)),
        capRows = DeviceBuffers.capacity(rows);
    AttentionPlan p =
        plans.get(
            List.of("attentionBackward", capQ, capK, capPad, capRows),
            () -> {
              FloatArray qs = new FloatArray(capQ), ks = new FloatArray(capK);
              FloatArray vs = new FloatArray(capK), o = new FloatArray(capQ);
              FloatArray l = new FloatArray(capRows), params = new FloatArray(1);
              FloatArray g = new FloatArray(capQ), delta = new FloatArray(capRows);
              FloatArray gq = new FloatArray(capQ), gk = new FloatArray(capK);
              FloatArray gv = new FloatArray(capK);
              IntArray pad = new IntArray(capPad), dm = new IntArray(10);
              TaskGraph tg =
                  new TaskGraph("attentionBackward")
                      .transferToDevice(
                          DataTransferMode.EVERY_EXECUTION, qs, ks, vs, pad, dm, params, o, l, g)
                      .transferToDevice(DataTransferMode.FIRST_EXECUTION, delta)
                      .task(
                          "queries",
                          AttentionKernels::backwardQueries,
                          new KernelContext(),
                          qs,
                          ks,
                          vs,
                          pad,
                          dm,
                          params,
                          o,
                          l,
                          g,
                          delta,
                          gq)
                      .task(
                          "keys",
                          AttentionKernels::backwardKeys,
                          new KernelContext(),
                          qs,
                          ks,
                          vs,
                          pad,
                          dm,
                          params,
                          l,
                          g,
                          delta,
                          gk,
                          gv)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, gq, gk, gv);
              return new AttentionPlan(
                  new KernelPlan(tg, "attentionBackward", "queries", "keys"),
                  qs,
                  ks,
                  vs,
                  pad,
                  dm,
                  params,
                  o,
                  l,
                  g,
                  gq,
                  gk,
                  gv);
            });
    DeviceBuffers.put(q, p.q);
    DeviceBuffers.put(k, p.k);
    DeviceBuffers.put(v, p.v);
    DeviceBuffers.put(out, p.out);
    DeviceBuffers.put(dOut, p.dOut);
    float[] l = lse.array();
    for (int i = 0; i < rows; i++) {
      float x = l[lse.offset() + i];
      p.lse.set(i, x == Float.NEGATIVE_INFINITY ? AttentionKernels.MASKED : x);
    }
    putPadding(mask, k.dim(0) * k.dim(1), p.padding);
    DeviceBuffers.putInts(dims, p.dims);
    p.params.set(0, scale);
    p.plan.size1D("queries", rows).size1D("keys", keyRows);
    plans.run(p.plan);
    DeviceBuffers.get(p.dq, dq);
    DeviceBuffers.get(p.dk, dk);
    DeviceBuffers.get(p.dv, dv);
  }
}
