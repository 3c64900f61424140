#!/usr/bin/env python3
"""Screening harness for head-training ideas, outside the product (docs/ML-EXPERIMENTS.md).

Reads the cached features of a kept `report:ml -- --leave-kind-out --data DIR` library (the dev set,
its benign edits and the synthetic copies cached under `syn:<sha256>:<kind>@<level>#<seed>:...`) and
trains a PyTorch MLP like the product's head (64 ReLU units, dropout 0.2, Adam 1e-3, 20 epochs,
batch 256, class weighting, standardised columns with the signals block weighted) on 5 folds by
source photo x 2 seeds. A copy joins a fold's training only when its original is a training-side
good image. Prints the pooled out-of-fold ROC AUC, the best coverage at precision >= 0.95 (an
oracle cut), and, leaving each defect kind out in turn (its real bad images and its synthetic
stand-ins), the AUC of that kind against the held-out good images.

It has no distance-from-good block, no label weights and no pruning, so its absolute numbers are
not the product's; use it to screen an idea before building it into the ONNX training graph, then
measure with `npm run report:ml`.

  /usr/bin/python3 scripts/bench/pairwise-screen.py LIBRARY_DIR [../shared/datasets/quality-dev/truth.tsv]

Needs numpy, scikit-learn and torch (Debian: python3-sklearn, python3-torch).
"""
import re
import sqlite3
import sys
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from screening import BENIGN, FAMILIES, oracle_coverage, read_truth

SIGNALS = 58  # the signals block's width (quality-signals/2), the last columns


def load(library, truth_path):
    db = sqlite3.connect(f'file:{library}/library.sqlite?mode=ro', uri=True)
    feat = {}
    for sha, extractor, blob in db.execute('SELECT sha256, extractor, vector FROM features'):
        block = 'whole' if extractor.endswith('/whole') else 'crops' if extractor.endswith('/crops') else 'signals'
        feat.setdefault(sha, {})[block] = np.frombuffer(blob, dtype=np.float32)
    truth = {r['id']: r for r in read_truth(truth_path)}
    rows = []
    for image_id, sha in db.execute('SELECT id, sha256 FROM images'):
        (url,) = db.execute('SELECT url FROM image_urls WHERE image_id = ? LIMIT 1', (image_id,)).fetchone()
        m = re.search(r'/(\d+)\.jpg$', url)
        if m:  # a dev image
            t = truth[m.group(1)]
            rows.append(dict(sha=sha, label=t['label'], kind=t['degradation'], src=t['source_file']))
        else:  # a benign edit of a held-out good image: <id>-<edit>.jpg
            m = re.search(r'/(\d+)-(\w+)\.jpg$', url)
            rows.append(dict(sha=sha, label='benign', kind=m.group(2), src=truth[m.group(1)]['source_file']))
    copies = []
    for sha in feat:
        m = re.match(r'syn:([0-9a-f]{64}):(\w+)@(\d)#(\d+)', sha)
        if m:
            copies.append((sha, m.group(1), m.group(2)))

    def vec(s):
        return np.concatenate([feat[s]['whole'], feat[s]['crops'], feat[s]['signals']])

    return rows, np.stack([vec(r['sha']) for r in rows]), copies, np.stack([vec(c[0]) for c in copies])


