"""PyTorch peer for bench/nram.ts: one training step of the same NRAM (ListK,
M cells, R registers, T timesteps, the 14 modules lifted by 0/1 tables, a
ReLU layer + LSTM controller, one masked softmax for all selections,
renormalisation with an identity backward, element-wise clipping of
activation gradients (tensor hooks), the stopping distribution, the entropy
bonus, global-norm clip, Adam, annealed gradient noise), one CPU thread, on
random lists of the given shapes. Args: M R T H B steps reps. Prints a JSON
list of steps/s, one per rep."""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
M, R, T, H, B, STEPS, REPS = (int(a) for a in sys.argv[1:8])
C1, C2, EPS, ENT = 10.0, 10.0, 1e-6, 0.01
# (name, kind, arity, value or function)
MODS = [("READ", "read", 1), ("ZERO", "const", 0, 0), ("ONE", "const", 0, 1), ("TWO", "const", 0, 2), ("INC", "shift", 1, 1),
        ("ADD", "bin", 2, lambda a, b: (a + b) % M), ("SUB", "bin", 2, lambda a, b: (a - b) % M), ("DEC", "shift", 1, -1),
        ("LT", "bin", 2, lambda a, b: int(a < b)), ("LE", "bin", 2, lambda a, b: int(a <= b)), ("EQ", "bin", 2, lambda a, b: int(a == b)),
        ("MIN", "bin", 2, min), ("MAX", "bin", 2, max), ("WRITE", "write", 2)]
Q = len(MODS)
S = R + Q
rows, arg_row = 0, []
for m in MODS:
    arg_row.append(rows)
    rows += m[2]
reg_row = rows
rows += R
mask = torch.full((rows, S), -1e9)
for i, m in enumerate(MODS):
    for a in range(m[2]):
        mask[arg_row[i] + a, : R + i] = 0
mask[reg_row:, :] = 0
tables, shifts, consts = {}, {}, {}
for i, m in enumerate(MODS):
    if m[1] == "bin":
        t = torch.zeros(M * M, M)
        for a in range(M):
            for b in range(M):
                t[a * M + b, m[3](a, b)] = 1
        tables[i] = t
    if m[1] == "shift":
        s = torch.zeros(M, M)
        for a in range(M):
            s[a, (a + m[3]) % M] = 1
        shifts[i] = s
    if m[1] == "const":
        consts[i] = torch.nn.functional.one_hot(torch.tensor(m[3]), M).float()


def clip(x):
    if x.requires_grad:
        x.register_hook(lambda g: g.clamp(-C1, C1))
    return x


def renorm(x):
    # forward x / sum x; backward the identity (NRAM footnote 5)
    return x + (x / x.sum(-1, keepdim=True) - x).detach()


def batch():
    mem = torch.zeros(B, M, dtype=torch.long)
    tgt = torch.zeros(B, dtype=torch.long)
    slots = (M - 3) // 2
    for b in range(B):
        n = int(torch.randint(1, slots + 1, ()))
        nodes = (torch.randperm(slots)[:n] * 2 + 3).tolist()
        vals = torch.randint(1, M, (n,)).tolist()
        for i, a in enumerate(nodes):
            mem[b, a] = nodes[i + 1] if i + 1 < n else 0
            mem[b, a + 1] = vals[i]
        k = int(torch.randint(0, n, ()))
        mem[b, 0], mem[b, 1] = nodes[0], k
        tgt[b] = vals[k]
    return mem, tgt


def run(steps, warmup=3):
    g = lambda *s: torch.nn.Parameter(torch.randn(*s) * (2 / sum(s)) ** 0.5)
    w1, wl, wo = g(R, H), g(2 * H, 4 * H), g(H, rows * S + 1)
    b1, bl, bo = [torch.nn.Parameter(torch.zeros(n)) for n in (H, 4 * H, rows * S + 1)]
    params = [w1, b1, wl, bl, wo, bo]
    opt = torch.optim.Adam(params, lr=0.01)
    t0 = None
    for step in range(warmup + steps):
        if step == warmup:
            t0 = time.perf_counter()
        memi, tgt = batch()
        mem = torch.nn.functional.one_hot(memi, M).float()
        regs = torch.zeros(B, R, M)
        regs[:, :, 0] = 1
        h = torch.zeros(B, H)
        c = torch.zeros(B, H)
        not_done = torch.ones(B)
        loss = 0.0
        ent = 0.0
        for t in range(T):
            x = torch.relu(regs[:, :, 0] @ w1 + b1)
            gi, gf, go, gg = (torch.cat([x, h], 1) @ wl + bl).chunk(4, 1)
            c = clip(torch.sigmoid(gf) * c + torch.sigmoid(gi) * torch.tanh(gg))
            h = clip(torch.sigmoid(go) * torch.tanh(c))
            out = h @ wo + bo
            w = clip(renorm(torch.softmax(out[:, : rows * S].view(B, rows, S) + mask, -1)))
            ent = ent - (w * torch.log(w.clamp_min(EPS))).sum() / B
            src = regs
            for i, m in enumerate(MODS):
                args = w[:, arg_row[i]: arg_row[i] + m[2], : R + i] @ src if m[2] else None
                if m[1] == "read":
                    o = args @ mem
                elif m[1] == "const":
                    o = consts[i].expand(B, 1, M)
                elif m[1] == "shift":
                    o = args @ shifts[i]
                elif m[1] == "bin":
                    o = ((args[:, 0, :, None] * args[:, 1, None, :]).reshape(B, M * M) @ tables[i]).view(B, 1, M)
                else:
                    p, a = args[:, 0, :, None], args[:, 1:2, :]
                    mem = clip((1 - p) * mem + p * a)
                    o = a
                src = torch.cat([src, clip(o)], 1)
            regs = clip(renorm(w[:, reg_row:, :] @ src))
            f = torch.sigmoid(out[:, -1])
            pt = f * not_done if t < T - 1 else not_done
            not_done = not_done * (1 - f)
            logp = torch.log(mem[:, 2, :].gather(1, tgt[:, None])[:, 0].clamp_min(EPS))
            loss = loss - (pt * logp).sum() / B
        opt.zero_grad()
        (loss - ENT * ent).backward()
        torch.nn.utils.clip_grad_norm_(params, C2)
        std = (0.01 / (1 + step) ** 0.55) ** 0.5
        for p in params:
            p.grad.add_(torch.randn_like(p.grad) * std)
        opt.step()
        float(loss)
    return steps / (time.perf_counter() - t0)


print(json.dumps([run(STEPS) for _ in range(REPS)]))
