import os, sys, time, tempfile
sys.path.insert(0, "/work/main/bench"); sys.path.insert(0, "/work/main/scripts")
import numpy as np, torch
from bench_cnn import _import_cnn
from bench_predict_large import train_model
from bench_predict_throughput import conv_throughput, multiply_adds_per_cell
_import_cnn()
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.inference import predict_window_scores
tmp = tempfile.mkdtemp()
p = os.path.join(tmp, "m.pt"); train_model(p); model = PatchCNN.load(p)
net = model.nets_[0]; flops = 2.0 * multiply_adds_per_cell(net)
ref, _ = conv_throughput(net)
print(f"load {os.getloadavg()}; ref {ref/1e9:.1f} GFLOP/s", flush=True)
halo = model.config_.field // 2; median, scale = model._norm(); pos = model._positive_index()
mc = int(os.environ.get("MC", "0"))
rng = np.random.default_rng(1)
sizes = [int(s) for s in os.environ.get("SIZES", "128,192,256,320,384,448,512,640,768,1024").split(",")]
res = {s: [] for s in sizes}
for rep in range(int(os.environ.get("REPS", "3"))):
    for s in sizes:
        w = rng.standard_normal((30, s + 2 * halo, s + 2 * halo), dtype=np.float32)
        n = max(1, int(2_000_000 // (s * s)))  # ~2M cells per measurement
        predict_window_scores(model.nets_, w, median, scale, halo, pos, "cpu", mc, 0, model.calibration_)
        c0 = time.process_time(); t0 = time.perf_counter()
        for _ in range(n):
            predict_window_scores(model.nets_, w, median, scale, halo, pos, "cpu", mc, 0, model.calibration_)
        wall = time.perf_counter() - t0; cpu = time.process_time() - c0
        cells = n * s * s
        res[s].append((cells / wall, cells / cpu))
        print(f"rep {rep} tile {s}: {cells/wall:,.0f} cells/s wall ({100*cells/wall*flops/ref:.0f} % of conv), {cells/cpu:,.0f} cells/CPU-s", flush=True)
print(f"load {os.getloadavg()}")
for s in sizes:
    a = np.array(res[s]); print(f"tile {s}: median {np.median(a[:,0]):,.0f} cells/s wall = {100*np.median(a[:,0])*flops/ref:.0f} %, {np.median(a[:,1]):,.0f} cells/CPU-s")
