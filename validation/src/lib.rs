//! gridsim-validation: gridsim's solutions compared with MATPOWER's, case by case.
//!
//! The references are MATPOWER 8.1.1 solutions (GNU Octave 7.3) shipped gzipped under
//! `validation/reference/matpower/<case>__<run>.json.gz`, the cases under
//! `networks/cases/matpower/`. Each comparison yields [`Check`] rows, one per quantity, with the
//! largest error, the element where it occurs (external numbers) and the tolerance it is held to.
//!
//! Tolerances (written next to the quantity they bound):
//! - AC power flow, with and without reactive limits: |ΔVm| ≤ 1e-6 p.u., |ΔVa| ≤ 1e-5°,
//!   Pg, Qg and branch flows ≤ 1e-4 MW/MVAr;
//! - DC power flow: angles ≤ 1e-8°, flows and Pg ≤ 1e-8 MW;
//! - DC OPF: objective ≤ 1e-6 relative, Pg ≤ 1e-4 MW, LMP ≤ 1e-3 $/MWh where the optimum is unique
//!   (see [`dcopf`]).
//!
//! ```no_run
//! let checks = gridsim_validation::run_all();
//! assert!(checks.iter().all(|c| c.passed));
//! ```

pub mod dcopf;

use std::io::Read;
use std::path::{Path, PathBuf};

use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, PfAlgorithm, Start};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::{matpower, Case, FdVariant, Network, PowerFlowResult};
use serde::Deserialize;

/// AC PF voltage magnitude tolerance, p.u.
pub const TOL_AC_VM_PU: f64 = 1e-6;
/// AC PF voltage angle tolerance, degrees.
pub const TOL_AC_VA_DEG: f64 = 1e-5;
/// AC PF power tolerance (Pg, Qg, branch flows), MW or MVAr.
pub const TOL_AC_POWER_MW: f64 = 1e-4;
/// DC PF angle tolerance, degrees.
pub const TOL_DC_VA_DEG: f64 = 1e-8;
/// DC PF power tolerance (Pg, branch flows), MW.
pub const TOL_DC_POWER_MW: f64 = 1e-8;

/// One compared quantity of one case and run.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Case name.
    pub case: String,
    /// Run: `acpf`, `acpf_qlim`, `dcpf`, `dcopf`.
    pub run: String,
    /// Quantity compared (e.g. `vm_pu`).
    pub quantity: String,
    /// Largest absolute error found.
    pub max_abs_err: f64,
    /// The tolerance it is held to.
    pub tol: f64,
    /// Where the largest error is (e.g. `bus 4053`), or why the check failed outright.
    pub worst: String,
    /// Whether it passed.
    pub passed: bool,
}

/// A MATPOWER reference solution (keys as written by the reference generator).
#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    /// Case name.
    pub case: String,
    /// Whether MATPOWER succeeded.
    pub success: bool,
    /// MATPOWER's iteration count.
    pub iterations: usize,
    /// Objective, $/h (OPF runs).
    #[serde(default)]
    pub f: Option<f64>,
    /// Bus results.
    pub bus: RefBus,
    /// Generator results.
    pub gen: RefGen,
    /// Branch results.
    pub branch: RefBranch,
}

/// Bus columns of a reference.
#[derive(Debug, Clone, Deserialize)]
pub struct RefBus {
    /// External bus numbers.
    pub id: Vec<u32>,
    /// Voltage magnitudes, p.u.
    #[serde(rename = "Vm")]
    pub vm: Vec<f64>,
    /// Voltage angles, degrees.
    #[serde(rename = "Va_deg")]
    pub va_deg: Vec<f64>,
    /// Locational marginal prices, $/MWh (OPF runs).
    #[serde(rename = "lam_P", default)]
    pub lam_p: Option<Vec<f64>>,
}

/// Generator columns of a reference.
#[derive(Debug, Clone, Deserialize)]
pub struct RefGen {
    /// Bus of each generator.
    pub bus: Vec<u32>,
    /// Active output, MW.
    #[serde(rename = "Pg")]
    pub pg: Vec<f64>,
    /// Reactive output, MVAr.
    #[serde(rename = "Qg")]
    pub qg: Vec<f64>,
}

