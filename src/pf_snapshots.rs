//! `gridsim pf CASE --snapshots FILE`: a time series of power flows, one per row of a snapshot
//! file, each warm-started from the previous converged solution with the symbolic analysis
//! reused — the counterpart of lightsim2grid's `TimeSeriesCPP` and pandapower's time series.
//!
//! The file is CSV with a header. The first column labels the row (e.g. `time_utc`); the others
//! are named `pd_mw:<bus>`, `qd_mvar:<bus>` (demand at a bus, the case's own number) and
//! `pg_mw:<row>` (active output of a generator, its 1-based `mpc.gen` row), in any order and
//! any subset: a quantity without a column keeps the case's value. `gridsim run --snapshots`
//! writes such files. Generator and branch statuses, voltage setpoints and everything else are
//! the case's.

use std::path::{Path, PathBuf};
use std::time::Instant;

use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, Start};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::network::PerUnit;
use gridsim_networks::{Case, Network, PowerFlowResult};

use crate::InputError;

/// One column of a snapshot file: what it sets.
#[derive(Debug, Clone, Copy)]
enum Target {
    Pd(usize),
    Qd(usize),
    Pg(usize),
}

/// The rows of a snapshot file: labels and, per row, the values of its columns.
struct Snapshots {
    targets: Vec<Target>,
    labels: Vec<String>,
    values: Vec<Vec<f64>>,
}

/// 1-based character column of field `k` of an unquoted ASCII CSV record (the record's
/// ranges leave out the `k` commas before it).
fn field_column(rec: &csv::StringRecord, k: usize) -> usize {
    rec.range(k).map_or(1, |r| r.start + k + 1)
}

fn read_snapshots(path: &Path, case: &Case, net: &Network) -> Result<Snapshots, InputError> {
    let at = |line: u64, column: usize, msg: String| {
        InputError(format!("{}:{line}:{column}: {msg}", path.display()))
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    let header = rdr
        .headers()
        .map_err(|e| InputError(format!("{}: {e}", path.display())))?
        .clone();
    let mut targets = Vec::new();
    for (k, name) in header.iter().enumerate().skip(1) {
        let column = field_column(&header, k);
        let bad = |what: &str| {
            at(
                1,
                column,
                format!("column {name:?}: {what}; expected pd_mw:<bus>, qd_mvar:<bus> or pg_mw:<gen row>"),
            )
        };
        let (kind, id) = name.split_once(':').ok_or_else(|| bad("no ':'"))?;
        let id: usize = id
            .trim()
            .parse()
            .map_err(|_| bad("not a number after ':'"))?;
        let target = match kind.trim() {
            "pd_mw" | "qd_mvar" => {
                let bus = u32::try_from(id).ok().and_then(|b| net.bus_index(b));
                let i = bus.ok_or_else(|| bad(&format!("bus {id} is not in {}", case.name)))?;
                if kind.trim() == "pd_mw" {
                    Target::Pd(i)
                } else {
                    Target::Qd(i)
                }
            }
            "pg_mw" => {
                if id == 0 || id > net.n_gen() {
                    return Err(bad(&format!(
                        "generator row {id} does not exist (rows 1 to {})",
                        net.n_gen()
                    )));
                }
                Target::Pg(id - 1)
            }
            _ => return Err(bad("unknown quantity")),
        };
        targets.push(target);
    }
    let (mut labels, mut values) = (Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() != header.len() {
            return Err(at(
                line,
                1,
                format!(
                    "expected {} fields as in the header, found {}",
                    header.len(),
                    rec.len()
                ),
            ));
        }
        labels.push(rec.get(0).unwrap_or_default().to_string());
        let mut row = Vec::with_capacity(targets.len());
        for k in 1..rec.len() {
            let field = rec.get(k).unwrap_or_default();
            let v: f64 = field
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    at(
                        line,
                        field_column(&rec, k),
                        format!(
                            "column {:?}: expected a finite number, found {field:?}",
                            &header[k]
                        ),
                    )
                })?;
            row.push(v);
        }
        values.push(row);
    }
    if values.is_empty() {
        return Err(InputError(format!("{}: no snapshot rows", path.display())));
    }
    Ok(Snapshots {
        targets,
        labels,
        values,
    })
}

/// What a snapshot run did, for the summary and `--json`.
#[derive(Debug, serde::Serialize)]
pub(crate) struct SnapshotReport {
    case: String,
    snapshots: String,
    model: &'static str,
    steps: usize,
    converged_steps: usize,
    iterations_total: usize,
    timing: SnapshotTiming,
}

#[derive(Debug, serde::Serialize)]
struct SnapshotTiming {
    parse_ms: f64,
    read_snapshots_ms: f64,
    /// Σ of the solves (setting the row's values and the power flow with its results).
    solve_s_total: f64,
    solve_ms_median: f64,
    solve_ms_min: f64,
}

