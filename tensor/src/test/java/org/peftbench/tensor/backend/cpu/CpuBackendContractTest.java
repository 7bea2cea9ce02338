package org.peftbench.tensor.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.BackendContract;

/**
 * {@link CpuBackend} under the {@link BackendContract}, plus its two attention forward kernels
 * (direct and flash) called directly on the contract's attention cases, whichever of them the
 * backend would pick for a call.
 */
class CpuBackendContractTest extends BackendContract {
  @Override
  protected Backend backend() {
    return new CpuBackend();
  }

  @Override
  protected List<Case> cases() {
    List<Case> all = new ArrayList<>(catalogue());
    all.addAll(attentionCases("direct", CpuBackendContractTest::direct, false));
    all.addAll(attentionCases("flash", CpuBackendContractTest::flash, false));
    return all;
  }

  private static void direct(
      Backend be,
      Tensor q,
      Tensor k,
      Tensor v,
      AttentionMask mask,
      float scale,
      Tensor out,
      Tensor lse) {
    if (be instanceof CpuBackend cpu) {
      cpu.attentionDirect(q, k, v, mask, scale, out, lse);
    } else {
      be.attention(q, k, v, mask, scale, out, lse);
    }
  }

  private static void flash(
      Backend be,
      Tensor q,
      Tensor k,
      Tensor v,
      AttentionMask mask,
      float scale,
      Tensor out,
      Tensor lse) {
    if (be instanceof CpuBackend cpu) {
      cpu.attentionFlash(q, k, v, mask, scale, out, lse);
    } else {
      be.attention(q, k, v, mask, scale, out, lse);
    }
  }
}
