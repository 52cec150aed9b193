import os, sys, time, tempfile, threading, resource, ctypes
sys.path.insert(0, "/work/main/bench"); sys.path.insert(0, "/work/main/scripts")
import numpy as np
from bench_cnn import _import_cnn
from bench_predict_large import train_model
_import_cnn()
from geochem_prospector.core.learning.estimator import PatchCNN
from geochem_prospector.core.learning.inference import predict_window_scores
tmp = tempfile.mkdtemp(); p = os.path.join(tmp, "m.pt"); train_model(p); model = PatchCNN.load(p)
halo = model.config_.field // 2; median, scale = model._norm(); pos = model._positive_index()
libc = ctypes.CDLL(None)
def work(s, out):
    rng = np.random.default_rng(1)
    n = max(2, int(3_000_000 // (s * s)))
    ru0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.perf_counter()
    for _ in range(n):
        w = rng.standard_normal((30, s + 2 * halo, s + 2 * halo), dtype=np.float32)
        predict_window_scores(model.nets_, w, median, scale, halo, pos, "cpu", 0, 0, model.calibration_)
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    out.append((n*s*s, time.perf_counter()-t0, ru1.ru_utime-ru0.ru_utime + ru1.ru_stime-ru0.ru_stime, ru1.ru_stime-ru0.ru_stime, ru1.ru_minflt-ru0.ru_minflt))
mode = os.environ.get("MODE")
if mode == "kept":
    print("mallopt", libc.mallopt(-3, 256*2**20), libc.mallopt(-1, 1024*2**20))
for where in ("main", "thread"):
    for s in (512, 320):
        out = []
        if where == "main": work(s, out)
        else:
            t = threading.Thread(target=work, args=(s, out)); t.start(); t.join()
        cells, wall, cpu, sys_, flt = out[0]
        print(f"{mode} {where} tile {s}: {cells/cpu:,.0f} cells/CPU-s, sys {sys_:.1f}/{cpu:.1f} s, faults per Mcell {flt/cells*1e6:,.0f}, load {os.getloadavg()[0]:.1f}", flush=True)
