"""What the Python screening scripts share (pairwise-screen.py, feature-screen.py,
defect-net-gpu.py): the dev set's truth.tsv, the benign edits and the synthetic stand-ins of each
real defect kind, the source photos the leave-kind-out report holds out, and the oracle coverage
they report. Needs numpy alone (defect-net-gpu.py runs where scikit-learn may not be)."""
import csv
import os

import numpy as np

DEV = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'datasets', 'quality-dev')
# src-main/core/ml/distort/kinds.ts BENIGN_EDITS.
BENIGN = {'greyscale', 'mild_sharpen', 'jpeg_mild', 'resize', 'white_balance', 'low_key', 'high_key'}
# scripts/bench/kind-report.ts KIND_FAMILIES: the synthetic stand-ins of each real defect kind.
FAMILIES = {
    'gblur': ['gaussian_blur', 'lens_blur'],
    'motion': ['motion_blur', 'camera_shake', 'shake_noise'],
    'noise': ['white_noise', 'white_noise_color', 'multiplicative_noise', 'impulse_noise', 'shake_noise', 'dark_noise', 'denoise'],
    'jpeg': ['jpeg', 'jpeg2000'],
    'over': ['brighten', 'mean_shift'],
    'under': ['darken', 'dark_noise', 'mean_shift'],
    'haze': ['contrast_change', 'color_saturation_1'],
    'tiny': ['down_up', 'pixelate'],
}


def read_truth(path=None):
    """truth.tsv's rows (id, label, degradation, source_file, ...), in file order; default: the dev set's."""
    with open(path or os.path.join(DEV, 'truth.tsv')) as f:
        return list(csv.DictReader(f, delimiter='\t'))


def mulberry32(seed):
    """src-shared/domain/random.ts, draw for draw."""
    state = [seed & 0xFFFFFFFF]

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def draw():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        a = state[0]
        t = imul(a ^ (a >> 15), a | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return draw


def held_out_sources(truth=None, seed=1, fraction=0.25):
    """The source photos scripts/bench/kind-report.ts holds out (sorted, one draw each)."""
    rng = mulberry32(seed)
    return {s for s in sorted({t['source_file'] for t in (truth if truth is not None else read_truth())}) if rng() < fraction}


def defect_net(n_classes):
    """The defect net (resources/models/README.md): seven 3x3 convolutions with batch norm and ReLU
    (32-128 channels, three of stride 2); z = the mean and standard deviation of the last feature
    map (256), p = a softmax over the classes, r = the level / 5. One definition for every script
    that trains it (feature-screen.py cnn, defect-net-gpu.py). Needs torch."""
    import torch
    import torch.nn as nn

    def block(ci, co, stride):
        return [nn.Conv2d(ci, co, 3, stride, 1, bias=False), nn.BatchNorm2d(co), nn.ReLU(inplace=True)]

    class DefectNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*block(3, 32, 1), *block(32, 32, 2), *block(32, 64, 1), *block(64, 64, 2), *block(64, 128, 1), *block(128, 128, 2), *block(128, 128, 1))
            self.cls = nn.Linear(256, n_classes)
            self.reg = nn.Linear(256, 1)

        def features(self, x):
            h = self.body(x).float()  # float32 statistics also under bf16 autocast
            return torch.cat([h.mean((2, 3)), (h.var((2, 3)) + 1e-6).sqrt()], 1)

        def forward(self, x):
            z = self.features(x)
            return z, self.cls(z).softmax(1), self.reg(z).squeeze(1)

    return DefectNet()


def oracle_coverage(p, y, precision=0.95):
    """The largest share of the bad images (y = 1) that a cut on the scores p flags at that precision or better."""
    order = np.argsort(-p)
    tp = np.cumsum(y[order])
    ok = tp / np.arange(1, len(y) + 1) >= precision
    return tp[ok].max() / y.sum() if ok.any() else 0.0
