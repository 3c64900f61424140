#!/usr/bin/env python3
"""Screen feature ideas outside the product (docs/ML-EXPERIMENTS.md).

Two steps, both on ../shared/datasets/quality-dev:

  cnn     Train a small patch CNN to tell synthetic distortions apart (DB-CNN's S-CNN idea: Zhang
          et al. 2020 pre-train a quality-aware branch on synthetic distortion type and level), on
          64-px patches of the copies `render-copies.ts` wrote plus the good originals (class
          "clean" = originals and benign edits; one class per distortion kind; and the level as a
          regression target). The source photos that `report:ml -- --leave-kind-out` holds out
          (its seed and fraction, the same mulberry32 draw) are left out of its training, so that
          report stays honest when the CNN's features join a run. Writes the weights, an ONNX
          export (outputs: pooled features z, class probabilities p, level r, per patch), the card
          the product reads beside it (OUT.card.json: resources/models/defects_v1.json) and, per
          dev image, its patches' mean z, mean p and the mean / max / 90th percentile of r.
  screen  Logistic regression on blocks of the dump `feature-dump.ts` wrote (whole, crops,
          signals, intermediate-layer statistics lw / lc) and, given --cnn, the CNN's block `sc`:
          5 folds by source photo x 3 seeds, standardised columns, each block scaled to equal
          weight. Prints the out-of-fold ROC AUC, the best coverage at precision >= 0.95 (an
          oracle cut), and the AUC of each real defect kind with its bad images left out of
          training, against the good images. With --cnn only the images of the photos the CNN
          never saw are screened.

Screening only: no synthetic copies in the head's training, no distance block, label weights or
pruning, so its absolute numbers are not the product's (`npm run report:ml` measures those).

  npx tsx scripts/bench/render-copies.ts --out DIR --part 0/2 & ... --part 1/2; wait
  /usr/bin/python3 scripts/bench/feature-screen.py cnn DIR OUT_PREFIX [--steps 2500] [--seed 0] [--exclude-kinds K,...]
  npx tsx scripts/bench/feature-dump.ts --out DUMP.jsonl
  /usr/bin/python3 scripts/bench/feature-screen.py screen DUMP.jsonl [--cnn OUT_PREFIX.json]

Needs numpy, scikit-learn, Pillow and torch (Debian: python3-sklearn, python3-pil, python3-torch).
"""
import argparse
import glob
import json
import os
import time

import numpy as np

from screening import BENIGN, DEV, defect_net, held_out_sources, oracle_coverage, read_truth

PATCH = 64


