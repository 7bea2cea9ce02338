package org.peftbench.tensor.tornado;

import org.junit.jupiter.api.BeforeAll;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.BackendContract;

/**
 * {@link TornadoBackend} under the {@link BackendContract}: the same case catalogue as the CPU
 * backend, against the scalar reference, on the device TornadoVM finds (kernels it does not offload
 * run on its CPU fallback, which the contract then covers as well).
 */
class TornadoBackendContractTest extends BackendContract {
  static TornadoBackend tornado;

  @BeforeAll
  static void open() {
    tornado = TornadoBackend.open();
  }

  @Override
  protected Backend backend() {
    return tornado;
  }
}
