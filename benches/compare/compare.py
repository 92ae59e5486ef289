#!/usr/bin/env python3
"""Side-by-side timing of gridsim against lightsim2grid and pandapower.

A developer tool, not a test: it lives under benches/compare/, needs the venv made
by setup.sh, and is run through run.sh (which also builds gridsim). See README.md
beside this file for what is measured and which fairness traps are handled.

Every measurement runs in its own child process ("worker"), one after the other,
never two at once, all pinned to one core with every BLAS/OpenMP/rayon pool at one
thread. A tool that fails, diverges, times out or crashes only fills its own cell.
"""

import os

# Thread pools are sized when numpy / numba / MKL are first imported, so this must
# run before any of them is: one thread everywhere, for every tool.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
}
os.environ.update(THREAD_ENV)

import argparse  # noqa: E402
import datetime  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
CASES_DIR = REPO_ROOT / "networks" / "cases" / "matpower"
# ../shared is a development convenience (MATPOWER's own solutions); absent for a
# user who cloned the project, in which case the accuracy columns say "no ref".
DEFAULT_REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference" / "matpower"
DEFAULT_GRIDSIM = REPO_ROOT / "target" / "release" / "gridsim"

DEFAULT_CASES = [
    "case118",
    "case1354pegase",
    "case2383wp",
    "case9241pegase",
    "case13659pegase",
    "case_ACTIVSg10k",
]

MAX_ITER = 10  # MATPOWER's default for Newton-Raphson
TOL_PU = 1e-8  # power mismatch, per unit on the case's baseMVA
VM_MISMATCH_FLAG_PU = 1e-6  # above this a tool's |dVm| against the reference is flagged
VA_MISMATCH_FLAG_DEG = 1e-4  # likewise for DC angles
TS_HOURS = 8760
TS_SEED = 20240101


# --------------------------------------------------------------------------- helpers


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def table_column(table, key):
    """A column of a table given either as an object of arrays or an array of objects."""
    if isinstance(table, dict):
        return list(table[key])
    return [row[key] for row in table]


def first_present(table, keys):
    for key in keys:
        try:
            return table_column(table, key)
        except (KeyError, TypeError):
            continue
    raise KeyError(f"none of {keys}")


def read_case_arrays(case_path):
    """bus and gen matrices of a MATPOWER case, in the file's own order."""
    import numpy as np
    from matpowercaseframes import CaseFrames

    frames = CaseFrames(str(case_path))
    bus = np.asarray(frames.bus.values, dtype=float)
    gen = np.asarray(frames.gen.values, dtype=float)
    return bus, gen


def matpower_start_voltages(bus, gen):
    """MATPOWER runpf's starting point: the case file's Vm/Va, with the in-service
    generators' voltage setpoints (VG) at PV and reference buses."""
    import numpy as np

    v0 = bus[:, 7] * np.exp(1j * np.deg2rad(bus[:, 8]))
    row_of_bus = {int(bus_id): row for row, bus_id in enumerate(bus[:, 0])}
    for g in gen:
        if g[7] <= 0:
            continue
        row = row_of_bus.get(int(g[0]))
        if row is None or int(bus[row, 1]) not in (2, 3):
            continue
        magnitude = abs(v0[row])
        v0[row] = g[5] * (v0[row] / magnitude if magnitude > 0 else 1.0)
    return v0.astype(complex)


def summarize_ms(samples_s):
    samples_ms = [s * 1e3 for s in samples_s]
    return statistics.median(samples_ms), min(samples_ms)


# --------------------------------------------------------------------------- workers
# Each runs in its own process and returns a JSON-able dict.


def worker_ls2g_pf(task):
    """lightsim2grid: warm ac_pf / dc_pf, solve-only, from MATPOWER's start each time."""
    import warnings

    warnings.simplefilter("ignore")
    import numpy as np
    from lightsim2grid.network import init_from_matpower

    case_path = CASES_DIR / f"{task['case']}.m"
    bus, gen = read_case_arrays(case_path)
    t0 = time.perf_counter()
    grid = init_from_matpower(str(case_path))
    load_ms = (time.perf_counter() - t0) * 1e3
    if grid.total_bus() != bus.shape[0]:
        raise RuntimeError(f"lightsim2grid has {grid.total_bus()} buses, case {bus.shape[0]}")
    v0 = matpower_start_voltages(bus, gen)
    mode = task["mode"]
    if mode == "ac_nocache":
        grid.allow_ac_cache_reuse(False)
    solve = grid.dc_pf if mode == "dc" else grid.ac_pf

    def one():
        v = v0.copy()  # ac_pf overwrites its input: a fresh start every call
        t = time.perf_counter()
        v_out = solve(v, MAX_ITER, TOL_PU)
        elapsed = time.perf_counter() - t
        # lightsim2grid's own timer of the solver alone (no Ybus/Sbus upkeep, no results)
        solver_s = grid.get_dc_computation_time() if mode == "dc" else grid.get_computation_time()
        return elapsed, solver_s, v_out, grid.get_algo().get_nb_iter() if mode != "dc" else None

    for _ in range(task["warmup"]):
        one()
    samples, solver_samples, iterations, v_out = [], [], set(), None
    for _ in range(task["repeat"]):
        elapsed, solver_s, v_out, nb_iter = one()
        samples.append(elapsed)
        solver_samples.append(solver_s)
        iterations.add(nb_iter)
    converged = v_out is not None and v_out.shape[0] > 0
    median_ms, min_ms = summarize_ms(samples)
    out = {
        "median_ms": median_ms,
        "min_ms": min_ms,
        "solver_timer_ms_median": statistics.median(solver_samples) * 1e3,
        "load_ms": load_ms,
        "converged": bool(converged),
        "iterations": sorted(i for i in iterations if i is not None) or None,
        "algorithm": str(grid.get_dc_algo_type() if mode == "dc" else grid.get_algo_type()),
    }
    if converged:
        out["bus_id"] = [int(b) for b in bus[:, 0]]
        out["vm_pu"] = np.abs(v_out).tolist()
        out["va_deg"] = np.rad2deg(np.angle(v_out)).tolist()
    return out