def cnn(args):
    import torch
    import torch.nn as nn
    from PIL import Image
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    dev = read_truth()
    src = {t['id']: t['source_file'] for t in dev}
    held = held_out_sources(seed=args.holdout_seed, fraction=args.holdout)
    index = [line.rstrip('\n').split('\t') for f in sorted(glob.glob(os.path.join(args.copies, 'index*.tsv'))) for line in open(f) if line.strip()]
    excluded = set(args.exclude_kinds.split(',')) if args.exclude_kinds else set()
    index = [row for row in index if row[1] not in excluded]
    kinds = sorted({k for _, k, _, _ in index if k not in BENIGN})
    cls = {k: i + 1 for i, k in enumerate(kinds)}
    imgs, label, level = [], [], []

    def add(path, c, lv):
        im = np.asarray(Image.open(path).convert('RGB'))
        if min(im.shape[:2]) >= PATCH:  # a random patch needs the room
            imgs.append(im)
            label.append(c)
            level.append(lv)

    for i, k, lv, f in index:
        if src[i] not in held:
            add(os.path.join(args.copies, os.path.basename(f)), cls.get(k, 0), int(lv) if k in cls else 0)  # the folder may have moved
    for t in dev:
        if t['label'] == 'good' and t['source_file'] not in held:
            add(os.path.join(DEV, 'images', t['id'] + '.jpg'), 0, 0)
    label = np.array(label)
    level = np.array(level, dtype=np.float32)
    print(f'{len(imgs)} training pictures ({len(held)} held-out source photos left out{", kinds left out: " + ",".join(sorted(excluded)) if excluded else ""}), {len(cls) + 1} classes', flush=True)

    def patches(batch):
        idx = rng.randint(len(imgs), size=batch)
        x = np.empty((batch, PATCH, PATCH, 3), np.uint8)
        for j, i in enumerate(idx):
            h, w = imgs[i].shape[:2]
            y0, x0 = rng.randint(h - PATCH + 1), rng.randint(w - PATCH + 1)
            x[j] = imgs[i][y0:y0 + PATCH, x0:x0 + PATCH]
        return to_tensor(x), torch.from_numpy(label[idx]), torch.from_numpy(level[idx])

    def to_tensor(x):
        return torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255 - 0.5

    net = defect_net(len(cls) + 1)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=args.steps)
    started = time.time()
    net.train()
    for step in range(args.steps):
        x, y, lv = patches(64)
        z = net.features(x)
        loss = nn.functional.cross_entropy(net.cls(z), y) + nn.functional.mse_loss(net.reg(z).squeeze(1), lv / 5)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0:
            print(f'step {step}: loss {loss.item():.3f}, {time.time() - started:.0f} s', flush=True)
    net.eval()
    torch.save(net.state_dict(), args.out + '.pt')
    torch.onnx.export(net, torch.zeros(2, 3, PATCH, PATCH), args.out + '.onnx', input_names=['x'], output_names=['z', 'p', 'r'],
                      dynamic_axes={n: {0: 'n'} for n in ['x', 'z', 'p', 'r']}, opset_version=13)
    feats = {}
    with torch.no_grad():
        for t in read_truth():
            im = Image.open(os.path.join(DEV, 'images', t['id'] + '.jpg')).convert('RGB')
            if min(im.size) < PATCH:
                im = im.resize((max(PATCH, im.size[0]), max(PATCH, im.size[1])))
            a = np.asarray(im)
            h, w = a.shape[:2]
            x = to_tensor(np.stack([a[y:y + PATCH, c:c + PATCH] for y in range(0, h - PATCH + 1, PATCH) for c in range(0, w - PATCH + 1, PATCH)]))
            z, p, r = net(x)
            feats[t['id']] = {'z': z.mean(0).tolist(), 'p': p.mean(0).tolist(), 'r': [r.mean().item(), r.max().item(), torch.quantile(r, 0.9).item()]}
    json.dump({'held_out_sources': sorted(held), 'kinds': ['clean'] + kinds, 'features': feats}, open(args.out + '.json', 'w'))
    # The product's card (src-main/core/ml/features/defectNet.ts reads kinds, patch and zDim).
    card = {'kinds': ['clean'] + kinds, 'patch': PATCH, 'zDim': 256, 'outputs': {'z': 'mean and standard deviation of the last feature map (256)', 'p': 'class probabilities, kinds order', 'r': 'level / 5 (0 = clean)'},
            'trained': {'script': 'scripts/bench/feature-screen.py cnn', 'steps': args.steps, 'seed': args.seed, 'batch': 64, 'pictures': len(imgs), 'copies': 'scripts/bench/render-copies.ts (defaults)',
                        'held_out_sources': sorted(held), 'excluded_kinds': sorted(excluded), 'torch': torch.__version__},
            'license': 'MIT (weights); trained on shared/datasets/quality-dev photos, whose licences are in its LICENSES.tsv'}
    json.dump(card, open(args.out + '.card.json', 'w'), indent=1)
    print(f'{args.out}.pt, .onnx, .json, .card.json written in {time.time() - started:.0f} s')