/// Branch columns of a reference.
#[derive(Debug, Clone, Deserialize)]
pub struct RefBranch {
    /// From bus.
    pub from: Vec<u32>,
    /// To bus.
    pub to: Vec<u32>,
    /// From-end active flow, MW.
    #[serde(rename = "Pf")]
    pub pf: Vec<f64>,
    /// From-end reactive flow, MVAr.
    #[serde(rename = "Qf")]
    pub qf: Vec<f64>,
    /// To-end active flow, MW.
    #[serde(rename = "Pt")]
    pub pt: Vec<f64>,
    /// To-end reactive flow, MVAr.
    #[serde(rename = "Qt")]
    pub qt: Vec<f64>,
}

/// Folder of the shipped MATPOWER reference solutions.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference")
        .join("matpower")
}

/// Folder of the shipped MATPOWER cases.
pub fn matpower_case_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("networks")
        .join("cases")
        .join("matpower")
}

/// Reads a shipped reference (`run`: `acpf`, `acpf_qlim`, `dcpf`, `dcopf`, `acopf`).
pub fn load_reference(case: &str, run: &str) -> Result<Reference, String> {
    let path = reference_dir().join(format!("{case}__{run}.json.gz"));
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads a shipped MATPOWER case by name.
pub fn load_case(case: &str) -> Result<Case, String> {
    matpower::read(matpower_case_dir().join(format!("{case}.m"))).map_err(|e| e.to_string())
}

/// The cases that have shipped references, sorted.
pub fn reference_cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(reference_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.split("__").next())
                .map(str::to_owned)
        })
        .collect();
    cases.sort();
    cases.dedup();
    cases
}

/// Largest |a − b| over paired slices and its index; length mismatch is an infinite error.
pub(crate) fn max_err(ours: &[f64], theirs: &[f64]) -> (f64, usize) {
    if ours.len() != theirs.len() {
        return (f64::INFINITY, 0);
    }
    let mut worst = (0.0, 0);
    for (k, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let e = (a - b).abs();
        if e > worst.0 || e.is_nan() {
            worst = (if e.is_nan() { f64::INFINITY } else { e }, k);
        }
    }
    worst
}

fn failed(case: &str, run: &str, why: String) -> Vec<Check> {
    vec![Check {
        case: case.into(),
        run: run.into(),
        quantity: "solve".into(),
        max_abs_err: f64::INFINITY,
        tol: 0.0,
        worst: why,
        passed: false,
    }]
}

/// Compares a power flow result with a reference, quantity by quantity.
pub fn compare_pf(
    case: &Case,
    run: &str,
    ours: &PowerFlowResult,
    reference: &Reference,
    tol_va_deg: f64,
    tol_vm_pu: f64,
    tol_power: f64,
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |quantity: &str, (err, _k): (f64, usize), tol: f64, what: String| {
        out.push(Check {
            case: case.name.clone(),
            run: run.into(),
            quantity: quantity.into(),
            max_abs_err: err,
            tol,
            worst: what,
            passed: err <= tol,
        });
    };
    let bus_at = |k: usize| format!("bus {}", case.bus.id.get(k).copied().unwrap_or(0));
    let gen_at = |k: usize| {
        format!(
            "gen {} at bus {}",
            k + 1,
            case.gen.bus.get(k).copied().unwrap_or(0)
        )
    };
    let br_at = |k: usize| {
        format!(
            "branch {} ({}-{})",
            k + 1,
            case.branch.from_bus.get(k).copied().unwrap_or(0),
            case.branch.to_bus.get(k).copied().unwrap_or(0)
        )
    };
    let e = max_err(&ours.vm_pu, &reference.bus.vm);
    push("vm_pu", e, tol_vm_pu, bus_at(e.1));
    let e = max_err(&ours.va_deg, &reference.bus.va_deg);
    push("va_deg", e, tol_va_deg, bus_at(e.1));
    let e = max_err(&ours.pg_mw, &reference.gen.pg);
    push("pg_mw", e, tol_power, gen_at(e.1));
    if run != "dcpf" {
        let e = max_err(&ours.qg_mvar, &reference.gen.qg);
        push("qg_mvar", e, tol_power, gen_at(e.1));
    }
    let e = max_err(&ours.pf_mw, &reference.branch.pf);
    push("pf_mw", e, tol_power, br_at(e.1));
    let e = max_err(&ours.pt_mw, &reference.branch.pt);
    push("pt_mw", e, tol_power, br_at(e.1));
    if run != "dcpf" {
        let e = max_err(&ours.qf_mvar, &reference.branch.qf);
        push("qf_mvar", e, tol_power, br_at(e.1));
        let e = max_err(&ours.qt_mvar, &reference.branch.qt);
        push("qt_mvar", e, tol_power, br_at(e.1));
    }
    out
}

