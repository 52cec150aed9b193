"""A/B of predict TILE_SIZE through qgis_process: wall, user+sys CPU, minor page faults, peak RSS; interleaved."""
import os, sys, subprocess, json, tempfile
sys.path.insert(0, "/work/main/bench"); sys.path.insert(0, "/work/main/scripts")
from bench_predict_large import write_evidence, train_model
from demo import QgisProcess
size = int(os.environ.get("SIZE", "4000")); tiles = os.environ.get("TILES", "512,320").split(","); reps = int(os.environ.get("REPS", "2"))
mc = os.environ.get("MC", "0")
tmp = tempfile.mkdtemp(dir="/tmp/b22")
ev, model = os.path.join(tmp, "ev.tif"), os.path.join(tmp, "m.pt")
write_evidence(ev, size); train_model(model)
qp = QgisProcess()
for rep in range(reps):
    for t in tiles:
        out = os.path.join(tmp, f"p_{t}_{rep}.tif")
        args = ["/usr/bin/time", "-f", "%M %e %U %S %R", "-o", os.path.join(tmp, "time.txt"), "qgis_process.bin", "run",
                "prospector:predict", "--json", "--", f"INPUT_RASTERS={ev}", f"MODEL={model}", "DEVICE=cpu", f"MC_SAMPLES={mc}", f"TILE_SIZE={t}", f"OUTPUT={out}"]
        l0 = os.getloadavg()[0]
        p = subprocess.run(args, env=qp.env, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr[-2000:]
        kb, wall, user, sys_, minflt = open(os.path.join(tmp, "time.txt")).read().split()[-5:]
        print(f"rep {rep} tile {t}: wall {float(wall):.1f} s, CPU {float(user)+float(sys_):.1f} s (user {user}, sys {sys_}), minor faults {int(minflt):,}, peak {int(kb)/1e6:.2f} GB, load {l0:.1f}->{os.getloadavg()[0]:.1f}", flush=True)
        os.remove(out)
