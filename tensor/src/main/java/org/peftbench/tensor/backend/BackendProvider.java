package org.peftbench.tensor.backend;

/**
 * A backend that lives in an optional module (e.g. {@code tensor-tornado}), found with {@link
 * java.util.ServiceLoader} by {@link Backends#byName}. Implementations list themselves in {@code
 * META-INF/services/org.peftbench.tensor.backend.BackendProvider}.
 *
 * <p>A provider class must load even when the library behind it is missing: no types of that
 * library in its signature, fields or static initialiser. {@link #create()} does the probing and,
 * when the library or its device is unusable, says so in one line and returns a CPU backend.
 */
public interface BackendProvider {
  /** The name used with {@code --backend} / {@code -Dpeftbench.backend}. */
  String name();

  /**
   * A new backend; falls back to {@link org.peftbench.tensor.backend.cpu.CpuBackend} (after one
   * clear message) if unusable.
   */
  Backend create();
}
