"""The scikit-learn peer for `npm run bench:train -- --compare-sklearn`.

Reads the float32 matrices and labels the Node bench wrote (raw little-endian files), trains the
same models on the same objective, and prints one JSON object with seconds and held-out AUC:
  - logistic regression (lbfgs) on standardised columns, C matched to the head's l2 and class weights;
  - MLPClassifier(64) with adam, batch 256, the same learning rate and epochs, alpha matched to l2.
Run: python3 sklearn-peer.py DIR N D NVAL L2 EPOCHS BATCH LR HIDDEN
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import os
import warnings

warnings.filterwarnings("ignore")
d_, n, d, nval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
l2, epochs, batch, lr, hidden = float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8]), int(sys.argv[9])
x = np.fromfile(os.path.join(d_, "x.f32"), dtype=np.float32).reshape(n, d)
y = np.fromfile(os.path.join(d_, "y.u8"), dtype=np.uint8)
xv = np.fromfile(os.path.join(d_, "xv.f32"), dtype=np.float32).reshape(nval, d)
yv = np.fromfile(os.path.join(d_, "yv.u8"), dtype=np.uint8)
out = {"sklearn": __import__("sklearn").__version__, "numpy": np.__version__}

t = time.perf_counter()
scaler = StandardScaler().fit(x)
xs = scaler.transform(x)
# Ours: mean_i(cw_i * BCE) + l2 * |w|^2  ==  (1 / (2 l2 n)) * sum_i(cw_i * BCE) + 0.5 |w|^2
lin = LogisticRegression(C=1.0 / (2 * l2 * n), class_weight="balanced", max_iter=1000)
lin.fit(xs, y)
out["linear"] = {"seconds": time.perf_counter() - t, "iterations": int(lin.n_iter_[0]), "auc": roc_auc_score(yv, lin.decision_function(scaler.transform(xv)))}

t = time.perf_counter()
scaler = StandardScaler().fit(x)
xs = scaler.transform(x)
# sklearn adds 0.5 * alpha * |W|^2 / batch to each batch's mean loss; ours adds l2 * |W|^2.
mlp = MLPClassifier(hidden_layer_sizes=(hidden,), solver="adam", batch_size=batch, learning_rate_init=lr, max_iter=epochs,
                    alpha=2 * l2 * batch, shuffle=True, random_state=1, tol=0, n_iter_no_change=epochs + 1)
mlp.fit(xs, y)
out["mlp"] = {"seconds": time.perf_counter() - t, "epochs": int(mlp.n_iter_), "auc": roc_auc_score(yv, mlp.predict_proba(scaler.transform(xv))[:, 1])}
print(json.dumps(out))
