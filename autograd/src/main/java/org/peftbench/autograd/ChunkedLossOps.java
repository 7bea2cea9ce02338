package org.peftbench.autograd;

import static org.peftbench.autograd.Graph.be;
import static org.peftbench.autograd.Graph.closeCopy;
import static org.peftbench.autograd.Graph.heap;

import java.util.Arrays;
import org.peftbench.tensor.Tensor;

/**
 * The output projection and the cross-entropy fused and cut into row chunks, so that the {@code [N,
 * V]} logits of a large vocabulary (49,152 × 1,024 rows = 201 MB, twice with their gradient) never
 * exist at once. Each chunk of R rows computes its logits, the loss and {@code dLogits} in place,
 * and immediately turns {@code dLogits} into {@code dX} (and {@code dW} when W is trained); only
 * {@code [R, V]} is ever live. The gradients are finished in the forward pass (like {@link
 * LossOps#crossEntropy}), so backward only scales them by the incoming gradient.
 */
final class ChunkedLossOps {
  private ChunkedLossOps() {}

  /** Columns of {@code dLogits} per product {@code dX += dLogits[:, piece] · W[piece, :]}. */
  static final int VOCAB_PIECE = 8192;

  // loss = mean over counted rows n of −log softmax(x[n] · Wᵀ)[targets[n]]
  // per chunk of R rows:  logits[R,V] = x[R,C] · W[V,C]ᵀ               (NT)
  //                       dLogits[R,V] = (softmax − onehot) / count     (in place)
  //                       dX[R,C]      = dLogits · W                     (NN, by vocabulary piece)
  //                       dW[V,C]     += dLogitsᵀ · x[R,C]               (TN, only if W trains)
  static Var linearCrossEntropy(Var x, Var w, int[] targets, int ignoreIndex, int chunkRows) {
    if (x.rank() != 2 || w.rank() != 2 || x.dim(1) != w.dim(1)) {
      throw new IllegalArgumentException(
          "linearCrossEntropy: x " + x.value + " does not match W " + w.value);
    }
    int n = x.dim(0), c = x.dim(1), v = w.dim(0);
    if (targets.length != n) {
      throw new IllegalArgumentException(
          "linearCrossEntropy: " + targets.length + " targets for " + n + " rows");
    }
    if (chunkRows < 1) {
      throw new IllegalArgumentException("linearCrossEntropy: chunkRows " + chunkRows);
    }
    int count = 0;
    for (int t : targets) {
      if (t != ignoreIndex) {
        if (t < 0 || t >= v) {
          throw new IllegalArgumentException(
              "linearCrossEntropy: target " + t + " outside the vocabulary [0, " + v + ")");
        }
        count++;
      }
    }
    boolean rec = Graph.recording(x, w) && count > 0;
    boolean needDx = rec && x.requiresGrad(), needDw = rec && w.requiresGrad();
    float gradScale = count == 0 ? 0f : 1f / count;
    Tensor xh = heap(x.value);
    Tensor dX = needDx ? Tensor.zeros(n, c) : null;
    Tensor dW = needDw ? Tensor.zeros(v, c) : null;
    int r = Math.min(chunkRows, n);
    Tensor logits = Tensor.empty(r, v);
    int pieceWidth = Math.min(VOCAB_PIECE, v);
    Tensor piece = needDx && pieceWidth < v ? Tensor.zeros(r, pieceWidth) : null;
    double total = 0;
    for (int r0 = 0; r0 < n; r0 += r) {
      int r1 = Math.min(n, r0 + r), rows = r1 - r0;
      Tensor xc = xh.slice0(r0, r1);
      Tensor lc = rows == r ? logits : logits.slice0(0, rows);
      be().matmul(xc, false, w.value, true, lc, false);
      OpProfile.lap("linearCrossEntropy: logits", OpProfile.Phase.FORWARD);
      int[] tc = Arrays.copyOfRange(targets, r0, r1);
      total += be().crossEntropy(lc, tc, ignoreIndex, rec ? lc : null, gradScale);
      OpProfile.lap("linearCrossEntropy: softmax", OpProfile.Phase.FORWARD);
      if (needDx) {
        backToInput(lc, w.value, dX.slice0(r0, r1), piece, pieceWidth);
        OpProfile.lap("linearCrossEntropy: dX", OpProfile.Phase.FORWARD);
      }
      if (needDw) {
        be().matmul(lc, true, xc, false, dW, true);
        OpProfile.lap("linearCrossEntropy: dW", OpProfile.Phase.FORWARD);
      }
    }
    logits.close();
    if (piece != null) {
      piece.close();
    }
    closeCopy(xh, x.value);
    Tensor loss = Tensor.of(new float[] {count == 0 ? 0f : (float) (total / count)}).reshape();
    return Graph.result(
        "linearCrossEntropy",
        loss,
        true,
        o -> {
          float g = o.grad.get(0);
          if (dX != null) {
            be().axpy(g, dX, x.gradBuffer());
          }
          if (dW != null) {
            be().axpy(g, dW, w.gradBuffer());
          }
        },
        new Tensor[] {dX, dW},
        x,
        w);
  }

  // dX[R,C] = dLogits[R,V] · W[V,C], summed over vocabulary pieces of P columns: each piece is a
  // product with few output columns (C) but a moderate depth (P), which the GEMM splits over rows
  // and threads evenly; one product of depth V would give one task per 512 output columns.
  private static void backToInput(
      Tensor dLogits, Tensor w, Tensor dX, Tensor piece, int pieceWidth) {
    int rows = dLogits.dim(0), v = dLogits.dim(1);
    if (piece == null) {
      be().matmul(dLogits, false, w, false, dX, false);
      return;
    }
    float[] src = dLogits.array();
    int so = dLogits.offset();
    for (int v0 = 0; v0 < v; v0 += pieceWidth) {
      int width = Math.min(pieceWidth, v - v0);
      Tensor p = width == pieceWidth ? piece : Tensor.zeros(piece.dim(0), width);
      Tensor pr = p.slice0(0, rows);
      float[] dst = pr.array();
      int po = pr.offset();
      for (int i = 0; i < rows; i++) {
        System.arraycopy(src, so + i * v + v0, dst, po + i * width, width);
      }
      be().matmul(pr, false, w.slice0(v0, v0 + width), false, dX, v0 > 0);
      if (p != piece) {
        p.close();
      }
    }
  }
}
