/**
 * The default backend, {@link org.peftbench.tensor.backend.cpu.CpuBackend}: every kernel vectorised
 * with the Vector API and spread over the {@code Parallel} pool. {@code CpuBackend} only
 * dispatches; the kernels live in one class per family, each forward beside its backward:
 *
 * <ul>
 *   <li>GEMM: {@code Gemm} (the planner: which path for which shape), {@code GemmTiles} (register
 *       tile, cache blocks, per-thread buffers), {@code GemmPacking}, {@code GemmKernels} (the
 *       micro-kernels), {@code GemmNarrow} (narrow C), {@code GemmLocal} (single-task GEMM on raw
 *       arrays), {@code Gemv} (a few rows times a weight), {@code LowRankBackward};
 *   <li>{@code Elementwise} (and activations in {@code Activations}), {@code Reductions}, {@code
 *       SoftmaxLoss} (softmax and cross-entropy), {@code Norms} (RMSNorm, LayerNorm), {@code
 *       RopeEmbedding};
 *   <li>attention: {@code CpuAttention} (direct and flash kernels, the decode path), {@code
 *       BlockedAttention} with {@code AttentionSlivers} and {@code AttentionGemm} (many queries);
 *   <li>shared: {@code Simd} (vector helpers, exp/tanh), {@code Tasks} (how work is cut into tasks
 *       so results are bit-identical for any thread count).
 * </ul>
 *
 * <p>Every kernel is tested against {@link org.peftbench.tensor.backend.ScalarBackend} by the
 * backend contract ({@code BackendContract} in the tensor test-jar).
 */
package org.peftbench.tensor.backend.cpu;
