"""PyTorch peer for bench/dngpu.ts: one DNGPU training step (Freivalds &
Liepins 2017: a [batch, maps, length] state, one diagonal gated unit per step
with width-3 convolutions, hard sigmoid and tanh, the saturation cost, dropout
keep 0.9 on the candidate, the state masked at padding, every bin trained in
one step, the code's clipped AdaMax), with GN's global-norm clip 1 then
annealed noise eta 1 before the update, one CPU thread. Args: maps batch steps
reps bins... Prints JSON {"step_ms": [...]}, one number per rep."""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
M, B, STEPS, REPS = (int(a) for a in sys.argv[1:5])
BINS = [int(a) for a in sys.argv[5:]]
V = 4
K = M // 3
STILL = M - 2 * K


def params():
    lim = (6 / (6 * M)) ** 0.5
    return [
        torch.nn.Parameter((torch.rand(M, V, 1) * 2 - 1) * (6 / (V + M)) ** 0.5), torch.nn.Parameter(torch.zeros(M)),
        torch.nn.Parameter((torch.rand(2 * M, M, 3) * 2 - 1) * lim), torch.nn.Parameter(torch.cat([torch.full((M,), 0.5), torch.full((M,), 0.7)])),
        torch.nn.Parameter((torch.rand(M, M, 3) * 2 - 1) * lim), torch.nn.Parameter(torch.zeros(M)),
        torch.nn.Parameter((torch.rand(V, M, 1) * 2 - 1) * (6 / (V + M)) ** 0.5), torch.nn.Parameter(torch.zeros(V)),
    ]


def sat(x):
    return F.relu(x.abs() - 0.9).sum()


def shift(s):
    return torch.cat([s[:, :STILL], F.pad(s[:, STILL:STILL + K], (1, 0))[:, :, :-1], F.pad(s[:, STILL + K:], (0, 1))[:, :, 1:]], 1)


def bin_loss(ps, L):
    w_in, b_in, w_g, b_g, w_c, b_c, w_o, b_o = ps
    inp = torch.randint(1, V, (B, L))
    tgt = torch.randint(0, V, (B, L))
    mask = ((inp != 0) | (tgt != 0)).float()[:, None, :]
    pre = F.conv1d(F.one_hot(inp, V).float().permute(0, 2, 1), w_in, b_in)
    cost = sat(pre) * L
    s = F.dropout(pre.clamp(-1, 1), 0.1, training=True) * mask
    for _ in range(L):
        gr = F.conv1d(s, w_g, b_g, padding=1)
        cost = cost + sat(gr)
        h = (0.5 * gr + 0.5).clamp(0, 1)
        r, g = h[:, :M], h[:, M:]
        c_pre = F.conv1d(r * s, w_c, b_c, padding=1)
        cost = cost + sat(c_pre)
        c = F.dropout(c_pre.clamp(-1, 1), 0.1, training=True)
        s = (g * shift(s) + (1 - g) * c) * mask
    logits = F.conv1d(s, w_o, b_o).permute(0, 2, 1).reshape(B * L, V)
    return F.cross_entropy(logits, tgt.reshape(-1)), cost / (L * L * B)


def step_run(steps, warmup=2):
    ps = params()
    m = [torch.zeros_like(p) for p in ps]
    v = [torch.zeros_like(p) for p in ps]
    lr = 0.01 * 48 / M
    t0 = None
    for t in range(warmup + steps):
        if t == warmup:
            t0 = time.perf_counter()
        for p in ps:
            p.grad = None
        ce, cost = 0, 0
        for L in BINS:
            a, b = bin_loss(ps, L)
            ce, cost = ce + a, cost + b
        loss = ce / len(BINS) + 1e-3 * cost / len(BINS)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ps, 1.0)
        std = (1.0 / (1 + t) ** 0.55) ** 0.5
        beta2 = 1 - max(5e-4, 0.01 * 0.5 ** (t / 2000))
        with torch.no_grad():
            for p, mi, vi in zip(ps, m, v):
                g = p.grad + torch.randn_like(p.grad) * std
                lim = vi * 1.2 + 1e-4
                g = torch.maximum(torch.minimum(g, lim), -lim)
                mi.mul_(0.9).add_(0.1 * g)
                torch.maximum(vi * beta2, g.abs(), out=vi)
                p.sub_(lr * mi / (vi + 1e-8))
        float(loss)
    return 1000 * (time.perf_counter() - t0) / steps


print(json.dumps({"step_ms": [step_run(STEPS) for _ in range(REPS)]}))
