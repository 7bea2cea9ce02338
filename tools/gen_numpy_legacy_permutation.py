#!/usr/bin/env python3
"""Fixture for NumpyLegacyPermutationTest: numpy's legacy global generator (np.random.seed, MT19937)
and RandomState.permutation, as PEFT-Factory's prompt-tuning init calls them after transformers'
set_seed(seed): np.random.permutation(range(5000))[:num_virtual_tokens].

Writes peft/src/test/resources/org/peftbench/peft/prompttuning/numpy_legacy_permutation.json:
for each (seed, n, k) the first k entries of the permutation of range(n).
"""
import json
import os

import numpy as np

CASES = [(s, 5000, 100) for s in (42, 123, 456, 789, 101112)] + [
    (0, 10, 10),
    (1, 1, 1),
    (7, 300, 300),
    (2**32 - 1, 5000, 20),
    (31337, 70000, 50),
]


def main():
    out = []
    for seed, n, k in CASES:
        np.random.seed(seed)
        perm = np.random.permutation(range(n))[:k]
        out.append({"seed": seed, "n": n, "k": k, "ids": [int(x) for x in perm]})
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(
        here, "..", "peft", "src", "test", "resources", "org", "peftbench", "peft", "prompttuning",
        "numpy_legacy_permutation.json")
    with open(path, "w") as f:
        f.write('{"numpy": "%s", "cases": [\n' % np.__version__)
        f.write(",\n".join(json.dumps(c) for c in out))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
