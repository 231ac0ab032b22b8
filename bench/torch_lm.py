"""PyTorch peer for bench/lm.ts: one truncated-BPTT SGD step of a word-level
LM (embedding -> stacked LSTM or tanh RNN -> 10k softmax), Zaremba's recipe:
loss summed over steps and averaged over the batch, global-norm clip 5,
SGD lr 1, state carried (detached) across windows, uniform init +-0.1, one
CPU thread. Args: cell (lstm|tanh), layers, hidden, vocab, batch, steps,
timed steps, reps. Prints a JSON list of tokens/s, one per rep."""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
CELL, L, H, V, B, T, STEPS, REPS = sys.argv[1], *(int(a) for a in sys.argv[2:9])


class LM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, H)
        rnn = torch.nn.LSTM if CELL == "lstm" else torch.nn.RNN
        self.rnn = rnn(H, H, L) if CELL == "lstm" else rnn(H, H, L, nonlinearity=CELL)
        self.out = torch.nn.Linear(H, V)
        for p in self.parameters():
            torch.nn.init.uniform_(p, -0.1, 0.1)

    def forward(self, x, state):
        y, state = self.rnn(self.emb(x), state)
        return self.out(y).view(-1, V), state


def detach(s):
    return tuple(t.detach() for t in s) if isinstance(s, tuple) else s.detach()


def run(steps, warmup=3):
    m = LM()
    opt = torch.optim.SGD(m.parameters(), lr=1.0)
    ids = torch.randint(0, V, (T * (warmup + steps) + 1, B))
    z = torch.zeros(L, B, H)
    state = (z, z.clone()) if CELL == "lstm" else z
    t0 = None
    for s in range(warmup + steps):
        if s == warmup:
            t0 = time.perf_counter()
        x, y = ids[s * T:(s + 1) * T], ids[s * T + 1:(s + 1) * T + 1]
        state = detach(state)
        opt.zero_grad()
        logits, state = m(x, state)
        loss = torch.nn.functional.cross_entropy(logits, y.reshape(-1)) * T
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 5.0)
        opt.step()
        float(loss)
    return B * T * steps / (time.perf_counter() - t0)


print(json.dumps([run(STEPS) for _ in range(REPS)]))
