package org.peftbench.autograd;

import static org.peftbench.autograd.Graph.be;
import static org.peftbench.autograd.Graph.closeCopy;
import static org.peftbench.autograd.Graph.heap;

import java.util.Arrays;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.RopeTable;

/** Embedding lookup, rotary embeddings and attention. See {@link Ops} for the contracts. */
final class SequenceOps {
  private SequenceOps() {}

  // y[N,C] = table[ids[n]] ; dTable[ids[n]] += dy[n]
  static Var embedding(Var table, int[] ids) {
    if (table.rank() != 2) {
      throw new IllegalArgumentException("embedding table must be [V,C], got " + table.value);
    }
    int c = table.dim(1);
    Tensor y = Tensor.zeros(ids.length, c);
    be().embedding(table.value, ids, y);
    int[] idsCopy = ids.clone();
    return Graph.result(
        "embedding",
        y,
        o -> {
          if (table.requiresGrad()) {
            be().embeddingBackward(idsCopy, o.grad, table.gradBuffer());
          }
        },
        table);
  }

  // y[N,H,D] = rotate(x, angle(position[n])) ; dx = rotate(dy, −angle)
  static Var rope(Var x, int[] positions, RopeTable table) {
    if (x.rank() < 2 || x.dim(-1) != table.headDim()) {
      throw new IllegalArgumentException(
          "rope: input " + x.value + " does not end in the head dimension " + table.headDim());
    }
    for (int p : positions) {
      if (p < 0 || p >= table.maxPositions()) {
        throw new IndexOutOfBoundsException(
            "rope: position " + p + " outside the table of " + table.maxPositions());
      }
    }
    int[] pos = positions.clone();
    Tensor xh = heap(x.value);
    Tensor y = Tensor.empty(x.shape());
    be().rope(xh, y, pos, table, false);
    closeCopy(xh, x.value);
    return Graph.result(
        "rope",
        y,
        o -> {
          if (x.requiresGrad()) {
            Tensor g = o.takeGrad();
            be().rope(g, pos, table, true);
            x.accumulateGrad(g);
          }
        },
        x);
  }

  // out[B,T,Hq,D] = softmax(q·kᵀ·scale + mask) · v, grouped-query; lse[B,Hq,T] saved
  static Var attention(Var q, Var k, Var v, AttentionMask mask, float scale) {
    if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
      throw new IllegalArgumentException(
          "attention needs q [B,T,Hq,D], k and v [B,S,Hkv,D]; got q "
              + Arrays.toString(q.shape())
              + ", k "
              + Arrays.toString(k.shape())
              + ", v "
              + Arrays.toString(v.shape()));
    }
    // the backward step reads the mask later: keep a copy of the padding flags
    AttentionMask m =
        mask.keyPadding() == null ? mask : mask.withKeyPadding(mask.keyPadding().clone());
    Tensor qh = heap(q.value), kh = heap(k.value), vh = heap(v.value);
    int b = q.dim(0), t = q.dim(1), hq = q.dim(2);
    Tensor out = Tensor.zeros(q.shape());
    boolean rec = Graph.recording(q, k, v);
    Tensor lse = rec ? Tensor.zeros(b, hq, t) : null;
    be().attention(qh, kh, vh, m, scale, out, lse);
    closeCopy(qh, q.value);
    closeCopy(kh, k.value);
    closeCopy(vh, v.value);
    return Graph.result(
        "attention",
        out,
        true,
        o -> {
          Tensor dq = Tensor.zeros(q.shape());
          Tensor dk = Tensor.zeros(k.shape());
          Tensor dv = Tensor.zeros(v.shape());
          Tensor qb = heap(q.value), kb = heap(k.value), vb = heap(v.value);
          be().attentionBackward(qb, kb, vb, m, scale, o.value, lse, o.grad, dq, dk, dv);
          closeCopy(qb, q.value);
          closeCopy(kb, k.value);
          closeCopy(vb, v.value);
          send(q, dq);
          send(k, dk);
          send(v, dv);
        },
        new Tensor[] {lse},
        q,
        k,
        v);
  }

  private static void send(Var x, Tensor g) {
    if (x.requiresGrad()) {
      x.accumulateGrad(g);
    } else {
      g.close();
    }
  }
}
