/**
 * The kernel interface: {@link org.peftbench.tensor.backend.Backend} (every numeric kernel, forward
 * and backward), its arguments ({@link org.peftbench.tensor.backend.AttentionMask}, {@link
 * org.peftbench.tensor.backend.RopeTable}, {@link org.peftbench.tensor.backend.UnaryOp}, {@link
 * org.peftbench.tensor.backend.LlamaLayer}), the argument checks every implementation shares
 * ({@link org.peftbench.tensor.backend.Checks}), the choice of backend ({@link
 * org.peftbench.tensor.backend.Backends}, optional ones through {@link
 * org.peftbench.tensor.backend.BackendProvider}), and the reference implementation {@link
 * org.peftbench.tensor.backend.ScalarBackend} every other backend is tested against.
 *
 * <p>The Vector API implementation lives in {@code org.peftbench.tensor.backend.cpu}; this package
 * knows it only to construct it in {@link org.peftbench.tensor.backend.Backends}.
 */
package org.peftbench.tensor.backend;
