"""PyTorch peer for bench/neural-programmer.ts: one Neural Programmer training
step (question RNN, pivot attention, history RNN, selector, T = 4 soft steps
over the table state, Huber + lookup log-loss, global-norm clip, annealed
noise eta 1.0, Adam), one CPU thread, on random inputs of the shapes the
TypeScript side measured. Args: vocab, d, batch, question length, rows,
columns, steps, reps, noise (0/1). Prints a JSON list of questions/s, one per
rep."""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
V, D, B, L, M, C, STEPS, REPS, NOISE = (int(a) for a in sys.argv[1:10])
O, K, T = 10, 2, 4
SUM, COUNT, DIFF, GT, LT, AND, OR, PRINT, RESET, MATCH = range(10)


def batch():
    tokens = torch.randint(1, V, (B, L))
    slot_pos = torch.zeros(B, K, L)
    slot_pos[:, 0, 2] = 1
    slot_pos[:, 1, L - 3] = 1
    values = torch.randint(-100, 101, (B, M, C)).float()
    gt = (torch.rand(B, K, M, C) < 0.5).float()
    lt = 1 - gt
    match = torch.zeros(B, M, C)
    row_mask = torch.ones(B, M)
    is_scalar = (torch.rand(B) < 0.7).float()
    target = torch.randint(-1000, 1000, (B,)).float()
    lookup_t = (torch.rand(B, M, C) < 0.3).float()
    return tokens, slot_pos, values, gt, lt, match, row_mask, is_scalar, target, lookup_t


def run(steps, warmup=5):
    p = {n: torch.nn.Parameter(torch.randn(*s) * 0.1) for n, s in
         [("V", (V, D)), ("Wq", (2 * D, D)), ("U", (O, D)), ("Wop", (2 * D, D)), ("Wcol", (2 * D, D)), ("Wh", (3 * D, D)), ("pivot", (D, 2))]}
    opt = torch.optim.Adam(p.values(), lr=0.003)
    col_ids = torch.arange(1, C + 1)
    t0 = None
    for s in range(warmup + steps):
        if s == warmup:
            t0 = time.perf_counter()
        tokens, slot_pos, values, gt, lt, match, row_mask, is_scalar, target, lookup_t = batch()
        opt.zero_grad()
        emb = p["V"][tokens]
        z = torch.zeros(B, D)
        zs = []
        for i in range(L):
            z = torch.tanh(torch.cat([z, emb[:, i]], 1) @ p["Wq"])
            zs.append(z)
        q = z
        Z = torch.stack(zs, 1)
        beta = torch.softmax(slot_pos @ (Z @ p["pivot"]), 1)  # [B, K, 2]
        gt_cells = (gt * beta[:, :, 0, None, None]).sum(1)
        lt_cells = (lt * beta[:, :, 1, None, None]).sum(1)
        P = p["V"][col_ids]
        h = torch.zeros(B, D)
        prev_op, prev_col = torch.zeros(B, O), torch.zeros(B, C)
        zero = torch.zeros(B)
        scalars = [zero, zero, zero]
        rows = [row_mask, row_mask]
        lookup = torch.zeros(B, M, C)
        for _ in range(T):
            c = torch.cat([prev_op @ p["U"], prev_col @ P], 1)
            h = torch.tanh(torch.cat([c, h], 1) @ p["Wh"])
            qh = torch.cat([q, h], 1)
            aop = torch.softmax(torch.tanh(qh @ p["Wop"]) @ p["U"].t(), 1)
            acol = torch.softmax(torch.tanh(qh @ p["Wcol"]) @ P.t(), 1)
            rs, rs_prev = rows[-1], rows[-2]
            sums = (values * rs[:, :, None]).sum(1)
            s_prev = scalars[-1]
            w_s = aop[:, SUM] + aop[:, COUNT] + aop[:, DIFF]
            scalar = aop[:, SUM] * (sums * acol).sum(1) + aop[:, COUNT] * rs.sum(1) + aop[:, DIFF] * (scalars[-3] - s_prev) + (1 - w_s) * s_prev
            on = lambda x: (x * acol[:, None, :]).sum(2)
            w_r = (aop[:, GT] + aop[:, LT] + aop[:, AND] + aop[:, OR] + aop[:, RESET] + aop[:, MATCH])[:, None]
            rs_next = (aop[:, GT, None] * on(gt_cells) + aop[:, LT, None] * on(lt_cells) + aop[:, AND, None] * torch.minimum(rs, rs_prev)
                       + aop[:, OR, None] * torch.maximum(rs, rs_prev) + aop[:, RESET, None] * row_mask + aop[:, MATCH, None] * on(match) + (1 - w_r) * rs) * row_mask
            a_print = aop[:, PRINT, None, None]
            lookup = a_print * acol[:, None, :] * rs[:, :, None] + (1 - a_print) * lookup
            scalars.append(scalar)
            rows.append(rs_next)
            prev_op, prev_col = aop, acol
        huber = torch.nn.functional.huber_loss(scalars[-1], target, delta=10.0, reduction="none")
        pl = lookup.clamp(1e-6, 1 - 1e-6)
        bce = -(lookup_t * pl.log() + (1 - lookup_t) * (1 - pl).log()).mean((1, 2))
        loss = (is_scalar * huber + (1 - is_scalar) * 50 * bce).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(p.values(), 10.0)
        if NOISE:
            std = (1.0 / (1 + s) ** 0.55) ** 0.5
            for v in p.values():
                v.grad.add_(torch.randn_like(v.grad) * std)
        opt.step()
        if s % 10 == 0:
            float(loss)
    return B * steps / (time.perf_counter() - t0)


print(json.dumps([run(STEPS) for _ in range(REPS)]))
