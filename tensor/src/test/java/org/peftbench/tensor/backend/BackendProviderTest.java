package org.peftbench.tensor.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.peftbench.tensor.backend.cpu.CpuBackend;

class BackendProviderTest {
  @Test
  void builtInBackendsAreFoundByName() {
    assertThat(Backends.byName("cpu")).isInstanceOf(CpuBackend.class);
    assertThat(Backends.byName("SCALAR")).isInstanceOf(ScalarBackend.class);
  }

  @Test
  void unknownBackendNamesTheAvailableOnes() {
    // no optional provider is on this module's class path
    assertThatThrownBy(() -> Backends.byName("nosuch"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown backend 'nosuch'; available: cpu, scalar");
  }
}
