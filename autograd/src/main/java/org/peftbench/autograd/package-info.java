/**
 * Reverse-mode automatic differentiation for training on the tensor module's kernels.
 *
 * <h2>Recording</h2>
 *
 * Every function in {@link org.peftbench.autograd.Ops} computes its result right away (through
 * {@code Backends.current()}) and, when {@link org.peftbench.autograd.GradMode} is on and an input
 * requires a gradient, records a node: the inputs, a backward step (the op's hand-written
 * derivative, usually one backend kernel) and the tensors saved for it (e.g. RMSNorm's per-row
 * {@code rstd}, attention's log-sum-exp). Results of ops over frozen or constant inputs record
 * nothing, so the frozen trunk of a PEFT model costs no graph memory.
 *
 * <h2>Backward</h2>
 *
 * {@link org.peftbench.autograd.Var#backward()} sorts the nodes reachable from the scalar loss so
 * that every value comes after all its consumers (iterative depth-first search, so deep graphs such
 * as an unrolled LSTM are fine) and walks them in reverse. When a node's turn comes its output's
 * gradient is complete; the node runs, then it is released at once: its saved tensors, the output's
 * gradient and the output's value are closed, which the {@code MemoryTracker} sees. Gradients
 * reaching leaves ({@link org.peftbench.autograd.Parameter}s) are added to what is there, so
 * several backward calls accumulate until {@code zeroGrad()}. Where an op passes its output
 * gradient on unchanged or can transform it in place (add, scale, reshape, RoPE, dropout), the
 * buffer itself is handed to the input instead of copied.
 *
 * <h2>A training step</h2>
 *
 * <pre>{@code
 * Var loss = Ops.crossEntropy(model.forward(batch), batch.labels(), -100);
 * Ops.scale(loss, accumulation.lossScale()).backward();
 * if (accumulation.microStep()) {
 *   GradClip.clipGlobalNorm(trainable, 1.0);
 *   optimizer.step(schedule.lr(accumulation.optimizerSteps() - 1));
 *   optimizer.zeroGrad();
 * }
 * }</pre>
 *
 * <p>Memory for long sequences or many layers: wrap each decoder layer in {@link
 * org.peftbench.autograd.Checkpoint#apply}. Correctness: {@link org.peftbench.autograd.GradCheck}
 * compares any op or model's gradients with central differences.
 */
package org.peftbench.autograd;