/// Solves every snapshot of `file` on `net` (AC warm-started, or DC); with `out`, writes one
/// row per snapshot to `out/snapshot_results.csv`.
pub(crate) fn run(
    case: &Case,
    mut net: Network,
    parse_ms: f64,
    file: &Path,
    dc: bool,
    settings: AcPfSettings,
    out: Option<&PathBuf>,
) -> Result<(SnapshotReport, bool), InputError> {
    let t0 = Instant::now();
    let snaps = read_snapshots(file, case, &net)?;
    let read_ms = t0.elapsed().as_secs_f64() * 1e3;
    let pu = net.per_unit();
    let mut writer = match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| InputError(format!("{}: {e}", dir.display())))?;
            let p = dir.join("snapshot_results.csv");
            let mut w = csv::Writer::from_path(&p)
                .map_err(|e| InputError(format!("{}: {e}", p.display())))?;
            w.write_record([
                "label",
                "converged",
                "iterations",
                "max_mismatch_pu",
                "vm_min_pu",
                "vm_max_pu",
                "losses_mw",
                "generation_mw",
            ])
            .map_err(|e| InputError(e.to_string()))?;
            Some(w)
        }
        None => None,
    };
    enum Solver {
        Ac(Box<AcPowerFlow>),
        Dc(Box<DcPowerFlow>),
    }
    let mut solver = if dc {
        Solver::Dc(Box::new(DcPowerFlow::new(&net)))
    } else {
        Solver::Ac(Box::new(AcPowerFlow::new(&net, settings)))
    };
    let mut last: Option<(Vec<f64>, Vec<f64>)> = None;
    let mut times_ms = Vec::with_capacity(snaps.values.len());
    let (mut converged, mut iterations) = (0usize, 0usize);
    for (label, row) in snaps.labels.iter().zip(&snaps.values) {
        let t = Instant::now();
        for (target, &v) in snaps.targets.iter().zip(row) {
            match *target {
                Target::Pd(i) => net.pd_pu[i] = pu.to_pu(v),
                Target::Qd(i) => net.qd_pu[i] = pu.to_pu(v),
                Target::Pg(g) => net.pg_pu[g] = pu.to_pu(v),
            }
        }
        let res: PowerFlowResult = match &mut solver {
            Solver::Dc(pf) => pf.solve(&net),
            Solver::Ac(pf) => match &last {
                Some((vm, va)) => pf.solve(
                    &net,
                    Start::Warm {
                        vm_pu: vm,
                        va_rad: va,
                    },
                ),
                None => pf.solve(&net, Start::Case),
            },
        };
        times_ms.push(t.elapsed().as_secs_f64() * 1e3);
        iterations += res.iterations;
        let ok = res.status.is_converged();
        if ok {
            converged += 1;
            if !dc {
                let va: Vec<f64> = res.va_deg.iter().map(|&d| PerUnit::deg_to_rad(d)).collect();
                last = Some((res.vm_pu.clone(), va));
            }
        }
        if let Some(w) = writer.as_mut() {
            let energised = || {
                res.vm_pu
                    .iter()
                    .zip(&res.energized)
                    .filter(|(_, &e)| e)
                    .map(|(&v, _)| v)
            };
            let losses: f64 = res.pf_mw.iter().zip(&res.pt_mw).map(|(a, b)| a + b).sum();
            w.write_record([
                label.clone(),
                u8::from(ok).to_string(),
                res.iterations.to_string(),
                res.max_mismatch_pu.to_string(),
                energised().fold(f64::INFINITY, f64::min).to_string(),
                energised().fold(f64::NEG_INFINITY, f64::max).to_string(),
                losses.to_string(),
                res.pg_mw.iter().sum::<f64>().to_string(),
            ])
            .map_err(|e| InputError(e.to_string()))?;
        }
    }
    if let Some(mut w) = writer {
        w.flush().map_err(|e| InputError(e.to_string()))?;
    }
    let total_s = times_ms.iter().sum::<f64>() / 1e3;
    let min = times_ms.iter().copied().fold(f64::INFINITY, f64::min);
    let median = crate::cmd_pf::median(&mut times_ms);
    let steps = snaps.values.len();
    Ok((
        SnapshotReport {
            case: case.name.clone(),
            snapshots: file.display().to_string(),
            model: if dc {
                "DC"
            } else {
                "AC Newton-Raphson (polar), warm-started"
            },
            steps,
            converged_steps: converged,
            iterations_total: iterations,
            timing: SnapshotTiming {
                parse_ms,
                read_snapshots_ms: read_ms,
                solve_s_total: total_s,
                solve_ms_median: median,
                solve_ms_min: min,
            },
        },
        converged == steps,
    ))
}

impl SnapshotReport {
    /// The text summary.
    pub(crate) fn print(&self) {
        println!("case            {}", self.case);
        println!("snapshots       {} ({} rows)", self.snapshots, self.steps);
        println!("model           {}", self.model);
        println!("converged       {} of {}", self.converged_steps, self.steps);
        println!("iterations      {} in all", self.iterations_total);
        println!(
            "solve           {:.3} s in all, median {:.3} ms, min {:.3} ms per snapshot",
            self.timing.solve_s_total, self.timing.solve_ms_median, self.timing.solve_ms_min
        );
        println!(
            "read            case {:.1} ms, snapshots {:.1} ms",
            self.timing.parse_ms, self.timing.read_snapshots_ms
        );
    }
}
