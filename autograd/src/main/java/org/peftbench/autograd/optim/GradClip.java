package org.peftbench.autograd.optim;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;

/** Global gradient-norm clipping, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
  private GradClip() {}

  /**
   * Computes the L2 norm of all gradients together; if it exceeds {@code maxNorm}, scales every
   * gradient by {@code maxNorm / (norm + 1e-6)}.
   *
   * @return the total norm before clipping (float32 as torch computes it)
   */
  public static float clipGlobalNorm(List<Parameter> params, double maxNorm) {
    List<Tensor> grads = new ArrayList<>();
    for (Parameter p : params) {
      if (p.grad() != null) {
        grads.add(p.grad());
      }
    }
    // torch: per-tensor float32 norms, then the norm of those norms. One task per tensor (a LoRA
    // model has hundreds of small ones): each norm is computed by the same kernel whichever thread
    // runs it (nested kernels run on the calling worker), and they are added up in order here
    Backend be = Backends.current();
    double[] squares = new double[grads.size()];
    Parallel.forEach(grads.size(), k -> squares[k] = be.sumOfSquares(grads.get(k)));
    double sumSq = 0;
    for (double sq : squares) {
      float n = (float) Math.sqrt(sq);
      sumSq += (double) n * n;
    }
    float total = (float) Math.sqrt(sumSq);
    float coef = (1f / (total + 1e-6f)) * (float) maxNorm;
    if (coef < 1f) {
      Parallel.forEach(grads.size(), k -> be.scale(grads.get(k), coef, grads.get(k)));
    }
    return total;
  }
}
