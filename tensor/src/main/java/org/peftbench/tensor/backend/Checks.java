package org.peftbench.tensor.backend;

import org.peftbench.tensor.Tensor;

/** Shape checks shared by the backends, with messages that name the shapes. */
public final class Checks {
  private Checks() {}

  public static void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c) {
    if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2) {
      throw new IllegalArgumentException("matmul needs rank-2 tensors: " + a + " " + b + " " + c);
    }
    int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
    int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
    if (k != kb || c.dim(0) != m || c.dim(1) != n) {
      throw new IllegalArgumentException(
          "matmul shapes do not agree: A"
              + (transA ? "ᵀ " : " ")
              + a
              + ", B"
              + (transB ? "ᵀ " : " ")
              + b
              + ", C "
              + c);
    }
  }

  public static void batched(Tensor a, Tensor b, Tensor c) {
    if (a.rank() != 3
        || b.rank() != 3
        || c.rank() != 3
        || a.dim(0) != b.dim(0)
        || a.dim(0) != c.dim(0)) {
      throw new IllegalArgumentException(
          "batched matmul needs rank-3 tensors with one batch size: " + a + " " + b + " " + c);
    }
  }

  public static void broadcast(Tensor a, Tensor b, Tensor out) {
    sameSize(a, out);
    int[] as = a.shape(), bs = b.shape();
    boolean ok = bs.length <= as.length;
    for (int i = 1; ok && i <= bs.length; i++) {
      ok = bs[bs.length - i] == as[as.length - i];
    }
    if (!ok) {
      throw new IllegalArgumentException(b + " does not broadcast over " + a);
    }
  }

  public static void sameSize(Tensor a, Tensor b) {
    if (a.numel() != b.numel()) {
      throw new IllegalArgumentException("size mismatch: " + a + " vs " + b);
    }
  }

  public static void attention(Tensor q, Tensor k, Tensor v, Tensor out, int keys) {
    boolean ok =
        q.rank() == 4
            && k.rank() == 4
            && v.rank() == 4
            && k.dim(0) == q.dim(0)
            && java.util.Arrays.equals(k.shape(), v.shape())
            && k.dim(3) == q.dim(3)
            && k.dim(2) > 0
            && q.dim(2) % k.dim(2) == 0
            && keys <= k.dim(1)
            && java.util.Arrays.equals(q.shape(), out.shape());
    if (!ok) {
      throw new IllegalArgumentException(
          "attention shapes: q "
              + q
              + " (B,T,Hq,D), k "
              + k
              + ", v "
              + v
              + " (B,S,Hkv,D), out "
              + out
              + ", keys "
              + keys);
    }
  }

  /**
   * An embedding lookup: {@code out} holds {@code ids.length} rows of the table and every id is in
   * range.
   */
  public static void embedding(Tensor table, int[] ids, Tensor out) {
    int c = table.dim(1), v = table.dim(0);
    if (out.size() != ids.length * c) {
      throw new IllegalArgumentException("embedding of " + ids.length + " ids into " + out);
    }
    for (int id : ids) {
      if (id < 0 || id >= v) {
        throw new IndexOutOfBoundsException("token id " + id + " outside vocabulary of " + v);
      }
    }
  }
}
