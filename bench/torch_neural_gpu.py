"""PyTorch peer for bench/neural-gpu.ts: one Neural GPU training step (CGRUs
with 3x3 convolutions over a [batch, maps, rows, length] image, cut-off
gates, l = 2 CGRUs per step, `length` steps, relaxation sets by step, dropout
on the image, state masked at padded positions, softmax cross-entropy on the
first row, relaxation pull, Adam eps 1e-4, global-norm clip 1, annealed
noise eta 1), and the 3x3 convolution alone (forward + backward), one CPU
thread. Args: maps rows length batch relax steps reps. Prints JSON
{"step_ms": [...], "conv_ms": [...]}, one number per rep."""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
M, R, L, B, RELAX, STEPS, REPS = (int(a) for a in sys.argv[1:8])
V, LAYERS = 4, 2


def gate(x):
    return torch.clamp(1.2 * torch.sigmoid(x) - 0.1, 0, 1)


def params():
    a = 1 / (9 * M) ** 0.5
    ps = [torch.nn.Parameter(torch.rand(V, M) * 3.4 - 1.7), torch.nn.Parameter(torch.randn(M, V) * M ** -0.5), torch.nn.Parameter(torch.zeros(V))]
    for _ in range(RELAX * LAYERS):
        ps += [torch.nn.Parameter((torch.rand(2 * M, M, 3, 3) * 2 - 1) * a), torch.nn.Parameter(torch.ones(2 * M)),
               torch.nn.Parameter((torch.rand(M, M, 3, 3) * 2 - 1) * a), torch.nn.Parameter(torch.zeros(M))]
    return ps


def step_run(steps, warmup=2):
    ps = params()
    opt = torch.optim.Adam(ps, lr=1e-3, eps=1e-4)
    emb, out, out_b, cg = ps[0], ps[1], ps[2], ps[3:]
    t0 = None
    for s in range(warmup + steps):
        if s == warmup:
            t0 = time.perf_counter()
        inp = torch.randint(1, V, (B, L))
        tgt = torch.randint(0, V, (B, L))
        mask = (inp != 0).float()[:, None, None, :]
        x = torch.zeros(B, M, R, L)
        x[:, :, 0, :] = emb[inp].permute(0, 2, 1)
        x = x * mask
        opt.zero_grad()
        for t in range(L):
            x = F.dropout(x, 0.09, training=True)
            for l in range(LAYERS):
                k = ((t % RELAX) * LAYERS + l) * 4
                g = gate(F.conv2d(x, cg[k], cg[k + 1], padding=1))
                u, r = g[:, :M], g[:, M:]
                c = torch.tanh(F.conv2d(r * x, cg[k + 2], cg[k + 3], padding=1))
                x = (u * x + (1 - u) * c) * mask
        logits = x[:, :, 0, :].permute(0, 2, 1).reshape(B * L, M) @ out + out_b
        loss = F.cross_entropy(logits, tgt.reshape(-1))
        pull = 0
        for j in range(4 * LAYERS):
            st = torch.stack([cg[r * 4 * LAYERS + j] for r in range(RELAX)])
            pull = pull + ((st - st.mean(0)) ** 2).sum()
        (loss + 5e-4 * pull).backward()
        torch.nn.utils.clip_grad_norm_(ps, 1.0)
        std = (1.0 / (1 + s) ** 0.55) ** 0.5
        for p in ps:
            p.grad.add_(torch.randn_like(p.grad) * std)
        opt.step()
        float(loss)
    return 1000 * (time.perf_counter() - t0) / steps


def conv_run(calls=50, warmup=5):
    x = torch.randn(B, M, R, L, requires_grad=True)
    w = torch.randn(2 * M, M, 3, 3, requires_grad=True)
    r = torch.randn(B, 2 * M, R, L)
    t0 = None
    for i in range(warmup + calls):
        if i == warmup:
            t0 = time.perf_counter()
        y = F.conv2d(x, w, padding=1)
        gx, gw = torch.autograd.grad((y * r).sum(), [x, w])
        float(gw[0, 0, 0, 0])
    return 1000 * (time.perf_counter() - t0) / calls


print(json.dumps({"step_ms": [step_run(STEPS) for _ in range(REPS)], "conv_ms": [conv_run() for _ in range(REPS)]}))
