#!/usr/bin/env python3
"""Train the defect net (resources/models/defects_v1.onnx) on a GPU, several at once.

The same network and targets as `feature-screen.py cnn` (a seven-layer patch CNN that names the
distortion kind of a 64-px patch, "clean" for originals and benign edits, and regresses its level;
the product reads its pooled features, class probabilities and level: defectNet.ts), trained on
far more: every distortion kind and every benign edit of every good dev photo, `--rounds` times
(random levels 1-5), instead of 14 kinds and 3 edits once; ~20x the patches. Where the product
cannot run (no sharp there), `render-raw.ts`, bundled with esbuild and run by a carried node,
distorts decoded pixels; this script decodes the photos and JPEG-encodes each copy at quality 90
(as a training copy is saved before it is embedded).

The source photos that `report:ml -- --leave-kind-out` holds out by default (seed 1, a quarter:
the same mulberry32 draw) never reach training; their copies measure the patch accuracy.

  python3 defect-net-gpu.py --dev DIR --node NODE --renderer render-raw.cjs --out OUT \
      [--nets main:0,main:1,lko:motion,...] [--rounds 2] [--budget 150] [--parallel 4]

With --steps N (and --batch 64) each net is trained as the shipped one was instead: N steps, on
the original and 14 kinds and 3 benign edits drawn per photo (`--kinds-per-photo`,
`--benign-per-photo`): `lko:KIND` nets of that recipe make the leave-one-kind-out table honest
about the shipped net. Each net is `main:SEED` (every kind) or `lko:KIND` (seed 0, the synthetic stand-ins of a real dev
defect kind left out: kind-report.ts's KIND_FAMILIES), trained for --budget seconds of a GPU shared by
--parallel trainers (the learning rate follows the time spent; the card records the steps). Writes OUT/<name>.onnx and OUT/<name>.card.json per net and OUT/summary.json.
"""
import argparse
import io
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

from screening import FAMILIES as KIND_FAMILIES, defect_net, held_out_sources, read_truth

PATCH = 64
def jpeg90(item):
    """A copy as the product embeds it: JPEG quality 90, decoded again."""
    from PIL import Image
    path, w, h = item
    raw = np.fromfile(path, np.uint8)
    buf = io.BytesIO()
    Image.frombytes('RGB', (w, h), raw.tobytes()).save(buf, 'JPEG', quality=90)
    a = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert('RGB'))
    os.remove(path)
    return a