/// AC power flow of `case_name` against MATPOWER (`qlim`: with reactive limits enforced).
pub fn validate_acpf(case_name: &str, qlim: bool) -> Vec<Check> {
    let settings = AcPfSettings {
        enforce_q_lims: qlim,
        ..AcPfSettings::default()
    };
    validate_ac(case_name, if qlim { "acpf_qlim" } else { "acpf" }, settings)
}

/// Fast-decoupled AC power flow of `case_name` against MATPOWER's (Newton) `acpf` solution:
/// the power-flow solution is unique, so the iteration must not matter beyond the tolerances.
pub fn validate_acpf_fd(case_name: &str, variant: FdVariant) -> Vec<Check> {
    let settings = AcPfSettings {
        algorithm: PfAlgorithm::FastDecoupled(variant),
        ..AcPfSettings::default()
    };
    let run = match variant {
        FdVariant::Xb => "acpf_fdxb",
        FdVariant::Bx => "acpf_fdbx",
    };
    validate_ac(case_name, run, settings)
}

/// AC power flow with `settings`, labelled `run`, against the MATPOWER reference of the same
/// reactive-limit setting.
fn validate_ac(case_name: &str, run: &str, settings: AcPfSettings) -> Vec<Check> {
    let ref_run = if settings.enforce_q_lims {
        "acpf_qlim"
    } else {
        "acpf"
    };
    let (case, reference) = match (load_case(case_name), load_reference(case_name, ref_run)) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), _) | (_, Err(e)) => return failed(case_name, run, e),
    };
    let net = match Network::from_case(&case) {
        Ok(n) => n,
        Err(e) => return failed(case_name, run, e.to_string()),
    };
    let res = AcPowerFlow::new(&net, settings).solve(&net, Start::Case);
    if !res.status.is_converged() {
        return failed(
            case_name,
            run,
            format!(
                "did not converge: {:?} after {} iterations",
                res.status, res.iterations
            ),
        );
    }
    compare_pf(
        &case,
        run,
        &res,
        &reference,
        TOL_AC_VA_DEG,
        TOL_AC_VM_PU,
        TOL_AC_POWER_MW,
    )
}

/// DC power flow of `case_name` against MATPOWER.
pub fn validate_dcpf(case_name: &str) -> Vec<Check> {
    let run = "dcpf";
    let (case, reference) = match (load_case(case_name), load_reference(case_name, run)) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), _) | (_, Err(e)) => return failed(case_name, run, e),
    };
    let net = match Network::from_case(&case) {
        Ok(n) => n,
        Err(e) => return failed(case_name, run, e.to_string()),
    };
    let res = DcPowerFlow::new(&net).solve(&net);
    if !res.status.is_converged() {
        return failed(case_name, run, format!("{:?}", res.status));
    }
    compare_pf(
        &case,
        run,
        &res,
        &reference,
        TOL_DC_VA_DEG,
        0.0,
        TOL_DC_POWER_MW,
    )
}

/// Every comparison for one case: AC PF (Newton with and without reactive limits,
/// fast-decoupled XB and BX), DC PF and DC OPF.
pub fn validate_case(case: &str) -> Vec<Check> {
    let mut out = validate_acpf(case, false);
    out.extend(validate_acpf(case, true));
    out.extend(validate_acpf_fd(case, FdVariant::Xb));
    out.extend(validate_acpf_fd(case, FdVariant::Bx));
    out.extend(validate_dcpf(case));
    out.extend(dcopf::validate_dcopf(case));
    out
}

/// Every shipped comparison, for every case that has references.
pub fn run_all() -> Vec<Check> {
    reference_cases()
        .iter()
        .flat_map(|c| validate_case(c))
        .collect()
}
