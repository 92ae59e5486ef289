"""EDF and LLF on Caltech March 2019 in ACN-Sim (acnportal), for comparison with gridsim.

Run: pip install acnportal && python3 models/scripts/acnsim_compare.py [LIMIT_KW ...]
Out of the test path. Each station is an ideal (continuous) EVSE of 6.6 kW (31.73 A at 208 V), the
vehicles' rate, so that pilots and battery limits agree (no two sessions
of the file overlap at a station, which the script checks); each vehicle a battery of capacity =
requested energy, 6.6 kW; one aggregate current constraint stands for the feeder limit. A run
takes several minutes. The printed energies are pasted into models/tests/agents_ev.rs.
"""
import csv
import gzip
import sys
from datetime import datetime

import pytz
from acnportal import acnsim, algorithms
from acnportal.acnsim import events, models

VOLTAGE = 208.0
PERIOD_MIN = 5
path = "models/data/acn/caltech_mar2019_sessions.csv.gz"
rows = list(csv.DictReader(gzip.open(path, "rt")))
limits = [float(x) for x in sys.argv[1:]] or [20.0, 50.0]
by_station = {}
for r in rows:
    by_station.setdefault(r["station_id"], []).append((int(r["arrival_period"]), int(r["departure_period"])))
for st, iv in by_station.items():
    iv.sort()
    assert all(a[1] <= b[0] for a, b in zip(iv, iv[1:])), f"overlapping sessions at {st}"


def run(sort_fn, limit_kw):
    cn = acnsim.ChargingNetwork()
    ids = [r["station_id"] for r in rows]
    for s in sorted(set(ids)):
        cn.register_evse(models.EVSE(s, max_rate=6600.0 / VOLTAGE), VOLTAGE, 0)
    cn.add_constraint(acnsim.Current(sorted(set(ids))), limit_kw * 1000.0 / VOLTAGE, name="feeder")
    q = events.EventQueue()
    for i, r in enumerate(rows):
        e = float(r["requested_energy_kWh"])
        bat = models.Battery(capacity=e, init_charge=0, max_power=float(r["battery_max_power_kW"]))
        ev = models.EV(int(r["arrival_period"]), int(r["departure_period"]), e, ids[i], r["session_id"], bat,
                       estimated_departure=int(r["estimated_departure_period"]))
        q.add_event(events.PluginEvent(ev.arrival, ev))
    start = pytz.timezone("America/Los_Angeles").localize(datetime(2019, 3, 1))
    sched = algorithms.SortedSchedulingAlgo(sort_fn)
    sim = acnsim.Simulator(cn, sched, q, start, period=PERIOD_MIN, verbose=False)
    sim.run()
    delivered = sum(ev.energy_delivered for ev in sim.ev_history.values())
    requested = sum(ev.requested_energy for ev in sim.ev_history.values())
    peak_kw = float((sim.charging_rates.sum(axis=0) * VOLTAGE / 1000.0).max())
    return delivered, requested, peak_kw


for limit in limits:
    for name, fn in [("edf", algorithms.earliest_deadline_first), ("llf", algorithms.least_laxity_first)]:
        d, r, p = run(fn, limit)
        print(f"limit_kw={limit} {name}: delivered_kwh={d:.4f} requested_kwh={r:.4f} pct={100 * d / r:.4f} peak_kw={p:.4f}")