def prepare(args):
    """Decode the good photos, render the copies, store every picture in one flat array."""
    from concurrent.futures import ProcessPoolExecutor
    from PIL import Image
    started = time.time()
    truth = read_truth(os.path.join(args.dev, 'truth.tsv'))
    held = held_out_sources(truth)
    goods = [t for t in truth if t['label'] == 'good']
    src = {t['id']: t['source_file'] for t in truth}
    raw = os.path.join(args.work, 'raw')
    copies = os.path.join(args.work, 'copies')
    os.makedirs(raw, exist_ok=True)
    pics, meta = [], []  # meta: (id, kind, level, held)
    with open(os.path.join(raw, 'list.tsv'), 'w') as lst:
        for t in goods:
            a = np.asarray(Image.open(os.path.join(args.dev, 'images', t['id'] + '.jpg')).convert('RGB'))
            a.tofile(os.path.join(raw, t['id'] + '.rgb'))
            lst.write(f"{t['id']}\t{a.shape[1]}\t{a.shape[0]}\n")
            pics.append(a)
            meta.append((t['id'], 'original', 0))
    procs = [subprocess.Popen([args.node, args.renderer, os.path.join(raw, 'list.tsv'), copies, '--part', f'{k}/{args.parts}', '--rounds', str(args.rounds)])
             for k in range(args.parts)]
    if any(p.wait() for p in procs):
        sys.exit('render-raw failed')
    rows = [line.rstrip('\n').split('\t') for k in range(args.parts) for line in open(os.path.join(copies, f'index{k}.tsv')) if line.strip()]
    print(f'{len(rows)} copies of {len(goods)} good photos rendered in {time.time() - started:.0f} s', flush=True)
    with ProcessPoolExecutor(args.parts) as pool:
        decoded = list(pool.map(jpeg90, [(os.path.join(copies, r[5]), int(r[3]), int(r[4])) for r in rows], chunksize=32))
    for r, a in zip(rows, decoded):
        pics.append(a)
        meta.append((r[0], r[1], int(r[2])))
    keep = [i for i, a in enumerate(pics) if min(a.shape[:2]) >= PATCH]  # a random patch needs the room
    sizes = np.array([pics[i].size for i in keep], np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate([pics[i].reshape(-1) for i in keep])
    np.save(os.path.join(args.work, 'flat.npy'), flat)
    info = {'offsets': offsets.tolist(), 'h': [pics[i].shape[0] for i in keep], 'w': [pics[i].shape[1] for i in keep],
            'id': [meta[i][0] for i in keep], 'kind': [meta[i][1] for i in keep], 'level': [meta[i][2] for i in keep],
            'held': [src[meta[i][0]] in held for i in keep], 'held_out_sources': sorted(held), 'rounds': args.rounds, 'goods': len(goods)}
    json.dump(info, open(os.path.join(args.work, 'info.json'), 'w'))
    print(f'{len(keep)} pictures ({flat.nbytes / 2**30:.1f} GiB) ready in {time.time() - started:.0f} s', flush=True)


def train(args):
    """One net: `main:SEED` or `lko:KIND` (runs in its own process; several share the GPU)."""
    import torch
    import torch.nn as nn
    started = time.time()
    kind_of, _, which = args.net.partition(':')
    seed = int(which) if kind_of == 'main' else 0
    excluded = set(KIND_FAMILIES[which]) if kind_of == 'lko' else set()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    info = json.load(open(os.path.join(args.work, 'info.json')))
    levels = np.array(info['level'])
    kinds_all = sorted({k for k, lv in zip(info['kind'], levels) if lv > 0})
    classes = ['clean'] + kinds_all  # every net has every class: the product's block has one layout
    cls = {k: i for i, k in enumerate(classes)}
    label = np.array([cls[k] if lv > 0 else 0 for k, lv in zip(info['kind'], levels)])
    held = np.array(info['held'])
    usable = np.array([k not in excluded for k in info['kind']])
    if args.steps:
        # The shipped net's recipe (feature-screen.py cnn on render-copies.ts's defaults): per good
        # photo its original, `--kinds-per-photo` distortion kinds and `--benign-per-photo` benign
        # edits drawn from what was rendered (the excluded kinds never drawn).
        pick = np.random.RandomState(100 + seed)
        by_photo = {}
        for i, (pid, k, lv) in enumerate(zip(info['id'], info['kind'], levels)):
            by_photo.setdefault(pid, {'original': [], 'bad': [], 'benign': []})['original' if k == 'original' else 'bad' if lv > 0 else 'benign'].append(i)
        chosen = []
        for pid in sorted(by_photo):
            g = by_photo[pid]
            bad = [i for i in g['bad'] if usable[i]]
            chosen += g['original'] + list(pick.permutation(bad)[:args.kinds_per_photo]) + list(pick.permutation(g['benign'])[:args.benign_per_photo])
        usable = np.zeros(len(levels), bool)
        usable[chosen] = True
    train_idx = np.nonzero(~held & usable)[0]
    val_idx = np.nonzero(held)[0]
    warnings.filterwarnings('ignore', 'The given NumPy array is not writable')  # read once, onto the device
    flat = torch.from_numpy(np.load(os.path.join(args.work, 'flat.npy'), mmap_mode='r')).to(dev)
    off = torch.tensor(info['offsets'], device=dev)
    hh = torch.tensor(info['h'], device=dev)
    ww = torch.tensor(info['w'], device=dev)
    y_all = torch.tensor(label, device=dev)
    lv_all = torch.tensor(levels, dtype=torch.float32, device=dev)
    ar = torch.arange(PATCH, device=dev)
    rgb = torch.arange(3, device=dev)
    gen = torch.Generator(device=dev)
    gen.manual_seed(1000 + seed)

    def patches(idx_pool, batch, g):
        pick = idx_pool[torch.randint(len(idx_pool), (batch,), device=dev, generator=g)]
        h, w = hh[pick], ww[pick]
        y0 = (torch.rand(batch, device=dev, generator=g) * (h - PATCH + 1)).long()
        x0 = (torch.rand(batch, device=dev, generator=g) * (w - PATCH + 1)).long()
        rows = y0[:, None] + ar[None, :]
        cols = x0[:, None] + ar[None, :]
        at = off[pick][:, None, None] + (rows[:, :, None] * w[:, None, None] + cols[:, None, :]) * 3
        x = flat[at[..., None] + rgb].permute(0, 3, 1, 2).float() / 255 - 0.5
        return x.contiguous(memory_format=torch.channels_last), y_all[pick], lv_all[pick]

    tr = torch.tensor(train_idx, device=dev)
    va = torch.tensor(val_idx, device=dev)

    def step_fn(net, opt):
        x, y, lv = patches(tr, args.batch, gen)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == 'cuda'):
            z = net.features(x)
        loss = nn.functional.cross_entropy(net.cls(z), y) + nn.functional.mse_loss(net.reg(z).squeeze(1), lv / 5)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    # Trained for --budget seconds, however the GPU is shared: the learning rate follows the
    # share of that time spent (one cycle: up for 30%, then a cosine down); the card records the
    # steps it came to.
    net = defect_net(len(classes)).to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), args.lr / 25)
    print(f'{args.net}: {len(train_idx)} training pictures, {len(val_idx)} validation', flush=True)
    net.train()
    t0 = time.time()
    budget = max(10.0, args.budget - (t0 - started))
    steps = 0
    while steps < (args.steps or args.max_steps):
        frac = steps / args.steps if args.steps else (time.time() - t0) / budget
        if frac >= 1:
            break
        lr = args.lr * (1 / 25 + (1 - 1 / 25) * frac / 0.3) if frac < 0.3 else args.lr * (1e-4 + (1 - 1e-4) * 0.5 * (1 + np.cos(np.pi * (frac - 0.3) / 0.7)))
        for g in opt.param_groups:
            g['lr'] = lr
        loss = step_fn(net, opt)
        if steps % 2000 == 0:
            print(f'{args.net} step {steps}: loss {loss.item():.3f}, lr {lr:.2e}, {time.time() - started:.0f} s', flush=True)
        steps += 1
    net.eval()
    # Patch accuracy on the held-out photos' copies (never trained on), a fixed draw of patches.
    vg = torch.Generator(device=dev)
    vg.manual_seed(7)
    hit = clean_hit = n = 0
    per_kind = {}
    with torch.no_grad():
        for _ in range(16):
            x, y, _ = patches(va, 1024, vg)
            _, p, _ = net(x.contiguous())
            pred = p.argmax(1)
            hit += (pred == y).sum().item()
            clean_hit += ((pred == 0) == (y == 0)).sum().item()
            n += len(y)
            for c in y.unique().tolist():
                m = y == c
                a, b = per_kind.get(classes[c], (0, 0))
                per_kind[classes[c]] = (a + (pred[m] == c).sum().item(), b + m.sum().item())
    net = net.float().cpu().to(memory_format=torch.contiguous_format)
    out = os.path.join(args.out, args.net.replace(':', '_'))
    example = torch.zeros(2, 3, PATCH, PATCH)
    torch.save(net.state_dict(), out + '.pt')
    names = {'input_names': ['x'], 'output_names': ['z', 'p', 'r'], 'dynamic_axes': {k: {0: 'n'} for k in ['x', 'z', 'p', 'r']}, 'opset_version': 13}
    try:  # the TorchScript exporter, as feature-screen.py's nets were exported
        torch.onnx.export(net, example, out + '.onnx', dynamo=False, **names)
    except TypeError:  # a torch from before the `dynamo` switch
        torch.onnx.export(net, example, out + '.onnx', **names)
    except Exception as e:  # noqa: BLE001 -- a torch without the old exporter: the new one
        print(f'{args.net}: TorchScript export failed ({e}); exporting with dynamo', flush=True)
        torch.onnx.export(net, example, out + '.onnx', dynamo=True, **names)
    check = None
    try:
        import onnxruntime as ort
        s = ort.InferenceSession(out + '.onnx', providers=['CPUExecutionProvider'])
        xs = torch.rand(5, 3, PATCH, PATCH) - 0.5
        zo, po, ro = s.run(None, {'x': xs.numpy()})
        with torch.no_grad():
            zt, pt, rt = net(xs)
        check = float(max(abs(zo - zt.numpy()).max(), abs(po - pt.numpy()).max(), abs(ro - rt.numpy()).max()))
    except ImportError:
        pass
    card = {'kinds': classes, 'patch': PATCH, 'zDim': 256,
            'outputs': {'z': 'mean and standard deviation of the last feature map (256)', 'p': 'class probabilities, kinds order', 'r': 'level / 5 (0 = clean)'},
            'trained': {'script': 'scripts/bench/defect-net-gpu.py', 'net': args.net, 'steps': steps, 'seed': seed, 'batch': args.batch, 'lr': args.lr,
                        'pictures': int(len(train_idx)), 'copies': (f"scripts/bench/render-raw.ts, per photo {args.kinds_per_photo} kinds and {args.benign_per_photo} benign edits drawn, JPEG q90" if args.steps else f"scripts/bench/render-raw.ts: every kind and benign edit of each good dev photo, {info['rounds']} rounds, JPEG q90"),
                        'held_out_sources': info['held_out_sources'], 'excluded_kinds': sorted(excluded), 'torch': torch.__version__,
                        'device': torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu',
                        'validation': {'patches': n, 'accuracy': hit / n, 'clean_vs_distorted': clean_hit / n,
                                       'per_kind': {k: round(a / b, 3) for k, (a, b) in sorted(per_kind.items())}},
                        'onnx_max_abs_diff': check, 'seconds': round(time.time() - started, 1)},
            'license': 'MIT (weights); trained on shared/datasets/quality-dev photos, whose licences are in its LICENSES.tsv'}
    json.dump(card, open(out + '.card.json', 'w'), indent=1)
    print(f'{args.net}: {steps} steps, validation accuracy {hit / n:.3f}, clean vs distorted {clean_hit / n:.3f}, onnx diff {check}, {time.time() - started:.0f} s', flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dev', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--work', default='/tmp/defect-net')
    ap.add_argument('--node', default='node')
    ap.add_argument('--renderer', default='render-raw.cjs')
    ap.add_argument('--parts', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--nets', default='main:0')
    ap.add_argument('--parallel', type=int, default=4)
    ap.add_argument('--budget', type=float, default=150)
    ap.add_argument('--batch', type=int, default=256)
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--max-steps', type=int, default=40000)
    ap.add_argument('--steps', type=int, default=0, help="a fixed number of steps (the learning rate follows them) instead of --budget, with the shipped net's draw of copies")
    ap.add_argument('--kinds-per-photo', type=int, default=14)
    ap.add_argument('--benign-per-photo', type=int, default=3)
    ap.add_argument('--net')  # internal: one trainer
    ap.add_argument('--skip-prepare', action='store_true')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.net:
        return train(args)
    if not args.skip_prepare:
        prepare(args)
    nets = args.nets.split(',')
    for i in range(0, len(nets), args.parallel):
        wave = nets[i:i + args.parallel]
        procs = [subprocess.Popen([sys.executable, __file__, '--dev', args.dev, '--out', args.out, '--work', args.work, '--net', n,
                                   '--budget', str(args.budget), '--batch', str(args.batch), '--lr', str(args.lr), '--max-steps', str(args.max_steps),
                                   '--steps', str(args.steps), '--kinds-per-photo', str(args.kinds_per_photo), '--benign-per-photo', str(args.benign_per_photo)]) for n in wave]
        for n, p in zip(wave, procs):
            if p.wait():
                print(f'{n}: trainer failed ({p.returncode})', flush=True)
    summary = {}
    for n in nets:
        f = os.path.join(args.out, n.replace(':', '_') + '.card.json')
        if os.path.exists(f):
            summary[n] = json.load(open(f))['trained']
    json.dump(summary, open(os.path.join(args.out, 'summary.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
