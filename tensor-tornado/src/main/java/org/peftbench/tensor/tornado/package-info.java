/**
 * The optional TornadoVM backend (built only in the Maven profile {@code tornado}): {@link
 * org.peftbench.tensor.tornado.TornadoBackend} implements {@code Backend} with device kernels
 * (tiled GEMM NN/NT/TN over F32/BF16/F16 weights, fused GQA attention forward/backward, RMSNorm,
 * softmax, RoPE, elementwise, SwiGLU), one {@code *Kernels} class of kernel code beside one {@code
 * *Ops} class that plans and launches it; {@link org.peftbench.tensor.tornado.LayerOps} runs a
 * whole decoder layer as one task graph with weights resident on the device. {@link
 * org.peftbench.tensor.tornado.TornadoBackendProvider} is the {@code ServiceLoader} entry; without
 * TornadoVM or a device the CPU backend is used, with one message. Every kernel is checked against
 * the scalar reference by the backend contract suite.
 */
package org.peftbench.tensor.tornado;