def worker_pp_pf(task):
    """pandapower: runpp on a from_mpc network, from the case file's voltages."""
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    import numpy as np
    import pandas as pd
    import pandapower as pp

    try:
        from pandapower.converter import from_mpc
    except ImportError:  # pandapower 3.x no longer re-exports it
        from pandapower.converter.matpower.from_mpc import from_mpc

    case_path = CASES_DIR / f"{task['case']}.m"
    bus, gen = read_case_arrays(case_path)
    t0 = time.perf_counter()
    net = from_mpc(str(case_path), f_hz=60)
    load_ms = (time.perf_counter() - t0) * 1e3
    init = task["init"]
    # from_mpc numbers buses (case bus number - 1), so the case file's own voltages
    # can seed init="results": the same start as MATPOWER's runpf.
    v0 = matpower_start_voltages(bus, gen)
    start = pd.DataFrame(
        {"vm_pu": np.abs(v0), "va_degree": np.rad2deg(np.angle(v0)), "p_mw": 0.0, "q_mvar": 0.0},
        index=(bus[:, 0] - 1).astype(np.int64),
    ).reindex(net.bus.index)

    def one():
        if init == "results":
            net.res_bus = start.copy()  # runpp overwrites it: a fresh start every call
        t = time.perf_counter()
        pp.runpp(
            net,
            algorithm="nr",
            init=init,
            max_iteration=MAX_ITER,
            tolerance_mva=TOL_PU,  # compared with the per-unit mismatch inside newtonpf
            calculate_voltage_angles=True,
            trafo_model="pi",  # MATPOWER's branch model; pandapower's default is "t"
            enforce_q_lims=False,
            numba=True,
            lightsim2grid=False,  # else runpp silently hands the solve to lightsim2grid
        )
        return time.perf_counter() - t, int(net._ppc.get("iterations", -1))

    try:
        for _ in range(task["warmup"]):
            one()
        samples, iterations = [], set()
        for _ in range(task["repeat"]):
            elapsed, nb_iter = one()
            samples.append(elapsed)
            iterations.add(nb_iter)
    except pp.LoadflowNotConverged:
        return {"converged": False, "load_ms": load_ms, "error": "did not converge"}
    median_ms, min_ms = summarize_ms(samples)
    vm = net.res_bus.vm_pu.reindex((bus[:, 0] - 1).astype(np.int64)).to_numpy()
    va = net.res_bus.va_degree.reindex((bus[:, 0] - 1).astype(np.int64)).to_numpy()
    import importlib.util

    numba_installed = importlib.util.find_spec("numba") is not None
    return {
        "median_ms": median_ms,
        "min_ms": min_ms,
        "load_ms": load_ms,
        "converged": bool(net.converged),
        "iterations": sorted(iterations),
        "numba": numba_installed,
        "bus_id": [int(b) for b in bus[:, 0]],
        "vm_pu": [None if math.isnan(x) else float(x) for x in vm],
        "va_deg": [None if math.isnan(x) else float(x) for x in va],
    }


def worker_ls2g_n1(task):
    """lightsim2grid ContingencyAnalysisCPP over every branch, islanding outages solved."""
    import warnings

    warnings.simplefilter("ignore")
    import numpy as np
    from lightsim2grid.lightsim2grid_cpp import AlgorithmType, ContingencyAnalysisCPP
    from lightsim2grid.network import init_from_matpower

    case_path = CASES_DIR / f"{task['case']}.m"
    bus, gen = read_case_arrays(case_path)
    grid = init_from_matpower(str(case_path))
    v_base = grid.ac_pf(matpower_start_voltages(bus, gen), MAX_ITER, TOL_PU)
    if v_base.shape[0] == 0:
        return {"error": "base-case AC power flow did not converge"}
    dc = task["mode"] == "dc"

    def analysis(contingencies=None):
        ca = ContingencyAnalysisCPP(grid)
        if dc:
            ca.change_algorithm(AlgorithmType.DC_KLU)
        ca.handle_disconnected_grid = True  # else islanding outages are skipped
        ca.nb_thread = 1
        if contingencies is None:
            ca.add_all_n1()  # every line and transformer
        else:
            ca.add_multiple_n1(contingencies)
        return ca

    warm = analysis(list(range(min(20, len(grid.get_lines())))))
    warm.compute(v_base.copy(), MAX_ITER, TOL_PU)
    warm.compute_power_flows()
    del warm

    ca = analysis()
    n_contingencies = len(ca.my_defaults())
    t0 = time.perf_counter()
    ca.compute(v_base.copy(), MAX_ITER, TOL_PU)
    compute_s = time.perf_counter() - t0
    ca.compute_power_flows()  # MW flows on every branch for every contingency
    total_s = time.perf_counter() - t0
    connected = np.asarray(ca.is_grid_connected_after_contingency())
    return {
        "total_s": total_s,
        "compute_s": compute_s,
        "ls2g_total_time_s": ca.total_time(),
        "n_contingencies": n_contingencies,
        "n_islanding": int((connected == 0).sum()),
        "n_solved": int(ca.nb_solved()),
        "n_converged": int(ca.nb_converged()),
        "algorithm": str(ca.get_algo_type()),
    }


