package org.peftbench.autograd;

import static org.peftbench.autograd.Graph.be;
import static org.peftbench.autograd.Graph.closeCopy;
import static org.peftbench.autograd.Graph.heap;

import org.peftbench.tensor.Tensor;

/** Cross-entropy and full reductions to a scalar. See {@link Ops} for the contracts. */
final class LossOps {
  private LossOps() {}

  // loss = mean over counted rows of −log softmax(logits[n])[targets[n]]
  // dLogits = (softmax − onehot) / count, computed in the same pass when recording
  static Var crossEntropy(Var logits, int[] targets, int ignoreIndex) {
    if (logits.rank() < 1 || logits.value.rows() != targets.length) {
      throw new IllegalArgumentException(
          "crossEntropy: " + targets.length + " targets for logits " + logits.value);
    }
    int count = 0;
    for (int t : targets) {
      if (t != ignoreIndex) {
        count++;
      }
    }
    boolean rec = Graph.recording(logits);
    Tensor lh = heap(logits.value);
    Tensor dLogits = rec && count > 0 ? Tensor.zeros(logits.shape()) : null;
    double total =
        be().crossEntropy(lh, targets.clone(), ignoreIndex, dLogits, count == 0 ? 0f : 1f / count);
    closeCopy(lh, logits.value);
    // every row ignored: the loss is 0 with zero gradient (torch would give NaN)
    Tensor loss = Tensor.of(new float[] {count == 0 ? 0f : (float) (total / count)});
    loss = loss.reshape();
    return Graph.result(
        "crossEntropy",
        loss,
        true,
        o -> {
          if (dLogits != null && logits.requiresGrad()) {
            be().axpy(o.grad.get(0), dLogits, logits.gradBuffer());
          }
        },
        new Tensor[] {dLogits},
        logits);
  }

  // s = Σ x ; dx += ds
  static Var sum(Var x, float factor, String op) {
    double s = be().sum(x.value) * factor;
    Tensor y = Tensor.of(new float[] {(float) s}).reshape();
    return Graph.result(
        op,
        y,
        o -> {
          if (x.requiresGrad()) {
            Tensor g = x.gradBuffer();
            float d = o.grad.get(0) * factor;
            float[] G = g.array();
            for (int i = 0; i < g.size(); i++) {
              G[g.offset() + i] += d;
            }
          }
        },
        x);
  }
}
