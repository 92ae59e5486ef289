"""Derive the compact ACN-Data files shipped in models/data/acn/ from ../shared.

Run from the repository root: python3 models/data/derive_acn.py [SHARED_DIR]
(standard library only; SHARED_DIR defaults to ../shared). Output is deterministic.

Writes
- sessions_sample.csv.gz: 5,000 sessions drawn without replacement (seed 20190301) from the
  27,407 Caltech and JPL sessions, columns site, day_type (weekday/weekend, local calendar),
  arrival_h (local clock hours since midnight), dwell_h, energy_kwh (delivered energy, the
  energy the vehicle took, as ACN-Sim uses it);
- fit.json: per site, arrival rates (sessions per hour, by local hour and day type, averaged
  over the days on which the site recorded any session), a log-normal fit (maximum likelihood:
  mean and standard deviation of the logarithm) of dwell_h and energy_kwh, and the full-data
  mean and 10/50/90 % quantiles used by the tests to validate the sample and the fit;
- caltech_mar2019_sessions.csv.gz: the 954 Caltech sessions of March 2019 in 5-minute periods
  (the set of the published ACN-Sim studies), as shipped in shared/.
"""
import csv
import gzip
import io
import json
import math
import os
import random
import sys
from datetime import datetime

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
acn = os.path.join(shared, "data/acn")
out = "models/data/acn"
os.makedirs(out, exist_ok=True)


def gz_write(path, text):
    with open(path, "wb") as f:
        f.write(gzip.compress(text.encode(), compresslevel=9, mtime=0))


rows = []
for site in ["caltech", "jpl"]:
    d = os.path.join(acn, "sessions", site)
    for name in sorted(os.listdir(d)):
        with gzip.open(os.path.join(d, name), "rt") as f:
            for r in csv.DictReader(f):
                a = datetime.fromisoformat(r["arrival"])
                b = datetime.fromisoformat(r["departure"])
                dwell = (b - a).total_seconds() / 3600.0
                e = float(r["delivered_energy (kWh)"])
                if dwell <= 0 or e <= 0:
                    continue
                rows.append({
                    "site": site,
                    "date": a.date().isoformat(),
                    "day_type": "weekend" if a.weekday() >= 5 else "weekday",
                    "arrival_h": a.hour + a.minute / 60 + a.second / 3600,
                    "dwell_h": dwell,
                    "energy_kwh": e,
                })


def quantiles(xs):
    s = sorted(xs)
    n = len(s)

    def q(p):  # linear interpolation between order statistics (type 7, as numpy's default)
        h = (n - 1) * p
        lo = math.floor(h)
        return s[lo] + (s[min(lo + 1, n - 1)] - s[lo]) * (h - lo)

    return {"mean": sum(s) / n, "q10": q(0.1), "q50": q(0.5), "q90": q(0.9)}


def lognormal(xs):
    logs = [math.log(x) for x in xs]
    mu = sum(logs) / len(logs)
    sigma = math.sqrt(sum((v - mu) ** 2 for v in logs) / len(logs))
    return {"mu_ln": mu, "sigma_ln": sigma}


fit = {"source": "ACN-Data (Lee, Li, Low 2019), Caltech and JPL sessions 2019-2021, CC-BY-4.0", "sites": {}}
for site in ["caltech", "jpl"]:
    rs = [r for r in rows if r["site"] == site]
    rates = {}
    for dt in ["weekday", "weekend"]:
        days = {r["date"] for r in rs if r["day_type"] == dt}
        counts = [0] * 24
        for r in rs:
            if r["day_type"] == dt:
                counts[min(int(r["arrival_h"]), 23)] += 1
        rates[dt] = [round(c / max(len(days), 1), 6) for c in counts]
        rates[dt + "_days"] = len(days)
    fit["sites"][site] = {
        "sessions": len(rs),
        "arrivals_per_h": rates,
        "dwell_h": {**lognormal([r["dwell_h"] for r in rs]), **quantiles([r["dwell_h"] for r in rs])},
        "energy_kwh": {**lognormal([r["energy_kwh"] for r in rs]), **quantiles([r["energy_kwh"] for r in rs])},
    }
with open(os.path.join(out, "fit.json"), "w") as f:
    json.dump(fit, f, indent=1, sort_keys=True)
    f.write("\n")

rng = random.Random(20190301)
sample = rng.sample(rows, 5000)
sample.sort(key=lambda r: (r["site"], r["day_type"], r["arrival_h"], r["dwell_h"], r["energy_kwh"]))
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["site", "day_type", "arrival_h", "dwell_h", "energy_kwh"])
for r in sample:
    w.writerow([r["site"], r["day_type"], f"{r['arrival_h']:.4f}", f"{r['dwell_h']:.4f}", f"{r['energy_kwh']:.3f}"])
gz_write(os.path.join(out, "sessions_sample.csv.gz"), buf.getvalue())
for site in ["caltech", "jpl"]:
    ss = [r for r in sample if r["site"] == site]
    print(site, "sample", len(ss), "dwell", quantiles([r["dwell_h"] for r in ss]), "energy",
          quantiles([r["energy_kwh"] for r in ss]))

with open(os.path.join(acn, "caltech_mar2019/caltech_mar2019_sessions_5min_periods.csv")) as f:
    gz_write(os.path.join(out, "caltech_mar2019_sessions.csv.gz"), f.read())
with open(os.path.join(acn, "tariffs/sce_tou_ev_4_march_2019.json")) as f:
    tariff = f.read()
with open(os.path.join(out, "sce_tou_ev_4_march_2019.json"), "w") as f:
    f.write(tariff)