def load_profile(hours, seed):
    """Fixed synthetic hourly load multiplier: winter-peaking season x daily shape x 2% noise.

    s(h) = 0.9 * (1 + 0.1 cos(2 pi (d - 20) / 365.25)) * (0.85 + 0.15 sin(2 pi (hh - 6) / 24))
           * (1 + 0.02 z_h),  d = h // 24, hh = h % 24, z ~ N(0, 1) from numpy's PCG64(seed).
    """
    import numpy as np

    h = np.arange(hours)
    day, hour = h // 24, h % 24
    seasonal = 1.0 + 0.10 * np.cos(2 * np.pi * (day - 20) / 365.25)
    daily = 0.85 + 0.15 * np.sin(2 * np.pi * (hour - 6) / 24)
    noise = 1.0 + 0.02 * np.random.default_rng(seed).standard_normal(hours)
    return 0.9 * seasonal * daily * noise


def write_profile_snapshots(case_path, hours, seed, path):
    """Snapshot file (the layout of `gridsim run --snapshots`) of the synthetic profile: every
    bus's Pd, Qd and every generator's Pg of the case × s(h)."""
    import numpy as np
    import pandas as pd

    bus, gen = read_case_arrays(case_path)
    scale = load_profile(hours, seed)
    cols = {"time_utc": [f"h{h}" for h in range(hours)]}
    for row in bus:
        cols[f"pd_mw:{int(row[0])}"] = scale * row[2]
    for row in bus:
        cols[f"qd_mvar:{int(row[0])}"] = scale * row[3]
    for g, row in enumerate(gen):
        cols[f"pg_mw:{g + 1}"] = scale * row[1]
    pd.DataFrame(cols).to_csv(path, index=False, float_format="%.17g")
    return float(scale.min()), float(scale.max())


def case_with_a_load_at_every_bus(case_path, out_path):
    """The case with Qd = 1e-9 MVAr at buses without demand, so that lightsim2grid creates a
    load at every bus (its loads are the buses with Pd or Qd) and every snapshot column has one."""
    src = Path(case_path).read_text()
    a = src.index("mpc.bus = [")
    b = src.index("];", a)
    out = []
    for line in src[a:b].split("\n"):
        f = line.split()
        if len(f) >= 13 and f[0][0].isdigit() and float(f[2]) == 0 and float(f[3].rstrip(";")) == 0:
            f[3] = "1e-9"
            line = "\t" + "\t".join(f)
        out.append(line)
    Path(out_path).write_text(src[:a] + "\n".join(out) + src[b:])


def worker_ls2g_ts(task):
    """lightsim2grid TimeSeriesCPP over a snapshot file (every bus's Pd, Qd, every generator's Pg
    per row), each row warm-started from the previous one."""
    import tempfile
    import warnings

    warnings.simplefilter("ignore")
    import numpy as np
    import pandas as pd
    from lightsim2grid.lightsim2grid_cpp import TimeSeriesCPP
    from lightsim2grid.network import init_from_matpower

    case_path = CASES_DIR / f"{task['case']}.m"
    bus, gen = read_case_arrays(case_path)
    with tempfile.TemporaryDirectory() as tmp:
        all_loads = Path(tmp) / f"{task['case']}.m"
        case_with_a_load_at_every_bus(case_path, all_loads)
        grid = init_from_matpower(str(all_loads))
    snaps = pd.read_csv(task["snapshots"])
    loads = grid.get_loads()
    if len(loads) != len(bus) or len(grid.get_generators()) != len(gen):
        raise ValueError(f"{len(loads)} loads / {len(grid.get_generators())} generators in lightsim2grid")
    bus_ids = [int(bus[x.bus_id, 0]) for x in loads]
    load_p = np.ascontiguousarray(snaps[[f"pd_mw:{b}" for b in bus_ids]].to_numpy(float))
    load_q = np.ascontiguousarray(snaps[[f"qd_mvar:{b}" for b in bus_ids]].to_numpy(float))
    gen_p = np.ascontiguousarray(snaps[[f"pg_mw:{g + 1}" for g in range(len(gen))]].to_numpy(float))
    v0 = matpower_start_voltages(bus, gen)
    n = len(snaps)

    def run(n_steps):
        ts = TimeSeriesCPP(grid)
        ts.modify_load_p(np.ascontiguousarray(load_p[:n_steps]))
        ts.modify_load_q(np.ascontiguousarray(load_q[:n_steps]))
        ts.modify_gen_p(np.ascontiguousarray(gen_p[:n_steps]))
        t0 = time.perf_counter()
        ts.compute(v0.copy(), MAX_ITER, TOL_PU)
        elapsed = time.perf_counter() - t0
        return elapsed, ts

    run(48)  # warm-up
    samples, ts = [], None
    for _ in range(task["repeat"]):
        elapsed, ts = run(n)
        samples.append(elapsed)
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "n_steps": n,
        "n_converged": int(ts.nb_converged()),
    }


