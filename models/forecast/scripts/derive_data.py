#!/usr/bin/env python3
"""Derive the compact GEFCom2014 copies shipped in models/forecast/data from ../shared.

Run from the repository root:  python3 models/forecast/scripts/derive_data.py ../shared/data/gefcom2014
Output is deterministic (gzip mtime 0); values are rounded as stated in data/README.md.
"""
import csv, gzip, io, sys, os
from datetime import datetime

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/gefcom2014"
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


def write_gz(name, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with open(os.path.join(out, name), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(buf.getvalue().encode())


def num(x, digits):
    if x in ("", "NA", None):
        return ""
    v = round(float(x), digits)
    s = f"{v:.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def iso(ts):
    # "20120401 01:00" or "20120101 1:00" -> "2012-04-01T01:00"
    d, hm = ts.split(" ")
    h, m = hm.split(":")
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{int(h):02d}:{m}"


# Load E: 2006-01-01 .. 2014-12-31 (load starts 2006), hour-ending 1..24.
rows = []
with open(os.path.join(src, "load_E/GEFCom2014-E_hourly_load_temperature_2004-2014.csv")) as f:
    for r in csv.DictReader(f):
        if r["Date"] < "2006-01-01":
            continue
        rows.append([r["Date"], r["Hour"], num(r["load_MW"], 1), num(r["temperature_F"], 3)])
write_gz("load_e.csv.gz", ["date", "hour_ending", "load_mw", "temperature_f"], rows)

# Solar: 3 zones, Apr 2012 - Apr 2013, 12 ECMWF variables + normalised power.
names = {"VAR78": "tclw", "VAR79": "tciw", "VAR134": "sp_pa", "VAR157": "rh_pct", "VAR164": "tcc",
         "VAR165": "u10_m_per_s", "VAR166": "v10_m_per_s", "VAR167": "t2_k", "VAR169": "ssrd_j_per_m2",
         "VAR175": "strd_j_per_m2", "VAR178": "tsr_j_per_m2", "VAR228": "tp_m"}
digits = {"VAR78": 5, "VAR79": 5, "VAR134": 0, "VAR157": 2, "VAR164": 4, "VAR165": 3, "VAR166": 3,
          "VAR167": 2, "VAR169": 0, "VAR175": 0, "VAR178": 0, "VAR228": 6}
rows = []
with open(os.path.join(src, "solar/solar_NWP_plus_power_merged_20120401-20130501.csv")) as f:
    for r in csv.DictReader(f):
        rows.append([r["ZONEID"], iso(r["TIMESTAMP"])] + [num(r[k], digits[k]) for k in names] + [num(r["POWER"], 5)])
rows.sort(key=lambda r: (int(r[0]), r[1]))  # the source interleaves zones day by day
write_gz("solar.csv.gz", ["zone", "time_utc"] + list(names.values()) + ["power_pu"], rows)

# Wind: 10 farms, 2012-01-01 01:00 .. 2013-12-31 (Dec 2013 from TaskExpVars + solution).
rows = []
sol = {}
with open(os.path.join(src, "wind_task15/solution15_W.csv")) as f:
    for r in csv.DictReader(f):
        sol[(r["ZONEID"], iso(r["TIMESTAMP"]))] = r["TARGETVAR"]
for z in range(1, 11):
    with open(os.path.join(src, f"wind_task15/Task15_W_Zone{z}.csv")) as f:
        for r in csv.DictReader(f):
            rows.append([r["ZONEID"], iso(r["TIMESTAMP"]), num(r["TARGETVAR"], 5)] + [num(r[k], 3) for k in ("U10", "V10", "U100", "V100")])
    with open(os.path.join(src, f"wind_task15/TaskExpVars15_W_Zone{z}.csv")) as f:
        for r in csv.DictReader(f):
            t = iso(r["TIMESTAMP"])
            rows.append([r["ZONEID"], t, num(sol[(r["ZONEID"], t)], 5)] + [num(r[k], 3) for k in ("U10", "V10", "U100", "V100")])
write_gz("wind.csv.gz", ["zone", "time_utc", "power_pu", "u10_m_per_s", "v10_m_per_s", "u100_m_per_s", "v100_m_per_s"], rows)
