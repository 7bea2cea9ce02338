package org.peftbench.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads that run one job together, meeting at barriers inside it: the calling
 * thread is worker 0, {@code size - 1} daemon threads are the others.
 *
 * <p>Why not {@link Parallel}: a decode step is hundreds of small operations (one matrix-vector
 * product of a 576-wide layer streams about a megabyte), and submitting each to a fork/join pool
 * costs more than it computes; one thread even decoded faster than two. Here a whole token is one
 * job: the workers stay inside it and only wait at a spinning barrier between phases (a few
 * microseconds), and between jobs they spin briefly, then park.
 *
 * <p>Determinism is the job's business: a job that gives every output element to exactly one
 * worker, computed the same way whatever the worker count, gives bit-identical results for any team
 * size.
 */
public final class WorkerTeam implements AutoCloseable {
  /** Work that every worker of the team runs. */
  @FunctionalInterface
  public interface Job {
    /**
     * @param worker this worker's index in {@code [0, workers)}
     * @param workers the team's size
     * @param team for {@link WorkerTeam#barrier()}
     */
    void run(int worker, int workers, WorkerTeam team);
  }

  /** Spins between jobs before parking (about a few tens of microseconds). */
  private static final int IDLE_SPINS = 20_000;

  /** Spins at a barrier before yielding the core (a few microseconds). */
  private static final int BARRIER_SPINS = 1_000;

  private final int size;
  private final Thread[] threads;
  private final AtomicInteger arrived = new AtomicInteger();
  private final AtomicInteger finished = new AtomicInteger();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile int barrierPhase;
  private volatile int jobNumber;
  private volatile Job job;
  private volatile boolean closed;

  /** A team of {@code size} workers (the caller of {@link #run} included). */
  public WorkerTeam(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("a team needs at least one worker, got " + size);
    }
    this.size = size;
    threads = new Thread[size - 1];
    for (int w = 1; w < size; w++) {
      int worker = w;
      Thread t = new Thread(() -> loop(worker), "peftbench-team-" + w);
      t.setDaemon(true);
      threads[w - 1] = t;
      t.start();
    }
  }

  public int size() {
    return size;
  }

  /** Runs {@code job} on every worker and returns when all have finished (rethrowing a failure). */
  public void run(Job job) {
    if (closed) {
      throw new IllegalStateException("the worker team is closed");
    }
    failure.set(null);
    finished.set(0);
    arrived.set(0); // a failed job may have left workers counted at a barrier
    this.job = job;
    jobNumber = jobNumber + 1; // only the caller writes it
    for (Thread t : threads) {
      LockSupport.unpark(t);
    }
    runAs(0, job);
    int spins = 0;
    while (finished.get() < size - 1) {
      if (++spins < BARRIER_SPINS) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    this.job = null;
    Throwable f = failure.get();
    if (f != null) {
      if (f instanceof RuntimeException r) {
        throw r;
      }
      if (f instanceof Error e) {
        throw e;
      }
      throw new IllegalStateException(f);
    }
  }

  /**
   * Waits until every worker of the running job has arrived here: what each wrote before the
   * barrier is visible to all after it. Every worker must call it the same number of times.
   */
  public void barrier() {
    if (size == 1) {
      return;
    }
    int phase = barrierPhase;
    if (arrived.incrementAndGet() == size) {
      arrived.set(0);
      barrierPhase = phase + 1; // releases the others
      return;
    }
    int spins = 0;
    while (barrierPhase == phase) {
      if (failure.get() != null) {
        throw new TeamAborted();
      }
      // spin briefly (phases are microseconds apart), then yield: when the machine has more
      // runnable threads than cores, the worker we wait for may need this core to finish
      if (++spins < BARRIER_SPINS) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
  }

  private void runAs(int worker, Job j) {
    try {
      j.run(worker, size, this);
    } catch (TeamAborted e) {
      // another worker failed first; its failure is the one reported
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
    }
  }

  private void loop(int worker) {
    int seen = 0;
    while (true) {
      int spins = 0;
      while (jobNumber == seen && !closed) {
        if (++spins < IDLE_SPINS) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      if (closed) {
        return;
      }
      seen = jobNumber;
      runAs(worker, job);
      finished.incrementAndGet();
    }
  }

  /** Stops the team's threads. */
  @Override
  public void close() {
    closed = true;
    for (Thread t : threads) {
      LockSupport.unpark(t);
    }
  }

  /** Thrown inside a barrier when another worker of the job failed, to unwind this one. */
  private static final class TeamAborted extends RuntimeException {
    TeamAborted() {
      super(null, null, false, false);
    }
  }
}
