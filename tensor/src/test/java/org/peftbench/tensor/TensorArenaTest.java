package org.peftbench.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class TensorArenaTest {
  @Test
  void aClosedTensorsArrayIsReusedZeroFilledForTheSameLengthOnly() {
    try (TensorArena arena = TensorArena.open()) {
      Tensor a = Tensor.zeros(3, 5);
      a.fill(7f);
      float[] array = a.array();
      a.close();
      a.close(); // idempotent: the array goes back once
      assertThat(arena.freeBytes()).isEqualTo(60);
      Tensor b = Tensor.zeros(5, 3);
      assertThat(b.array()).isSameAs(array);
      assertThat(b.array()).containsOnly(0f);
      assertThat(arena.reusedArrays()).isEqualTo(1);
      Tensor other = Tensor.zeros(4, 4); // another length: fresh
      assertThat(other.array()).isNotSameAs(array);
      Tensor c = Tensor.zeros(15); // the free list is empty again
      assertThat(c.array()).isNotSameAs(array);
    }
  }

  @Test
  void onlyArraysItHandedOutComeBackAndOnlyWhileOpen() {
    float[] mine = new float[8];
    Tensor wrapped;
    Tensor before = Tensor.zeros(8);
    try (TensorArena arena = TensorArena.open()) {
      wrapped = Tensor.of(mine, 8);
      wrapped.close();
      before.close();
      assertThat(arena.freeBytes()).isZero();
      Tensor t = Tensor.zeros(8);
      assertThat(t.array()).isNotSameAs(mine).isNotSameAs(before.array());
      Tensor late = Tensor.zeros(8);
      arena.close();
      late.close();
      assertThat(arena.freeBytes()).isZero();
    }
    assertThat(TensorArena.forThisThread()).isNull();
  }

  @Test
  void otherThreadsAllocateAsAlwaysAndTheCapHolds() throws Exception {
    try (TensorArena arena = TensorArena.open(100)) {
      Tensor t = Tensor.zeros(20);
      float[] array = t.array();
      var pool = Executors.newSingleThreadExecutor();
      try {
        pool.submit(t::close).get(); // closed on another thread: not recycled
        assertThat(arena.freeBytes()).isZero();
        Tensor fromWorker = pool.submit(() -> Tensor.zeros(20)).get();
        assertThat(fromWorker.array()).isNotSameAs(array);
      } finally {
        pool.shutdown();
      }
      Tensor big = Tensor.zeros(30); // 120 bytes > cap
      big.close();
      assertThat(arena.freeBytes()).isZero();
      Tensor small = Tensor.zeros(25);
      small.close();
      assertThat(arena.freeBytes()).isEqualTo(100);
    }
  }

  @Test
  void countsReusedAndFreshAllocations() {
    try (TensorArena arena = TensorArena.open()) {
      Tensor a = Tensor.zeros(10), b = Tensor.zeros(30);
      a.close();
      b.close();
      Tensor c = Tensor.zeros(10), d = Tensor.zeros(10);
      assertThat(arena.reusedArrays()).isEqualTo(1);
      assertThat(arena.freshArrays()).isEqualTo(3);
      assertThat(arena.freeBytes()).isEqualTo(120);
      c.close();
      d.close();
    }
  }

  @Test
  void emptyTensorsSkipTheClearingOnlyInsideAnArena() {
    assertThat(Tensor.empty(2, 3).array()).containsOnly(0f);
    try (TensorArena arena = TensorArena.open()) {
      Tensor a = Tensor.zeros(6);
      a.fill(3f);
      a.close();
      Tensor b = Tensor.empty(2, 3); // the recycled array, not cleared
      assertThat(b.array()).containsOnly(3f);
      assertThat(b.shape()).containsExactly(2, 3);
      b.close();
      assertThat(Tensor.zeros(6).array()).containsOnly(0f);
    }
  }

  @Test
  void oneArenaAtATime() {
    try (TensorArena arena = TensorArena.open()) {
      assertThatThrownBy(TensorArena::open).hasMessageContaining("already open");
    }
    TensorArena.open().close();
  }

  @Test
  void theMemoryTrackerStillCountsLiveTensors() {
    try (TensorArena arena = TensorArena.open()) {
      long live = MemoryTracker.liveBytes();
      Tensor t = Tensor.zeros(256);
      assertThat(MemoryTracker.liveBytes() - live).isEqualTo(1024);
      t.close();
      Tensor u = Tensor.zeros(256);
      assertThat(MemoryTracker.liveBytes() - live).isEqualTo(1024);
      u.close();
    }
  }
}