WORKERS = {
    "ls2g_pf": worker_ls2g_pf,
    "pp_pf": worker_pp_pf,
    "ls2g_n1": worker_ls2g_n1,
    "ls2g_ts": worker_ls2g_ts,
}


def worker_main(task_json):
    task = json.loads(task_json)
    try:
        result = WORKERS[task["kind"]](task)
    except Exception as exc:  # reported in the cell, never a crash of the run
        result = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------- parent side


def short(text, limit=90):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_worker(task, timeout_s):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(task)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                break
    tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
    return {"error": f"worker exit {proc.returncode}: {short(tail[0])}"}


class Gridsim:
    """The gridsim CLI, run pinned like the peers; absent until `gridsim pf` lands."""

    def __init__(self, binary, cpu, unavailable_reason=None):
        self.binary = Path(binary)
        self.cpu = cpu
        self.reason = f"not built ({unavailable_reason})" if unavailable_reason else None
        if self.reason is None and not self.binary.is_file():
            self.reason = "not built"

    def _run(self, args, timeout_s):
        cmd = [str(self.binary), *args]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", str(self.cpu), *cmd]
        env = dict(os.environ, **THREAD_ENV)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {timeout_s:.0f} s", None
        wall_s = time.perf_counter() - t0
        # Exit 1 means "solved but not converged" and still prints the JSON document.
        doc = None
        try:
            doc = json.loads(proc.stdout)
        except json.JSONDecodeError:
            for line in reversed(proc.stdout.splitlines()):
                if line.lstrip().startswith("{"):
                    try:
                        doc = json.loads(line)
                    except json.JSONDecodeError:
                        pass
                    break
        if doc is not None and proc.returncode in (0, 1):
            return doc, None, wall_s
        if "unrecognized subcommand" in proc.stderr:
            return None, f"`gridsim {args[0]}` not implemented yet", wall_s
        if "unexpected argument" in proc.stderr:
            arg = proc.stderr.split("unexpected argument", 1)[1].split("'")[1:2] or ["?"]
            return None, f"`gridsim {args[0]} {arg[0]}` not implemented yet", wall_s
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            first = next((ln for ln in lines if ln.lower().startswith("error")), lines[-1] if lines else "")
            return None, f"exit {proc.returncode}: {short(first)}", wall_s
        return None, f"no JSON on stdout (is `gridsim {args[0]} --json` implemented?)", wall_s

    def pf(self, case_path, repeat, dc, timeout_s):
        if self.reason:
            return {"error": f"gridsim: {self.reason}"}
        args = ["pf", str(case_path), "--json", "--repeat", str(repeat)] + (["--dc"] if dc else [])
        self._run(["pf", str(case_path), "--json", "--repeat", "1"] + (["--dc"] if dc else []), timeout_s)
        doc, err, _ = self._run(args, timeout_s)
        if err:
            return {"error": f"gridsim: {err}"}
        try:
            timing = doc["timing"]
            out = {
                "median_ms": float(timing["solve_ms_median"]),
                "min_ms": float(timing["solve_ms_min"]),
                "load_ms": float(timing["parse_ms"]) if timing.get("parse_ms") is not None else None,
                "converged": bool(doc.get("converged")),
                "iterations": [doc["iterations"]] if doc.get("iterations") is not None else None,
            }
            bus = doc.get("bus")
            if bus is not None:
                out["bus_id"] = [int(b) for b in table_column(bus, "id")]
                out["vm_pu"] = [float(x) for x in table_column(bus, "vm_pu")]
                out["va_deg"] = [float(x) for x in table_column(bus, "va_deg")]
            return out
        except (KeyError, TypeError, ValueError) as exc:
            return {"error": f"gridsim: unexpected JSON ({type(exc).__name__}: {short(exc, 60)})"}

    def ts(self, case_path, snapshots, repeat, timeout_s):
        """`gridsim pf --snapshots`: Σ of the warm-started solves, median over `repeat` runs."""
        if self.reason:
            return {"error": f"gridsim: {self.reason}"}
        samples, doc = [], None
        for _ in range(repeat):
            doc, err, _ = self._run(["pf", str(case_path), "--snapshots", str(snapshots), "--json"], timeout_s)
            if err:
                return {"error": f"gridsim: {err}"}
            samples.append(float(doc["timing"]["solve_s_total"]))
        return {
            "median_s": statistics.median(samples),
            "min_s": min(samples),
            "n_steps": int(doc["steps"]),
            "n_converged": int(doc["converged_steps"]),
            "iterations_total": int(doc["iterations_total"]),
        }

    def n1(self, case_path, dc, timeout_s):
        if self.reason:
            return {"error": f"gridsim: {self.reason}"}
        # warm the page cache for the binary and the case file, as the peers are warm
        self._run(["pf", str(case_path), "--json", "--repeat", "1"], timeout_s)
        doc, err, wall_s = self._run(["n1", str(case_path), "--json"] + (["--dc"] if dc else []), timeout_s)
        if err:
            return {"error": f"gridsim: {err}"}
        summary = doc.get("summary", {}) if isinstance(doc, dict) else {}
        n_failed = summary.get("n_not_converged", summary.get("n_failed"))
        return {
            "total_s": wall_s,
            "n_outages": summary.get("n_outages"),
            "n_islanding": summary.get("n_islanding"),
            "n_failed": n_failed,
            "base_status": doc.get("base_status") if isinstance(doc, dict) else None,
        }


