"""PyTorch peer for bench/memn2n.ts: one MemN2N SGD step (3 hops, d 20,
adjacent tying, position and temporal encoding, batch 32, loss summed,
per-parameter clip 40, annealed noise) with nn.Embedding lookups, one CPU
thread. Args: vocab, memory slots, words per sentence, steps, reps. Prints a
JSON list of questions/s, one per rep."""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
V, T, J, STEPS, REPS = (int(a) for a in sys.argv[1:6])
D, K, B = 20, 3, 32


def run(steps, warmup=10):
    # Row 0 is padding; rows 1..V words; rows V+1..V+T time.
    emb = [torch.nn.Parameter(torch.randn(V + T + 1, D) * 0.1) for _ in range(K + 1)]
    opt = torch.optim.SGD(emb, lr=0.005)
    j = torch.arange(1, J + 1, dtype=torch.float32)[:, None]
    k = torch.arange(1, D + 1, dtype=torch.float32)[None, :]
    pe = (1 - j / J) - (k / D) * (1 - 2 * j / J)  # [J, D]
    t0 = None
    for s in range(warmup + steps):
        if s == warmup:
            t0 = time.perf_counter()
        mem = torch.randint(1, V + 1, (B, T, J))
        q = torch.randint(1, V + 1, (B, J))
        times = torch.arange(T).expand(B, T) + V + 1
        ans = torch.randint(1, V + 1, (B,))
        opt.zero_grad()
        m = [(e[mem] * pe).sum(2) + e[times] for e in emb]
        u = (emb[0][q] * pe).sum(1)
        for h in range(K):
            p = torch.softmax((m[h] * u[:, None, :]).sum(2), dim=1)
            u = u + (m[h + 1] * p[:, :, None]).sum(1)
        loss = torch.nn.functional.cross_entropy(u @ emb[K].t(), ans, reduction="sum")
        loss.backward()
        std = (0.01 / (1 + s) ** 0.55) ** 0.5
        for e in emb:
            torch.nn.utils.clip_grad_norm_([e], 40.0)
            e.grad.add_(torch.randn_like(e.grad) * std)
        opt.step()
        float(loss)
    return B * steps / (time.perf_counter() - t0)


print(json.dumps([run(STEPS) for _ in range(REPS)]))
