package org.peftbench.tensor.backend;

import java.util.Locale;

/**
 * Chooses the process-wide backend: system property {@code peftbench.backend} ({@code scalar} or
 * {@code cpu}; CLI flag {@code --backend}). The choice is logged once to stderr.
 */
public final class Backends {
  private static volatile Backend current;

  private Backends() {}

  /** The backend in use. */
  public static Backend current() {
    Backend b = current;
    if (b == null) {
      synchronized (Backends.class) {
        if (current == null) {
          current = byName(System.getProperty("peftbench.backend", "cpu"));
          if (!Boolean.getBoolean("peftbench.quiet")) {
            System.err.println("peftbench: backend " + current.name());
          }
        }
        b = current;
      }
    }
    return b;
  }

  /** Replaces the backend in use (tests, CLI). */
  public static void use(Backend backend) {
    current = backend;
  }

  /** A new backend by name. */
  public static Backend byName(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "cpu" -> new CpuBackend();
      case "scalar" -> new ScalarBackend();
      default ->
          throw new IllegalArgumentException(
              "unknown backend '" + name + "'; available: cpu, scalar");
    };
  }
}
