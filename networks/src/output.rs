//! Writing power flow results: CSV tables and the JSON document of the command line.
//!
//! Every table carries the case's own bus numbers and follows the case's row order.

use std::path::Path;

use serde::Serialize;

use crate::case::Case;
use crate::error::NetworkError;
use crate::results::PowerFlowResult;

/// Bus columns of the JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct BusColumns {
    /// External bus numbers.
    pub id: Vec<u32>,
    /// Voltage magnitude, p.u.
    pub vm_pu: Vec<f64>,
    /// Voltage angle, degrees.
    pub va_deg: Vec<f64>,
    /// Locational marginal price, $/MWh (OPF only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lmp_usd_per_mwh: Option<Vec<f64>>,
}

/// Generator columns of the JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct GenColumns {
    /// Bus of each generator.
    pub bus: Vec<u32>,
    /// Active output, MW.
    pub pg_mw: Vec<f64>,
    /// Reactive output, MVAr.
    pub qg_mvar: Vec<f64>,
}

/// Branch columns of the JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct BranchColumns {
    /// From bus.
    pub from: Vec<u32>,
    /// To bus.
    pub to: Vec<u32>,
    /// Active flow at the from end, MW.
    pub pf_mw: Vec<f64>,
    /// Reactive flow at the from end, MVAr.
    pub qf_mvar: Vec<f64>,
    /// Active flow at the to end, MW.
    pub pt_mw: Vec<f64>,
    /// Reactive flow at the to end, MVAr.
    pub qt_mvar: Vec<f64>,
}

/// Timing block of the JSON document, milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    /// Time to read and parse the case file.
    pub parse_ms: f64,
    /// Median solve time over the repetitions.
    pub solve_ms_median: f64,
    /// Fastest solve.
    pub solve_ms_min: f64,
}

/// The `--json` document of `gridsim pf` and `gridsim opf`: exactly these keys.
#[derive(Debug, Clone, Serialize)]
pub struct SolutionDocument {
    /// Case name.
    pub case: String,
    /// Whether the solve converged (or the OPF is optimal).
    pub converged: bool,
    /// Iterations.
    pub iterations: usize,
    /// System base, MVA.
    pub base_mva: f64,
    /// OPF objective, $/h (OPF only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective_usd_per_h: Option<f64>,
    /// Bus results.
    pub bus: BusColumns,
    /// Generator results.
    pub gen: GenColumns,
    /// Branch results.
    pub branch: BranchColumns,
    /// Timing.
    pub timing: Timing,
}

impl SolutionDocument {
    /// The document of a power flow result.
    pub fn from_pf(case: &Case, res: &PowerFlowResult, timing: Timing) -> Self {
        SolutionDocument {
            case: case.name.clone(),
            converged: res.status.is_converged(),
            iterations: res.iterations,
            base_mva: case.base_mva,
            objective_usd_per_h: None,
            bus: BusColumns {
                id: case.bus.id.clone(),
                vm_pu: res.vm_pu.clone(),
                va_deg: res.va_deg.clone(),
                lmp_usd_per_mwh: None,
            },
            gen: GenColumns {
                bus: case.gen.bus.clone(),
                pg_mw: res.pg_mw.clone(),
                qg_mvar: res.qg_mvar.clone(),
            },
            branch: BranchColumns {
                from: case.branch.from_bus.clone(),
                to: case.branch.to_bus.clone(),
                pf_mw: res.pf_mw.clone(),
                qf_mvar: res.qf_mvar.clone(),
                pt_mw: res.pt_mw.clone(),
                qt_mvar: res.qt_mvar.clone(),
            },
            timing,
        }
    }

    /// Writes `bus.csv`, `gen.csv` and `branch.csv` into `dir` (created if missing).
    pub fn write_csv(&self, dir: &Path) -> Result<(), NetworkError> {
        let io = |path: &Path, e: std::io::Error| NetworkError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let csv_err = |path: &Path, e: csv::Error| io(path, std::io::Error::other(e.to_string()));

        let path = dir.join("bus.csv");
        let mut w = csv::Writer::from_path(&path).map_err(|e| csv_err(&path, e))?;
        let mut header = vec!["bus_id", "vm_pu", "va_deg"];
        if self.bus.lmp_usd_per_mwh.is_some() {
            header.push("lmp_usd_per_mwh");
        }
        w.write_record(&header).map_err(|e| csv_err(&path, e))?;
        for i in 0..self.bus.id.len() {
            let mut rec = vec![
                self.bus.id[i].to_string(),
                self.bus.vm_pu[i].to_string(),
                self.bus.va_deg[i].to_string(),
            ];
            if let Some(l) = &self.bus.lmp_usd_per_mwh {
                rec.push(l[i].to_string());
            }
            w.write_record(&rec).map_err(|e| csv_err(&path, e))?;
        }
        w.flush().map_err(|e| io(&path, e))?;

        let path = dir.join("gen.csv");
        let mut w = csv::Writer::from_path(&path).map_err(|e| csv_err(&path, e))?;
        w.write_record(["gen", "bus_id", "pg_mw", "qg_mvar"])
            .map_err(|e| csv_err(&path, e))?;
        for g in 0..self.gen.bus.len() {
            w.write_record([
                (g + 1).to_string(),
                self.gen.bus[g].to_string(),
                self.gen.pg_mw[g].to_string(),
                self.gen.qg_mvar[g].to_string(),
            ])
            .map_err(|e| csv_err(&path, e))?;
        }
        w.flush().map_err(|e| io(&path, e))?;

        let path = dir.join("branch.csv");
        let mut w = csv::Writer::from_path(&path).map_err(|e| csv_err(&path, e))?;
        w.write_record([
            "branch",
            "from_bus_id",
            "to_bus_id",
            "pf_mw",
            "qf_mvar",
            "pt_mw",
            "qt_mvar",
        ])
        .map_err(|e| csv_err(&path, e))?;
        let b = &self.branch;
        for k in 0..b.from.len() {
            w.write_record([
                (k + 1).to_string(),
                b.from[k].to_string(),
                b.to[k].to_string(),
                b.pf_mw[k].to_string(),
                b.qf_mvar[k].to_string(),
                b.pt_mw[k].to_string(),
                b.qt_mvar[k].to_string(),
            ])
            .map_err(|e| csv_err(&path, e))?;
        }
        w.flush().map_err(|e| io(&path, e))?;
        Ok(())
    }
}
