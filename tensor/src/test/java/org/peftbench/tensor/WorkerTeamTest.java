package org.peftbench.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The decode step's worker team: every worker runs the job, a barrier makes each phase's writes
 * visible to the next, a failing worker fails the job without hanging the others, and the team runs
 * the next job afterwards.
 */
class WorkerTeamTest {
  @Test
  void barriersSeparatePhasesAcrossManyJobs() {
    for (int size : new int[] {1, 2, 3}) {
      try (WorkerTeam team = new WorkerTeam(size)) {
        int n = 1000;
        long[] a = new long[n];
        long[] b = new long[n];
        for (int job = 0; job < 200; job++) {
          int j = job;
          team.run(
              (w, workers, t) -> {
                // phase 1: each worker fills its share of a
                for (int i = w; i < n; i += workers) {
                  a[i] = (long) i * j;
                }
                t.barrier();
                // phase 2: each reads what the others wrote (reversed index)
                for (int i = w; i < n; i += workers) {
                  b[i] = a[n - 1 - i] + 1;
                }
                t.barrier();
              });
          for (int i = 0; i < n; i++) {
            assertThat(b[i]).isEqualTo((long) (n - 1 - i) * j + 1);
          }
        }
      }
    }
  }

  @Test
  void aFailingWorkerFailsTheJobAndTheTeamGoesOn() {
    try (WorkerTeam team = new WorkerTeam(3)) {
      assertThatThrownBy(
              () ->
                  team.run(
                      (w, workers, t) -> {
                        if (w == 2) {
                          throw new IllegalStateException("worker 2 broke");
                        }
                        t.barrier(); // the others wait here until the failure releases them
                        t.barrier();
                      }))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("worker 2 broke");
      AtomicInteger ran = new AtomicInteger();
      team.run(
          (w, workers, t) -> {
            ran.incrementAndGet();
            t.barrier();
          });
      assertThat(ran.get()).isEqualTo(3);
    }
  }

  @Test
  void aClosedTeamRefusesWork() {
    WorkerTeam team = new WorkerTeam(2);
    team.close();
    assertThatThrownBy(() -> team.run((w, workers, t) -> {}))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new WorkerTeam(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