def load_reference(reference_dir, case, run):
    path = Path(reference_dir) / f"{case}__{run}.json"
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text())
        bus = doc["bus"]
        ids = [int(b) for b in table_column(bus, "id")]
        try:
            types = [int(t) for t in table_column(bus, "type")]
        except KeyError:
            types = [1] * len(ids)
        return {
            "id": ids,
            "type": types,
            "vm": [float(x) for x in table_column(bus, "Vm")],
            "va_deg": [float(x) for x in first_present(bus, ["Va_deg", "Va"])],
            "success": doc.get("success"),
            "iterations": doc.get("iterations"),
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log(f"  reference {path.name} unreadable: {exc}")
        return None


def voltage_errors(result, reference):
    """max |dVm| (p.u.) and max |dVa| (deg, relative to the reference bus, modulo 360)
    over buses that are in service in the reference and solved by the tool."""
    if not result or "vm_pu" not in result or not reference:
        return None, None
    vm = dict(zip(result["bus_id"], result["vm_pu"]))
    va = dict(zip(result["bus_id"], result["va_deg"]))
    ref_bus = next((i for i, t in zip(reference["id"], reference["type"]) if t == 3), reference["id"][0])
    ref_va = dict(zip(reference["id"], reference["va_deg"]))
    offset_tool = va.get(ref_bus)
    d_vm, d_va = [], []
    for bus_id, bus_type, vm_ref, va_ref in zip(
        reference["id"], reference["type"], reference["vm"], reference["va_deg"]
    ):
        if bus_type == 4 or vm.get(bus_id) is None or vm[bus_id] == 0.0:
            continue
        d_vm.append(abs(vm[bus_id] - vm_ref))
        if offset_tool is not None and va.get(bus_id) is not None:
            # modulo 360: lightsim2grid returns complex voltages, so its angles wrap at
            # +-180 deg, while DC angles on the large cases run to several hundred degrees
            diff = (va[bus_id] - offset_tool) - (va_ref - ref_va[ref_bus])
            d_va.append(abs((diff + 180.0) % 360.0 - 180.0))
    return (max(d_vm) if d_vm else None), (max(d_va) if d_va else None)


def as_reference(result):
    """A tool's own solution, used as the yardstick where MATPOWER's is absent."""
    if not result or "vm_pu" not in result:
        return None
    return {
        "id": result["bus_id"],
        "type": [1] * len(result["bus_id"]),
        "vm": result["vm_pu"],
        "va_deg": result["va_deg"],
    }


def fmt_ms(x):
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def fmt_err(x):
    return "—" if x is None else f"{x:.1e}"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}×"


def ok_min(result):
    if result and "error" not in result and result.get("converged"):
        return result.get("min_ms")
    return None


def ratio_cell(num, den):
    """median ratio, then min ratio in brackets (the min is the steadier on a busy machine)."""
    med = fmt_ratio(ok_median(num), ok_median(den))
    return med if med == "—" else f"{med} ({fmt_ratio(ok_min(num), ok_min(den))})"


def cell_ms(result):
    if result is None:
        return "—"
    if "error" in result:
        return short(result["error"], 60)
    return fmt_ms(result.get("median_ms"))


def cell_brief(result):
    """A failure in one or two words, for the compact matrices; the detail table has the rest."""
    error = result["error"]
    for needle, text in [("not built", "not built"), ("timed out", "timed out"), ("not implemented", "not available"),
                         ("did not converge", "diverged")]:
        if needle in error:
            return text
    return "error"


def ok_median(result):
    if result and "error" not in result and result.get("converged"):
        return result.get("median_ms")
    return None


def environment_info(args, gridsim):
    def version(pkg):
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    cpu_model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gridsim_desc = gridsim.reason or "built"
    if gridsim.binary.is_file():
        mtime = datetime.datetime.fromtimestamp(gridsim.binary.stat().st_mtime, datetime.timezone.utc)
        gridsim_desc += f", binary from {mtime:%Y-%m-%d %H:%M} UTC"
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "versions": {p: version(p) for p in ["lightsim2grid", "pandapower", "numpy", "scipy", "numba", "matpowercaseframes"]},
        "cpu_model": cpu_model,
        "n_cpus": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)),
        "gridsim": gridsim_desc,
    }


