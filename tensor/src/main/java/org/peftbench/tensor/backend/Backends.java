package org.peftbench.tensor.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.peftbench.tensor.backend.cpu.CpuBackend;

/**
 * Chooses the process-wide backend: system property {@code peftbench.backend} ({@code scalar},
 * {@code cpu}, or an optional {@link BackendProvider} such as {@code tornado}; CLI flag {@code
 * --backend}). The choice is logged once to stderr.
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

  /**
   * A new backend by name: {@code cpu}, {@code scalar}, or the name of a {@link BackendProvider}
   * found on the class path (e.g. {@code tornado} from the optional {@code tensor-tornado} module).
   */
  public static Backend byName(String name) {
    String key = name.toLowerCase(Locale.ROOT);
    switch (key) {
      case "cpu":
        return new CpuBackend();
      case "scalar":
        return new ScalarBackend();
      default:
        break;
    }
    List<String> available = new ArrayList<>(List.of("cpu", "scalar"));
    for (BackendProvider provider : providers()) {
      if (provider.name().equalsIgnoreCase(key)) {
        return provider.create();
      }
      available.add(provider.name());
    }
    throw new IllegalArgumentException(
        "unknown backend '" + name + "'; available: " + String.join(", ", available));
  }

  /** The optional backends on the class path; a provider that fails to load is reported once. */
  private static List<BackendProvider> providers() {
    List<BackendProvider> found = new ArrayList<>();
    try {
      for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
        found.add(p);
      }
    } catch (ServiceConfigurationError | LinkageError e) {
      System.err.println("peftbench: an optional backend could not be loaded: " + e.getMessage());
    }
    return found;
  }
}
