"""The products of one tfjs step, timed in the PyTorch peer (bench/bound.ts).

argv[1]: JSON list of [batch, m, k, n, transpose_a, transpose_b, count]; prints
one JSON line: {"ms": milliseconds for all of them, "gflop": their GFLOP}.
Each product is timed on tensors laid out as tfjs's were (a transposed operand
is a transposed view, which BLAS reads without a copy), median of 7 rounds.
"""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
products = json.loads(sys.argv[1])
total_ms = 0.0
gflop = 0.0
for batch, m, k, n, ta, tb, count in products:
    a = torch.randn(batch, k, m).transpose(-1, -2) if ta else torch.randn(batch, m, k)
    b = torch.randn(batch, n, k).transpose(-1, -2) if tb else torch.randn(batch, k, n)
    calls = max(1, min(200, int(2e7 / max(1, 2 * batch * m * k * n))))
    torch.matmul(a, b)

    def one_round():
        t0 = time.perf_counter()
        for _ in range(calls):
            torch.matmul(a, b)
        return (time.perf_counter() - t0) * 1000 / calls

    total_ms += statistics.median(one_round() for _ in range(7)) * count
    gflop += 2 * batch * m * k * n * count / 1e9
print(json.dumps({"ms": total_ms, "gflop": gflop}))
