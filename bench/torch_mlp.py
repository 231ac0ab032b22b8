"""PyTorch peer for bench/run.ts: the same 20x50 ReLU MLP SGD step (clip 10,
optional annealed gradient noise added after clipping), examples/s on one
CPU thread. Prints one JSON line per configuration."""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)


def run(batch, noise, steps, warmup=20):
    layers = []
    sizes = [784] + [50] * 20 + [10]
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        torch.nn.init.normal_(lin.weight, 0, 0.1)
        torch.nn.init.zeros_(lin.bias)
        layers += [lin, torch.nn.ReLU()] if i < len(sizes) - 2 else [lin]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.rand(batch, 784)
    y = torch.randint(0, 10, (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()
    t0 = None
    for t in range(warmup + steps):
        if t == warmup:
            t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        if noise:
            std = (0.01 / (1 + t) ** 0.55) ** 0.5
            for p in model.parameters():
                p.grad.add_(torch.randn_like(p.grad) * std)
        opt.step()
        float(loss)  # the tfjs side reads its loss every step too
    return batch * steps / (time.perf_counter() - t0)


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


if __name__ == "__main__":
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    for batch in (32, 128):
        runs = {False: [], True: []}
        for _ in range(reps):  # noise off and on interleaved, as in bench/run.ts
            for noise in (False, True):
                runs[noise].append(run(batch, noise, steps))
        for noise in (False, True):
            xs = runs[noise]
            print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": 1, "batch": batch, "noise": noise,
                              "examplesPerSec": median(xs), "min": min(xs), "max": max(xs)}))
