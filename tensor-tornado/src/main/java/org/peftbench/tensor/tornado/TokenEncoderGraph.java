package org.peftbench.tensor.tornado;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.tensor.backend.LlamaTrainSpec.EncoderActivation;
import org.peftbench.tensor.backend.LlamaTrainSpec.EncoderLayer;
import org.peftbench.tensor.backend.LlamaTrainSpec.TokenEncoder;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A {@link TokenEncoder} in the resident training step: the virtual tokens' forward at the start of
 * the step and their backward after the layers', before clipping and AdamW.
 *
 * <pre>
 *   y_0 = table                                  [P, K]
 *   y_i = act_i(y_i−1·W_iᵀ + b_i)                [P, out_i]    (ReLU, tanh or none)
 *   output = y_last
 *
 *   backward, from dOutput (summed by the step's consumers into {@link #outputGrad}):
 *   dz_i = dy_i ⊙ act_i'(y_i);  db_i += Σ_rows dz_i;  dW_i += dz_iᵀ·y_i−1;  dy_i−1 = dz_i·W_i
 *   dtable += dy_0
 * </pre>
 *
 * A bare table (prompt tuning, prefix tuning without projection) has no tasks: its output is the
 * table's own slice of theta and its gradient goes straight into the table's slice of grad. With
 * layers, the output and its gradient have their own buffers; the gradient buffer is cleared at the
 * start of every step, since the layers add into it.
 */
final class TokenEncoderGraph {
  private final TrainStepGraph step;
  private final TokenEncoder encoder;
  private final int rows;
  private final List<FloatArray> outputs = new ArrayList<>(); // y_i [P, out_i]
  private final TrainStepGraph.Ref output, outputGrad;

  /** Builds the forward's tasks in the open segment (the step's first). */
  TokenEncoderGraph(TrainStepGraph step, TokenEncoder encoder) {
    this.step = step;
    this.encoder = encoder;
    this.rows = encoder.tokens();
    TrainStepGraph.Ref table = step.ref(encoder.table());
    if (encoder.layers().isEmpty()) {
      output = table;
      outputGrad = table.trains() ? new TrainStepGraph.Ref(step.grad, table.grad(), -1) : null;
      return;
    }
    TrainStepGraph.Ref x = table;
    int in = encoder.table().dim(1);
    for (EncoderLayer layer : encoder.layers()) {
      int out = layer.weight().dim(0);
      TrainStepGraph.Ref w = step.ref(layer.weight()), b = step.ref(layer.bias());
      FloatArray y = step.g.floats(rows * out);
      // y[P,out] = x[P,in]·Wᵀ, then bias and activation in place
      step.gemm(
          x.array(),
          x.offset(),
          in,
          1,
          w.array(),
          w.offset(),
          1,
          in,
          y,
          0,
          rows,
          out,
          in,
          false,
          step.one);
      IntArray dims = step.g.ints(rows * out, out, b.offset(), code(layer.activation()));
      FloatArray bias = b.array();
      step.task1D(
          "encoderAct",
          rows * out,
          (t, id) -> t.task(id, PromptKernels::biasActivation, new KernelContext(), y, bias, dims));
      outputs.add(y);
      x = new TrainStepGraph.Ref(y, 0, -1);
      in = out;
    }
    output = x;
    FloatArray dOut = step.g.floats(rows * in);
    step.zero(dOut, rows * in);
    outputGrad = new TrainStepGraph.Ref(dOut, 0, -1);
  }

  /** The width of the encoder's output rows. */
  int width() {
    return encoder.width();
  }

  /** Where the encoder's output {@code [P, width]} lives (array and offset). */
  TrainStepGraph.Ref output() {
    return output;
  }

  /**
   * Where the gradient of the output is to be added (array and offset), or null when nothing of the
   * encoder trains.
   */
  TrainStepGraph.Ref outputGrad() {
    return outputGrad;
  }

  /** Builds the backward's tasks in the open segment: parameter gradients added into grad. */
  void backward() {
    List<EncoderLayer> layers = encoder.layers();
    if (layers.isEmpty()) {
      return; // the consumers wrote the table's gradient directly
    }
    FloatArray dy = outputGrad.array(); // the gradient of y_i [P, out_i]
    for (int i = layers.size() - 1; i >= 0; i--) {
      EncoderLayer layer = layers.get(i);
      int out = layer.weight().dim(0), in = layer.weight().dim(1);
      FloatArray y = outputs.get(i), dz = dy;
      if (layer.activation() != EncoderActivation.NONE) {
        IntArray dims = step.g.ints(rows * out, code(layer.activation()));
        step.task1D(
            "encoderActBack",
            rows * out,
            (t, id) ->
                t.task(id, PromptKernels::activationBackward, new KernelContext(), y, dz, dims));
      }
      TrainStepGraph.Ref w = step.ref(layer.weight()), b = step.ref(layer.bias());
      TrainStepGraph.Ref x =
          i == 0 ? step.ref(encoder.table()) : new TrainStepGraph.Ref(outputs.get(i - 1), 0, -1);
      if (b.trains()) {
        IntArray dims = step.g.ints(rows, out, b.grad(), 0);
        FloatArray grad = step.grad;
        step.task1D(
            "encoderBiasGrad",
            out,
            (t, id) ->
                t.task(id, TrainKernels::columnGrad, new KernelContext(), dz, dz, dims, grad));
      }
      if (w.trains()) {
        // dW[out,in] += dzᵀ·x
        step.gemm(
            dz,
            0,
            1,
            out,
            x.array(),
            x.offset(),
            in,
            1,
            step.grad,
            w.grad(),
            out,
            in,
            rows,
            true,
            step.one);
      }
      // dx[P,in] = dz·W: into the previous layer's output gradient, or added into the table's
      if (i > 0) {
        FloatArray dx = step.g.floats(rows * in);
        step.gemm(
            dz, 0, out, 1, w.array(), w.offset(), in, 1, dx, 0, rows, in, out, false, step.one);
        dy = dx;
      } else if (x.trains()) {
        step.gemm(
            dz,
            0,
            out,
            1,
            w.array(),
            w.offset(),
            in,
            1,
            step.grad,
            x.grad(),
            rows,
            in,
            out,
            true,
            step.one);
      }
    }
  }

  private static int code(EncoderActivation a) {
    return switch (a) {
      case NONE -> PromptKernels.NONE;
      case RELU -> PromptKernels.RELU;
      case TANH -> PromptKernels.TANH;
    };
  }
}
