package org.peftbench.autograd;

import static org.peftbench.autograd.Graph.axis;
import static org.peftbench.autograd.Graph.prod;

import java.util.Arrays;
import org.peftbench.tensor.Tensor;

/**
 * Reshape, concat, slice, split and axis swaps. These only move data, so they are plain copies here
 * rather than backend kernels. A tensor of shape {@code [..., A, ...]} cut at {@code axis} is
 * viewed as {@code [outer, A, inner]}.
 */
final class ShapeOps {
  private ShapeOps() {}

  // a view with another shape; the gradient is reshaped back
  static Var reshape(Var a, int... shape) {
    Tensor view = a.value.reshape(shape);
    int[] inShape = a.shape();
    return Graph.result(
        "reshape",
        view,
        false,
        o -> {
          if (a.requiresGrad()) {
            a.accumulateGrad(o.takeGrad().reshape(inShape));
          }
        },
        null,
        a);
  }

  // y = [p0 | p1 | ...] along axis
  static Var concat(int axis, Var... parts) {
    if (parts.length == 0) {
      throw new IllegalArgumentException("concat of nothing");
    }
    int[] shape = parts[0].shape();
    int ax = axis(axis, shape.length);
    int total = 0;
    for (Var p : parts) {
      int[] s = p.shape();
      boolean ok = s.length == shape.length;
      for (int i = 0; ok && i < s.length; i++) {
        ok = i == ax || s[i] == shape[i];
      }
      if (!ok) {
        throw new IllegalArgumentException(
            "concat along axis "
                + ax
                + ": shape "
                + Arrays.toString(s)
                + " does not match "
                + Arrays.toString(shape));
      }
      total += s[ax];
    }
    int[] outShape = shape.clone();
    outShape[ax] = total;
    int outWidth = total;
    int outer = prod(shape, 0, ax), inner = prod(shape, ax + 1, shape.length);
    Tensor y = Tensor.zeros(outShape);
    float[] Y = y.array();
    int at = 0;
    for (Var p : parts) {
      int width = p.dim(ax) * inner;
      float[] buf = p.value.isHeapF32() ? p.value.array() : p.value.toFloatArray();
      int off = p.value.isHeapF32() ? p.value.offset() : 0;
      for (int o = 0; o < outer; o++) {
        System.arraycopy(buf, off + o * width, Y, o * total * inner + at, width);
      }
      at += width;
    }
    return Graph.result(
        "concat",
        y,
        o -> {
          float[] G = o.grad.array();
          int go = o.grad.offset();
          int from = 0;
          for (Var p : parts) {
            int width = p.dim(ax) * inner;
            if (p.requiresGrad()) {
              Tensor g = p.gradBuffer();
              float[] D = g.array();
              for (int r = 0; r < outer; r++) {
                int src = go + r * outWidth * inner + from, dst = g.offset() + r * width;
                for (int j = 0; j < width; j++) {
                  D[dst + j] += G[src + j];
                }
              }
            }
            from += width;
          }
        },
        parts);
  }

  // y = a[..., from:to, ...] along axis (a copy)
  static Var slice(Var a, int axis, int from, int to) {
    int[] shape = a.shape();
    int ax = axis(axis, shape.length);
    if (from < 0 || to > shape[ax] || from > to) {
      throw new IndexOutOfBoundsException(
          "slice [" + from + ", " + to + ") of axis " + ax + " of " + Arrays.toString(shape));
    }
    int outer = prod(shape, 0, ax), inner = prod(shape, ax + 1, shape.length);
    int rowIn = shape[ax] * inner, width = (to - from) * inner;
    int[] outShape = shape.clone();
    outShape[ax] = to - from;
    Tensor y = Tensor.zeros(outShape);
    float[] src = a.value.isHeapF32() ? a.value.array() : a.value.toFloatArray();
    int off = a.value.isHeapF32() ? a.value.offset() : 0;
    for (int o = 0; o < outer; o++) {
      System.arraycopy(src, off + o * rowIn + from * inner, y.array(), o * width, width);
    }
    return Graph.result(
        "slice",
        y,
        o -> {
          if (a.requiresGrad()) {
            Tensor g = a.gradBuffer();
            float[] D = g.array(), G = o.grad.array();
            for (int r = 0; r < outer; r++) {
              int dst = g.offset() + r * rowIn + from * inner, s = o.grad.offset() + r * width;
              for (int j = 0; j < width; j++) {
                D[dst + j] += G[s + j];
              }
            }
          }
        },
        a);
  }

  // consecutive slices of the given sizes along axis
  static Var[] split(Var a, int axis, int... sizes) {
    int ax = axis(axis, a.rank());
    int sum = 0;
    for (int s : sizes) {
      sum += s;
    }
    if (sum != a.dim(ax)) {
      throw new IllegalArgumentException(
          "split sizes "
              + Arrays.toString(sizes)
              + " do not add up to "
              + a.dim(ax)
              + " (axis "
              + ax
              + " of "
              + Arrays.toString(a.shape())
              + ")");
    }
    Var[] out = new Var[sizes.length];
    int from = 0;
    for (int i = 0; i < sizes.length; i++) {
      out[i] = slice(a, ax, from, from + sizes[i]);
      from += sizes[i];
    }
    return out;
  }

  // y = a with axes d0 and d1 swapped (a copy)
  static Var transpose(Var a, int d0, int d1) {
    int[] shape = a.shape();
    int x0 = axis(d0, shape.length), x1 = axis(d1, shape.length);
    int[] outShape = shape.clone();
    outShape[x0] = shape[x1];
    outShape[x1] = shape[x0];
    Tensor y = Tensor.zeros(outShape);
    Tensor src = Graph.heap(a.value);
    permute(src, shape, x0, x1, y, false);
    Graph.closeCopy(src, a.value);
    return Graph.result(
        "transpose",
        y,
        o -> {
          if (a.requiresGrad()) {
            permute(o.grad, outShape, x0, x1, a.gradBuffer(), true);
          }
        },
        a);
  }

  /** dst (+)= src with axes x0, x1 swapped; {@code shape} is src's shape. */
  private static void permute(Tensor src, int[] shape, int x0, int x1, Tensor dst, boolean add) {
    int rank = shape.length;
    int[] srcStride = new int[rank];
    int s = 1;
    for (int i = rank - 1; i >= 0; i--) {
      srcStride[i] = s;
      s *= shape[i];
    }
    int[] dstShape = shape.clone();
    dstShape[x0] = shape[x1];
    dstShape[x1] = shape[x0];
    // stride in src of each dst axis
    int[] strideForDst = srcStride.clone();
    strideForDst[x0] = srcStride[x1];
    strideForDst[x1] = srcStride[x0];
    float[] S = src.array(), D = dst.array();
    int so = src.offset(), dOff = dst.offset();
    int[] idx = new int[rank];
    int n = src.size();
    int srcAt = 0;
    for (int i = 0; i < n; i++) {
      if (add) {
        D[dOff + i] += S[so + srcAt];
      } else {
        D[dOff + i] = S[so + srcAt];
      }
      // advance the dst multi-index (row-major) and the matching src offset
      for (int k = rank - 1; k >= 0; k--) {
        idx[k]++;
        srcAt += strideForDst[k];
        if (idx[k] < dstShape[k]) {
          break;
        }
        srcAt -= strideForDst[k] * dstShape[k];
        idx[k] = 0;
      }
    }
  }
}