def render(args, env, load_before, load_after, pf, n1, ts):
    cases = args.cases
    lines = []
    add = lines.append
    add(f"Measured {env['date_utc']} on {env['cpu_model']} ({env['n_cpus']} cores, shared), "
        f"pinned to core(s) {env['affinity']}, one thread per tool; {args.repeat} timed repeats "
        f"after warm-up; tolerance {TOL_PU:g} p.u., at most {MAX_ITER} Newton iterations.  ")
    add(f"Python {env['python']}; " + ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        + f"; gridsim: {env['gridsim']}.  ")
    add(f"Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}"
        + (" — **the machine was busy: absolute times are inflated, ratios less so**" if load_before > 1.2 else "")
        + ".")
    add("")

    rows_ac = [("lightsim2grid `ac_pf` (warm)", "ls2g_ac"), ("lightsim2grid `ac_pf` (cache off)", "ls2g_ac_nocache"),
               ("pandapower `runpp`", "pp_ac"), ("gridsim `pf`", "gs_ac")]
    rows_dc = [("lightsim2grid `dc_pf` (warm)", "ls2g_dc"), ("gridsim `pf --dc`", "gs_dc")]

    def matrix(title, rows):
        add(f"**{title}** — median ms (min ms)")
        add("")
        add("| tool | " + " | ".join(cases) + " |")
        add("|---|" + "---:|" * len(cases))
        for label, key in rows:
            cells = []
            for case in cases:
                r = pf[case].get(key)
                if r and "error" not in r:
                    text = f"{fmt_ms(r['median_ms'])} ({fmt_ms(r['min_ms'])})"
                    if not r.get("converged"):
                        text += " diverged"
                    cells.append(text)
                else:
                    cells.append("—" if r is None else cell_brief(r))
            add(f"| {label} | " + " | ".join(cells) + " |")
        add("")

    matrix("AC power flow, solve only", rows_ac)
    matrix("DC power flow, solve only", rows_dc)

    add("**Detail** — load = case read + model build (ms, once); iterations as reported by each tool; "
        "errors against MATPOWER 8.1's solution (`acpf`/`dcpf` reference), or, marked †, against "
        "lightsim2grid's where MATPOWER's is absent; Va compared relative to the reference bus.")
    add("")
    add("| case | tool | median ms | min ms | load ms | iterations | max abs dVm (p.u.) | max abs dVa (deg) | note |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for case in cases:
        for label, key in rows_ac + rows_dc:
            r = pf[case].get(key)
            if r is None:
                continue
            if "error" in r:
                add(f"| {case} | {label} | — | — | {fmt_ms(r.get('load_ms'))} | — | — | — | {short(r['error'], 80)} |")
                continue
            its = r.get("iterations")
            its_text = "—" if not its else "–".join(str(i) for i in (its if len(its) == 1 else [min(its), max(its)]))
            err = r.get("errors", {})
            dvm, dva, mark = err.get("dvm"), err.get("dva"), "† " if err.get("vs_ls2g") else ""
            notes = []
            if not r.get("converged"):
                notes.append("diverged")
            if dvm is not None and dvm > VM_MISMATCH_FLAG_PU:
                notes.append("**wrong voltages**")
            elif key.endswith("dc") and err.get("dva") is not None and err["dva"] > VA_MISMATCH_FLAG_DEG:
                notes.append("**wrong angles**")
            if r.get("solver_timer_ms_median") is not None:
                notes.append(f"own solver timer {fmt_ms(r['solver_timer_ms_median'])} ms")
            if key == "pp_ac" and r.get("numba") is False:
                notes.append("numba missing")
            if key.endswith("dc"):
                dvm_text = "—"
            else:
                dvm_text = mark + fmt_err(dvm) if dvm is not None else "no ref"
            dva_text = mark + fmt_err(dva) if dva is not None else ("no ref" if not r.get("errors") else "—")
            add(f"| {case} | {label} | {fmt_ms(r['median_ms'])} | {fmt_ms(r['min_ms'])} | {fmt_ms(r.get('load_ms'))} "
                f"| {its_text} | {dvm_text} | {dva_text} | {'; '.join(notes)} |")
    add("")

    add("**Ratios** of medians (of minima) — below 1 means the first-named tool is faster; — where a side is missing or diverged")
    add("")
    add("| case | gridsim / lightsim2grid, AC | gridsim / lightsim2grid, DC | pandapower / gridsim, AC | pandapower / lightsim2grid, AC |")
    add("|---|---:|---:|---:|---:|")
    any_wrong = False
    for case in cases:
        p = pf[case]
        dvm_pp = (p.get("pp_ac") or {}).get("errors", {}).get("dvm")
        mark = " ‡" if dvm_pp is not None and dvm_pp > VM_MISMATCH_FLAG_PU else ""
        any_wrong = any_wrong or bool(mark)
        pp_gs = ratio_cell(p.get("pp_ac"), p.get("gs_ac"))
        pp_ls = ratio_cell(p.get("pp_ac"), p.get("ls2g_ac"))
        add(f"| {case} | {ratio_cell(p.get('gs_ac'), p.get('ls2g_ac'))} "
            f"| {ratio_cell(p.get('gs_dc'), p.get('ls2g_dc'))} "
            f"| {pp_gs}{mark if pp_gs != '—' else ''} | {pp_ls}{mark if pp_ls != '—' else ''} |")
    if any_wrong:
        add("")
        add("‡ pandapower solved a mis-imported network there (its voltages are wrong, see Detail): "
            "the ratio times a different problem.")
    add("")

    if n1 or ts:
        add("**Batch studies** — total seconds, one core")
        add("")
        add("| study | lightsim2grid | gridsim | note |")
        add("|---|---:|---:|---|")
        for label, key in [("AC N-1", "ac"), ("DC N-1", "dc")]:
            entry = n1.get(key)
            if not entry:
                continue
            ls, gs = entry["ls2g"], entry["gridsim"]
            if "error" in ls:
                ls_text, note = short(ls["error"], 60), ""
            else:
                ls_text = f"{ls['total_s']:.2f}"
                note = (f"{ls['n_contingencies']} branch outages ({ls['n_islanding']} islanding, solved on the "
                        f"main island), {ls['n_converged']} converged; solve {ls['compute_s']:.2f} s + MW flows "
                        f"{ls['total_s'] - ls['compute_s']:.2f} s")
            gs_text = short(gs["error"].removeprefix("gridsim: "), 50) if "error" in gs else f"{gs['total_s']:.2f}"
            if "error" not in gs and gs.get("n_outages") is not None:
                note += (f"; gridsim (wall clock incl. start-up and parse): {gs['n_outages']} outages, "
                         f"{gs['n_islanding']} islanding, {gs['n_failed']} not converged")
            ratio = "" if "error" in gs or "error" in ls else f"; gridsim/lightsim2grid {gs['total_s'] / ls['total_s']:.2f}×"
            add(f"| {label}, {entry['case']} | {ls_text} | {gs_text} | {note}{ratio} |")
        if ts:
            r, g = ts["ls2g"], ts["gridsim"]
            cell = lambda x: short(x["error"], 60) if "error" in x else f"{x['median_s']:.3f} (min {x['min_s']:.3f})"
            steps = r.get("n_steps", g.get("n_steps", "?"))
            note = (f"{ts['source']}; each snapshot warm-started from the previous one; "
                    f"lightsim2grid `TimeSeriesCPP` (voltages only) {r.get('n_converged', '?')} converged, "
                    f"gridsim `pf --snapshots` (voltages, flows, outputs) {g.get('n_converged', '?')} converged")
            if "error" not in r and "error" not in g:
                note += f"; gridsim/lightsim2grid {g['median_s'] / r['median_s']:.2f}×"
            add(f"| time series, {ts['case']}, {steps} snapshots | {cell(r)} | {cell(g)} | {note} |")
        add("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=",".join(DEFAULT_CASES),
                        help="comma-separated case names under networks/cases/matpower (default: the six benchmark cases)")
    parser.add_argument("--repeat", type=int, default=20, help="timed repetitions per power flow (default 20)")
    parser.add_argument("--out", type=Path, help="also write the Markdown report to this file")
    parser.add_argument("--raw", type=Path, help="also write every measurement as JSON to this file")
    parser.add_argument("--cpu", type=int, default=0, help="core to pin every tool to (default 0)")
    parser.add_argument("--gridsim", type=Path, default=DEFAULT_GRIDSIM, help="gridsim binary")
    parser.add_argument("--gridsim-unavailable", metavar="REASON",
                        help="report gridsim cells as unavailable for this reason (run.sh: failed build)")
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR,
                        help="MATPOWER solutions <case>__acpf.json / __dcpf.json (default ../shared/reference/matpower)")
    parser.add_argument("--pp-init", default="results", choices=["results", "auto", "dc", "flat"],
                        help="pandapower start: 'results' seeds the case file's voltages like MATPOWER (default)")
    parser.add_argument("--n1-case", default="case1354pegase", help="AC N-1 case ('' to skip)")
    parser.add_argument("--dc-n1-case", default="case9241pegase", help="DC N-1 case ('' to skip)")
    parser.add_argument("--ts-case", default="case118", help="time-series case ('' to skip)")
    parser.add_argument("--ts-snapshots", type=Path,
                        help="snapshot CSV for the time series (gridsim run --snapshots); default: the synthetic profile")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per measurement")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker is not None:
        worker_main(args.worker)
        return 0

    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    missing = [c for c in args.cases if not (CASES_DIR / f"{c}.m").is_file()]
    if missing:
        log(f"unknown case(s): {', '.join(missing)} (looked in {CASES_DIR})")
        return 2
    if args.repeat < 1:
        log("--repeat must be at least 1")
        return 2
    try:
        os.sched_setaffinity(0, {args.cpu})  # children inherit it
    except (AttributeError, OSError) as exc:
        log(f"could not pin to core {args.cpu}: {exc}")

    gridsim = Gridsim(args.gridsim, args.cpu, args.gridsim_unavailable)
    if not Path(args.reference_dir).is_dir():
        log(f"no MATPOWER references at {args.reference_dir}: accuracy columns will say 'no ref'")
    env = environment_info(args, gridsim)
    load_before = os.getloadavg()[0]
    warmup = max(3, args.repeat // 5)
    pf = {}
    for case in args.cases:
        case_path = CASES_DIR / f"{case}.m"
        log(f"{case}:")
        p = pf[case] = {}
        for key, task in [
            ("ls2g_ac", {"kind": "ls2g_pf", "mode": "ac"}),
            ("ls2g_ac_nocache", {"kind": "ls2g_pf", "mode": "ac_nocache"}),
            ("ls2g_dc", {"kind": "ls2g_pf", "mode": "dc"}),
            ("pp_ac", {"kind": "pp_pf", "init": args.pp_init}),
        ]:
            task.update(case=case, repeat=args.repeat, warmup=warmup)
            p[key] = run_worker(task, args.timeout)
            log(f"  {key:16s} {cell_ms(p[key])}")
        p["gs_ac"] = gridsim.pf(case_path, args.repeat, False, args.timeout)
        log(f"  {'gs_ac':16s} {cell_ms(p['gs_ac'])}")
        p["gs_dc"] = gridsim.pf(case_path, args.repeat, True, args.timeout)
        log(f"  {'gs_dc':16s} {cell_ms(p['gs_dc'])}")

        ref_ac = load_reference(args.reference_dir, case, "acpf")
        ref_dc = load_reference(args.reference_dir, case, "dcpf")
        fallback = as_reference(p["ls2g_ac"]) if ref_ac is None else None
        fallback_dc = as_reference(p["ls2g_dc"]) if ref_dc is None else None
        for key, result in p.items():
            if not result or "error" in result or "vm_pu" not in result:
                continue
            if key.endswith("dc"):
                if ref_dc is not None:
                    _, dva = voltage_errors(result, ref_dc)
                    result["errors"] = {"dva": dva}
                elif fallback_dc is not None and not key.startswith("ls2g"):
                    _, dva = voltage_errors(result, fallback_dc)
                    result["errors"] = {"dva": dva, "vs_ls2g": True}
            elif ref_ac is not None:
                dvm, dva = voltage_errors(result, ref_ac)
                result["errors"] = {"dvm": dvm, "dva": dva}
            elif fallback is not None and not key.startswith("ls2g"):
                dvm, dva = voltage_errors(result, fallback)
                result["errors"] = {"dvm": dvm, "dva": dva, "vs_ls2g": True}
        for result in p.values():  # the per-bus arrays are not part of the report
            if isinstance(result, dict):
                for k in ("bus_id", "vm_pu", "va_deg"):
                    result.pop(k, None)

    n1 = {}
    for key, case in [("ac", args.n1_case), ("dc", args.dc_n1_case)]:
        if not case:
            continue
        log(f"{key.upper()} N-1 {case}:")
        ls = run_worker({"kind": "ls2g_n1", "case": case, "mode": key}, args.timeout)
        log("  lightsim2grid    " + (ls.get("error") or f"{ls['total_s']:.2f} s"))
        gs = gridsim.n1(CASES_DIR / f"{case}.m", key == "dc", args.timeout)
        log("  gridsim          " + (gs.get("error") or f"{gs['total_s']:.2f} s"))
        n1[key] = {"case": case, "ls2g": ls, "gridsim": gs}

    ts = None
    if args.ts_case:
        import tempfile

        log(f"time series {args.ts_case}:")
        tmp = tempfile.TemporaryDirectory()
        if args.ts_snapshots:
            snapshots = args.ts_snapshots
            source = f"snapshots `{snapshots.name}` (a gridsim study's power-flow inputs)"
        else:
            snapshots = Path(tmp.name) / "snapshots.csv"
            lo, hi = write_profile_snapshots(CASES_DIR / f"{args.ts_case}.m", TS_HOURS, TS_SEED, snapshots)
            source = f"load and generator P, load Q × s(h) in [{lo:.2f}, {hi:.2f}], seed {TS_SEED}"
        r = run_worker({"kind": "ls2g_ts", "case": args.ts_case, "snapshots": str(snapshots), "repeat": 3},
                       args.timeout)
        log("  lightsim2grid    " + (r.get("error") or f"{r['median_s']:.3f} s"))
        g = gridsim.ts(CASES_DIR / f"{args.ts_case}.m", snapshots, 3, args.timeout)
        log("  gridsim          " + (g.get("error") or f"{g['median_s']:.3f} s"))
        ts = {"case": args.ts_case, "source": source, "ls2g": r, "gridsim": g}
        tmp.cleanup()

    load_after = os.getloadavg()[0]
    report = render(args, env, load_before, load_after, pf, n1, ts)
    print(report)
    if args.out:
        args.out.write_text(report + "\n")
    if args.raw:
        args.raw.write_text(json.dumps({"environment": env, "load_before": load_before, "load_after": load_after,
                                        "pf": pf, "n1": n1, "ts": ts}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
