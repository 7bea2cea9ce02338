package org.peftbench.autograd.optim;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;

/**
 * Stochastic gradient descent with momentum, as {@code torch.optim.SGD}:
 *
 * <pre>
 * d ← g + wd·p                                 (L2 weight decay, coupled)
 * b ← d on the first step, else μ·b + (1−dampening)·d
 * d ← d + μ·b if nesterov, else b
 * p ← p − lr·d
 * </pre>
 */
public final class Sgd extends Optimizer {
  private final double momentum, dampening, weightDecay;
  private final boolean nesterov;
  private final Map<String, Tensor> buffers = new HashMap<>();

  public Sgd(List<Parameter> params, double momentum) {
    this(params, momentum, 0, 0, false);
  }

  public Sgd(
      List<Parameter> params,
      double momentum,
      double dampening,
      double weightDecay,
      boolean nesterov) {
    super(params);
    if (nesterov && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException(
          "Nesterov momentum requires a momentum and zero dampening");
    }
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
  }

  @Override
  public void step(double lr) {
    float wd = (float) weightDecay, mu = (float) momentum;
    float damp = (float) (1 - dampening), negLr = (float) -lr;
    for (Parameter p : params) {
      Tensor grad = p.grad();
      if (grad == null) {
        continue;
      }
      float[] w = values(p);
      int wo = p.value().offset(), n = p.value().size();
      float[] g = grad.array();
      int go = grad.offset();
      boolean first = momentum != 0 && !buffers.containsKey(p.name());
      float[] buf =
          momentum == 0
              ? null
              : buffers.computeIfAbsent(p.name(), k -> Tensor.zeros(p.shape())).array();
      chunked(
          n,
          (from, to) -> {
            for (int i = from; i < to; i++) {
              float d = g[go + i];
              if (wd != 0) {
                d = d + wd * w[wo + i];
              }
              if (buf != null) {
                buf[i] = first ? d : buf[i] * mu + damp * d;
                d = nesterov ? d + mu * buf[i] : buf[i];
              }
              w[wo + i] = w[wo + i] + negLr * d;
            }
          });
    }
  }

  @Override
  public void saveState(Path file) {
    OptimizerState.Builder out =
        OptimizerState.builder("sgd")
            .hyper("momentum", momentum)
            .hyper("dampening", dampening)
            .hyper("weight_decay", weightDecay)
            .hyper("nesterov", nesterov ? 1 : 0);
    for (Parameter p : params) {
      Tensor b = buffers.get(p.name());
      if (b != null) {
        out.tensor(p.name(), "momentum_buffer", b);
        out.step(p.name(), 1);
      }
    }
    out.write(file);
  }

  @Override
  public void loadState(Path file) {
    OptimizerState in = OptimizerState.read(file, "sgd");
    releaseState();
    for (Parameter p : params) {
      if (in.has(p.name())) {
        Tensor b = Tensor.zeros(p.shape());
        in.copy(p, "momentum_buffer", b.array());
        buffers.put(p.name(), b);
      }
    }
  }

  /** Frees the momentum buffers (the optimizer starts from scratch afterwards). */
  @Override
  public void releaseState() {
    buffers.values().forEach(Tensor::close);
    buffers.clear();
  }
}
