#!/usr/bin/env python3
"""Golden fixture for org.peftbench.datasets.random (numpy's default_rng and HF's split).

Writes datasets/src/test/resources/org/peftbench/datasets/random/numpy_splits.json with, for the
seeds PEFT-Bench runs (scripts/peftbench/run_exp.sh) and a few more:
  - the first 64-bit and 32-bit draws of np.random.default_rng(seed) (PCG64 via SeedSequence),
  - for several dataset sizes, the indices HF datasets' train_test_split(test_size=0.1, seed=seed)
    selects, computed the way datasets does it (n_test = ceil(0.1 n), test = the first n_test
    entries of default_rng(seed).permutation(n), train = the rest). Small sizes are stored in
    full; large ones as the first/last 16 entries plus a SHA-256 of the int32 little-endian array.

Run: python3 tools/gen_numpy_split_fixtures.py   (numpy from Debian's python3-numpy)
"""
import hashlib
import json
import math
import os

import numpy as np

SEEDS = [42, 123, 456, 789, 101112, 0, 1, 2**32 + 7, 2**70 + 12345]
SIZES = [1, 2, 3, 10, 67, 1000, 5000, 392702]
FRACTIONS = [0.1, 0.2]
FULL_LIMIT = 100


def digest(a):
    return hashlib.sha256(np.asarray(a, dtype="<i4").tobytes()).hexdigest()


def describe(a):
    a = [int(x) for x in a]
    if len(a) <= FULL_LIMIT:
        return {"length": len(a), "all": a, "sha256": digest(a)}
    return {"length": len(a), "head": a[:16], "tail": a[-16:], "sha256": digest(a)}


def main():
    out = {"numpy": np.__version__, "seeds": []}
    for seed in SEEDS:
        entry = {"seed": str(seed)}
        g = np.random.default_rng(seed)
        entry["uint64"] = [str(int(x)) for x in g.bit_generator.random_raw(4)]
        entry["pool"] = [int(x) for x in np.random.SeedSequence(seed).pool]
        splits = []
        for n in SIZES:
            for f in FRACTIONS:
                n_test = math.ceil(f * n)
                if n - n_test <= 0:
                    continue
                perm = np.random.default_rng(seed).permutation(n)
                splits.append(
                    {
                        "n": n,
                        "test_size": f,
                        "test": describe(perm[:n_test]),
                        "train": describe(perm[n_test:]),
                    }
                )
        entry["splits"] = splits
        out["seeds"].append(entry)
    path = os.path.join(
        os.path.dirname(__file__),
        "..",
        "datasets/src/test/resources/org/peftbench/datasets/random/numpy_splits.json",
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
