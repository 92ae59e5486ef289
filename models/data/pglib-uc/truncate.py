"""Derives a shorter PGLib-UC instance: the first N periods of every series (CC-BY-4.0 data).

usage: python3 truncate.py SRC.json N OUT.json
"""
import json
import sys

src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = json.load(open(src))
d["time_periods"] = n
d["demand"] = d["demand"][:n]
d["reserves"] = d["reserves"][:n]
for w in d["renewable_generators"].values():
    w["power_output_minimum"] = w["power_output_minimum"][:n]
    w["power_output_maximum"] = w["power_output_maximum"][:n]
json.dump(d, open(out, "w"), indent=1)
