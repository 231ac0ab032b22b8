"""PyTorch cross-check of the noisin-ptb `cpu` setup's 2-layer tanh collapse
(docs/analysis/noisin-ptb.md, Table 2 notes): is the saturation a property of the model and
optimiser, or of our TypeScript implementation? Same recipe, independent
code: PTB, embedding 128 -> L tanh RNN layers of 128 -> 10k softmax, every
parameter uniform +-0.05, Adam lr 0.001, global-norm clip 5, mean per-token
loss, batch 10 x 35 in ptb_iterator's layout, the first 8% of the training
windows (212) per epoch, the state zeroed at each epoch's start and carried
across windows, 3 epochs; after each epoch, validation perplexity on the
first 20,000 tokens (batch 10, state carried). PyTorch's RNN has two bias
vectors where ours has one, and its random streams are its own, so runs
match ours in distribution, not number for number.

  /usr/bin/python3 scripts/diagnostics/torch_rnn_saturation.py [layers=2] [seeds=1,2,3] [lr=0.001]

Prints one JSON line per seed: per epoch training and validation perplexity,
the share of top-layer state values with |h| > 0.99 at the epoch's end, and
the first update at which that share reached 99% (-1: never). The committed
results/diagnostics/torch-rnn-saturation-L{1,2}.jsonl are this output
(L2: seeds 1-3; L1: seed 1, the control that learns), about 10 minutes a
seed with Debian's PyTorch 1.13.1 on this CPU."""
import json
import math
import os
import sys

import torch

torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
L = int(sys.argv[1]) if len(sys.argv) > 1 else 2
SEEDS = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "1,2,3").split(",")]
LR = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-3
H, B, T, EPOCHS, FRACTION, CURVE = 128, 10, 35, 3, 0.08, 20000


def words(split):
    with open(os.path.join(ROOT, "data", "ptb", f"ptb.{split}.txt")) as f:
        return [w for line in f for w in line.split() + ["<eos>"]]


train_words, valid_words = words("train"), words("valid")
vocab = {w: i for i, w in enumerate(sorted(set(train_words)))}
V = len(vocab)


def rows(ws, batch):
    ids = torch.tensor([vocab[w] for w in ws])
    n = len(ids) // batch
    return ids[: n * batch].view(batch, n)


TRAIN, VALID = rows(train_words, B), rows(valid_words[:CURVE], B)
PER_EPOCH = max(1, math.floor(FRACTION * ((TRAIN.shape[1] - 1) // T)))


class LM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, H)
        self.rnn = torch.nn.RNN(H, H, L, nonlinearity="tanh", batch_first=True)
        self.out = torch.nn.Linear(H, V)
        for p in self.parameters():
            torch.nn.init.uniform_(p, -0.05, 0.05)

    def forward(self, x, h):
        y, h = self.rnn(self.emb(x), h)
        return self.out(y).reshape(-1, V), h


def validate(m):
    h, total, n = torch.zeros(L, B, H), 0.0, 0
    with torch.no_grad():
        for s in range(0, VALID.shape[1] - 1, T):
            x, y = VALID[:, s : s + T], VALID[:, s + 1 : s + T + 1]
            x = x[:, : y.shape[1]]
            logits, h = m(x, h)
            total += float(torch.nn.functional.cross_entropy(logits, y.reshape(-1), reduction="sum"))
            n += y.numel()
    return math.exp(total / n)


def run(seed):
    torch.manual_seed(seed)
    m = LM()
    opt = torch.optim.Adam(m.parameters(), lr=LR)
    epochs, first = [], -1
    for e in range(EPOCHS):
        h, losses = torch.zeros(L, B, H), []
        for w in range(PER_EPOCH):
            x, y = TRAIN[:, w * T : (w + 1) * T], TRAIN[:, w * T + 1 : (w + 1) * T + 1]
            opt.zero_grad()
            logits, h = m(x, h.detach())
            loss = torch.nn.functional.cross_entropy(logits, y.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 5.0)
            opt.step()
            losses.append(float(loss))
            sat = float((h[-1].abs() > 0.99).float().mean())
            if first < 0 and sat >= 0.99:
                first = e * PER_EPOCH + w + 1
        epochs.append({"epoch": e + 1, "train": math.exp(sum(losses) / len(losses)), "valid": validate(m), "topSaturated": sat, "topMeanAbs": float(h[-1].abs().mean())})
    return {"seed": seed, "layers": L, "lr": LR, "updatesPerEpoch": PER_EPOCH, "firstUpdate99Saturated": first, "epochs": epochs}


for s in SEEDS:
    print(json.dumps(run(s)), flush=True)