def mlp(pair=0.0, benign_pair=0.0, hidden=64, epochs=20, dropout=0.2, signals_weight=30.0, use_copies=True):
    """A trainer: fit(real X, y, copies X, y, copies' original rows, seed) -> score(X)."""

    def fit(xr, yr, xs, ys, orig, seed):
        if not use_copies:
            xs, ys, orig = xs[:0], ys[:0], orig[:0]
        a = np.concatenate([xr, xs])
        y = torch.tensor(np.concatenate([yr, ys]).astype(np.float32))
        mean, std = a.mean(0), a.std(0) + 1e-6
        scale = np.ones(a.shape[1], np.float32)
        scale[-SIGNALS:] = signals_weight

        def prep(b):
            return torch.tensor(((b - mean) / std * scale).astype(np.float32))

        a = prep(a)
        n = len(y)
        bad = float(y.sum())
        cw = torch.where(y == 1, n / (2 * bad), n / (2 * (n - bad)))
        copy_rows = torch.arange(len(yr), n)
        orig_rows = torch.tensor(orig, dtype=torch.long)
        g = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        net = torch.nn.Sequential(torch.nn.Linear(a.shape[1], hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout), torch.nn.Linear(hidden, 1))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=0)
        for _ in range(epochs):
            perm = torch.randperm(n, generator=g)
            for b in range(0, n, 256):
                idx = perm[b:b + 256]
                net.train()
                z = net(a[idx]).squeeze(1)
                loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, y[idx], reduction='none') * cw[idx]).mean()
                loss = loss + 3e-5 * sum((p ** 2).sum() for name, p in net.named_parameters() if 'weight' in name)
                if (pair or benign_pair) and len(copy_rows):
                    # RankIQA's idea: a distorted copy scores worse than its original (hinge on the
                    # logit margin); benign edits keep their original's score.
                    sel = torch.randint(0, len(copy_rows), (min(256, len(copy_rows)),), generator=g)
                    zc = net(a[copy_rows[sel]]).squeeze(1)
                    zo = net(a[orig_rows[sel]]).squeeze(1)
                    distorted = y[copy_rows[sel]] == 1
                    if pair and distorted.any():
                        loss = loss + pair * torch.nn.functional.softplus(2.0 - (zc[distorted] - zo[distorted])).mean()
                    if benign_pair and (~distorted).any():
                        loss = loss + benign_pair * ((zc[~distorted] - zo[~distorted]) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        net.eval()

        def score(b):
            with torch.no_grad():
                return net(prep(b)).squeeze(1).numpy() if len(b) else np.zeros(0)

        return score

    return fit


def evaluate(data, fit, leave=None, seeds=(0, 1)):
    rows, x, copies, xs = data
    label = np.array([{'bad': 1, 'good': 0}.get(r['label'], -1) for r in rows])
    kind = np.array([r['kind'] for r in rows])
    src = np.array([r['src'] for r in rows])
    index = {r['sha']: i for i, r in enumerate(rows)}
    orig = np.array([index.get(c[1], -1) for c in copies])
    ckind = np.array([c[2] for c in copies])
    cy = np.array([0 if k in BENIGN else 1 for k in ckind])
    excluded = set(FAMILIES[leave]) if leave else set()
    p_all, y_all, k_all = [], [], []
    for seed in seeds:
        sources = sorted(set(src))
        np.random.RandomState(seed).shuffle(sources)
        for f in range(5):
            test = np.isin(src, sources[f::5])
            train = ~test & (label >= 0)
            if leave:
                train &= ~((label == 1) & (kind == leave))
            use = np.array([o >= 0 and train[o] and label[o] == 0 and k not in excluded for o, k in zip(orig, ckind)])
            where = {g: i for i, g in enumerate(np.where(train)[0])}
            score = fit(x[train], label[train], xs[use], cy[use], np.array([where[o] for o in orig[use]], dtype=np.int64), seed)
            held = test & (label >= 0)
            p_all += list(score(x[held]))
            y_all += list(label[held])
            k_all += list(kind[held])
    p, y, k = np.array(p_all), np.array(y_all), np.array(k_all)
    out = {'auc': roc_auc_score(y, p), 'oracle': oracle_coverage(p, y)}
    if leave:
        m = (y == 0) | (k == leave)
        out['kind_auc'] = roc_auc_score(y[m], p[m])
    return out


def main():
    library = sys.argv[1]
    truth = sys.argv[2] if len(sys.argv) > 2 else None
    torch.set_num_threads(2)
    data = load(library, truth)
    configs = [
        ('MLP-64 (the product-like head)', mlp()),
        ('+ copy-vs-original ranking loss', mlp(pair=1.0)),
        ('+ ranking loss, benign held', mlp(pair=1.0, benign_pair=1.0)),
        ('no synthetic copies', mlp(use_copies=False)),
    ]
    for name, fit in configs:
        t = time.time()
        r = evaluate(data, fit)
        kinds = {k: evaluate(data, fit, leave=k, seeds=(0,))['kind_auc'] for k in FAMILIES}
        print(f"{name:34s} AUC {r['auc']:.3f}  oracle coverage at precision 0.95 {r['oracle']:.2f}  "
              f"left-out kind AUC {' '.join(f'{k} {v:.3f}' for k, v in kinds.items())}  mean {np.mean(list(kinds.values())):.3f}  ({time.time() - t:.0f} s)", flush=True)


if __name__ == '__main__':
    main()
