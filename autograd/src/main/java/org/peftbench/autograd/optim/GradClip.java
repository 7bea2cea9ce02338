package org.peftbench.autograd.optim;

import java.util.List;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;
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
    // torch: per-tensor float32 norms, then the norm of those norms
    double sumSq = 0;
    for (Parameter p : params) {
      Tensor g = p.grad();
      if (g != null) {
        float n = (float) Math.sqrt(Backends.current().sumOfSquares(g));
        sumSq += (double) n * n;
      }
    }
    float total = (float) Math.sqrt(sumSq);
    float coef = (1f / (total + 1e-6f)) * (float) maxNorm;
    if (coef < 1f) {
      for (Parameter p : params) {
        Tensor g = p.grad();
        if (g != null) {
          Backends.current().scale(g, coef, g);
        }
      }
    }
    return total;
  }
}