def screen(args):
    import warnings
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler
    warnings.filterwarnings('ignore')
    rows = [json.loads(line) for line in open(args.dump)]
    rows = [r for r in rows if r['label'] in ('good', 'bad')]
    blocks = ['whole', 'crops', 'signals', 'lw', 'lc']
    if args.cnn:
        c = json.load(open(args.cnn))
        unseen = set(c['held_out_sources'])  # the photos the CNN never saw
        rows = [r for r in rows if r['src'] in unseen]
        for r in rows:
            f = c['features'][r['id']]
            r['sc'] = f['z'] + f['p'] + f['r']
        blocks.append('sc')
    y = np.array([r['label'] == 'bad' for r in rows], dtype=int)
    kind = np.array([r['deg'] for r in rows])
    group = np.array([r['src'] for r in rows])
    X = {b: np.array([r[b] for r in rows], dtype=np.float64) for b in blocks}
    print(f'{len(rows)} labelled images ({y.sum()} bad) from {len(set(group))} source photos')

    def fit_predict(cfg, tr, te):
        a, b = [], []
        for name in cfg:
            s = StandardScaler().fit(X[name][tr])
            w = 1 / np.sqrt(X[name].shape[1])
            a.append(np.nan_to_num(s.transform(X[name][tr])) * w)
            b.append(np.nan_to_num(s.transform(X[name][te])) * w)
        return LogisticRegression(C=args.C, max_iter=3000).fit(np.hstack(a), y[tr]).decision_function(np.hstack(b))

    configs = [['whole', 'crops', 'signals'], ['whole', 'crops', 'signals', 'lw', 'lc'], ['whole', 'crops', 'signals', 'lc'], ['signals', 'lw', 'lc']]
    if args.cnn:
        configs = [['whole', 'crops', 'signals'], ['whole', 'crops', 'signals', 'sc'], ['signals', 'sc'], ['sc']]
    for cfg in configs:
        aucs, oracles, lko = [], [], {}
        for seed in range(3):
            perm = dict(zip(sorted(set(group)), np.random.RandomState(seed).permutation(len(set(group)))))
            fold = np.array([perm[g] % 5 for g in group])
            p = np.zeros(len(y))
            for f in range(5):
                p[fold == f] = fit_predict(cfg, np.where(fold != f)[0], np.where(fold == f)[0])
            aucs.append(roc_auc_score(y, p))
            oracles.append(oracle_coverage(p, y))
            if seed == 0:
                for k in sorted(set(kind) - {'none'}):
                    q = np.zeros(len(y))
                    for f in range(5):
                        q[fold == f] = fit_predict(cfg, np.where((fold != f) & (kind != k))[0], np.where(fold == f)[0])
                    sel = (kind == k) | (y == 0)
                    lko[k] = roc_auc_score(y[sel], q[sel])
        print(f"{'+'.join(cfg):32s} AUC {np.mean(aucs):.3f}  oracle coverage {np.mean(oracles):.2f}  left-out kind AUC mean {np.mean(list(lko.values())):.3f} ("
              + ', '.join(f'{k} {v:.2f}' for k, v in lko.items()) + ')', flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='step', required=True)
    c = sub.add_parser('cnn')
    c.add_argument('copies')
    c.add_argument('out')
    c.add_argument('--steps', type=int, default=2500)
    c.add_argument('--seed', type=int, default=0, help='torch and patch-sampling seed (one training draw)')
    c.add_argument('--exclude-kinds', help='distortion kinds whose copies it never sees (a left-out kind\'s stand-ins, scripts/bench/kind-report.ts KIND_FAMILIES)')
    c.add_argument('--holdout-seed', type=int, default=1)
    c.add_argument('--holdout', type=float, default=0.25)
    s = sub.add_parser('screen')
    s.add_argument('dump')
    s.add_argument('--cnn')
    s.add_argument('--C', type=float, default=1.0)
    args = ap.parse_args()
    (cnn if args.step == 'cnn' else screen)(args)


if __name__ == '__main__':
    main()
