package org.peftbench.tensor.tornado;

import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.BackendProvider;
import org.peftbench.tensor.backend.cpu.CpuBackend;

/**
 * Registers the {@code tornado} backend with {@code Backends} through {@link
 * java.util.ServiceLoader}. No TornadoVM type appears in this class's signature, fields or
 * initialiser, so it loads even where the TornadoVM runtime is missing; {@link #create()} then says
 * so in one line and returns the CPU backend.
 */
public final class TornadoBackendProvider implements BackendProvider {
  @Override
  public String name() {
    return "tornado";
  }

  @Override
  public Backend create() {
    // set by the SDK's argfile (java @$TORNADOVM_HOME/tornado-argfile ...)
    if (System.getProperty("tornado.load.runtime.implementation") == null) {
      System.err.println(
          "peftbench: TornadoVM runtime not loaded (start the JVM with"
              + " @$TORNADOVM_HOME/tornado-argfile); using the CPU backend");
      return new CpuBackend();
    }
    try {
      TornadoBackend backend = TornadoBackend.open();
      System.err.println("peftbench: TornadoVM backend on " + backend.deviceName());
      return backend;
    } catch (Throwable t) { // NoClassDefFoundError, ExceptionInInitializerError, driver errors
      System.err.println(
          "peftbench: TornadoVM or its device is unusable ("
              + reason(t)
              + "); using the CPU backend");
      return new CpuBackend();
    }
  }

  /** The innermost cause, e.g. "TornadoRuntimeException: no OpenCL platform". */
  private static String reason(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why = root.getClass().getSimpleName();
    if (root.getMessage() == null) {
      return why;
    }
    // TornadoVM colours some messages with ANSI escapes
    return why + ": " + root.getMessage().replaceAll("\u001B\\[[0-9;]*m", "").strip();
  }
}
