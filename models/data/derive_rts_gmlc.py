"""Derive the compact RTS-GMLC files shipped in models/data/rts-gmlc/ from ../shared.

Run from the repository root: python3 models/data/derive_rts_gmlc.py [SHARED_DIR]
(standard library only; SHARED_DIR defaults to ../shared).
"""
import csv
import gzip
import io
import os
import sys

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
src = os.path.join(shared, "data/rts-gmlc/RTS_Data")
out = "models/data/rts-gmlc"
os.makedirs(out, exist_ok=True)


def subset(path, columns, dest):
    with open(os.path.join(src, path), newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    keep = [0, 1, 2, 3] + [head.index(c) for c in columns]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow([r[i] for i in keep])
    # mtime=0 keeps the gzip bytes reproducible
    with open(os.path.join(out, dest), "wb") as f:
        f.write(gzip.compress(buf.getvalue().encode(), compresslevel=9, mtime=0))


subset("timeseries_data_files/Load/DAY_AHEAD_regional_Load.csv", ["1", "2", "3"], "load_regional_2020_hourly.csv.gz")
subset("timeseries_data_files/PV/DAY_AHEAD_pv.csv", ["101_PV_1", "215_PV_1", "319_PV_1"], "pv_2020_hourly.csv.gz")
subset("timeseries_data_files/WIND/DAY_AHEAD_wind.csv", ["309_WIND_1", "317_WIND_1", "303_WIND_1", "122_WIND_1"],
       "wind_2020_hourly.csv.gz")

# Reliability: generators (MTTF/MTTR hours as given) and branches (MTTR = Duration h,
# MTTF = 8760/Perm OutRate - MTTR, outage rate per year).
with open(os.path.join(src, "SourceData/gen.csv"), newline="") as f:
    gens = list(csv.DictReader(f))
with open(os.path.join(src, "SourceData/branch.csv"), newline="") as f:
    branches = list(csv.DictReader(f))
with open(os.path.join(out, "reliability.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["kind", "uid", "from_bus", "to_bus", "mttf_h", "mttr_h"])
    for g in gens:
        mttf, mttr = float(g["MTTF Hr"]), float(g["MTTR Hr"])
        if mttf > 0 and mttr > 0:
            w.writerow(["gen", g["GEN UID"], g["Bus ID"], "", f"{mttf:g}", f"{mttr:g}"])
    for b in branches:
        rate, dur = float(b["Perm OutRate"]), float(b["Duration"])
        if rate > 0 and dur > 0:
            w.writerow(["branch", b["UID"], b["From Bus"], b["To Bus"], f"{8760.0 / rate - dur:.6g}", f"{dur:g}"])
