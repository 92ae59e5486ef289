//! Writes a [`Case`] as a MATPOWER version-2 case file that MATPOWER (and this reader) can load.
//!
//! Numbers use Rust's shortest round-trip formatting, so reading the output back gives the
//! same `f64` values bit for bit (`Inf`, `-Inf` and `NaN` are written as MATLAB spells them).

use std::io::{self, Write};

use crate::case::{Case, CostCurve};

const BUS_COLS: [&str; 13] = [
    "bus_i", "type", "Pd", "Qd", "Gs", "Bs", "area", "Vm", "Va", "baseKV", "zone", "Vmax", "Vmin",
];
const BUS_EXTRA: [&str; 4] = ["lam_P", "lam_Q", "mu_Vmax", "mu_Vmin"];
const GEN_COLS: [&str; 10] = [
    "bus", "Pg", "Qg", "Qmax", "Qmin", "Vg", "mBase", "status", "Pmax", "Pmin",
];
const GEN_EXTRA: [&str; 15] = [
    "Pc1", "Pc2", "Qc1min", "Qc1max", "Qc2min", "Qc2max", "ramp_agc", "ramp_10", "ramp_30",
    "ramp_q", "apf", "mu_Pmax", "mu_Pmin", "mu_Qmax", "mu_Qmin",
];
const BRANCH_COLS: [&str; 13] = [
    "fbus", "tbus", "r", "x", "b", "rateA", "rateB", "rateC", "ratio", "angle", "status", "angmin",
    "angmax",
];
const BRANCH_EXTRA: [&str; 8] = [
    "Pf",
    "Qf",
    "Pt",
    "Qt",
    "mu_Sf",
    "mu_St",
    "mu_angmin",
    "mu_angmax",
];

/// `x` as the writer prints it: shortest round-trip decimal, switching to exponent notation
/// for very large or very small magnitudes; `Inf`, `-Inf`, `NaN` as in MATLAB.
pub(crate) fn format_f64(x: f64) -> String {
    let mut s = String::new();
    push_f64(&mut s, x);
    s
}

/// Appends `x` to `out` as [`format_f64`] prints it, without a temporary string.
fn push_f64(out: &mut String, x: f64) {
    use std::fmt::Write as _;
    // Writing to a `String` cannot fail.
    let _ = if x.is_nan() {
        out.write_str("NaN")
    } else if x.is_infinite() {
        out.write_str(if x > 0.0 { "Inf" } else { "-Inf" })
    } else if x != 0.0 && (x.abs() >= 1e16 || x.abs() < 1e-5) {
        write!(out, "{x:e}")
    } else {
        write!(out, "{x}")
    };
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// A valid MATLAB function name for the case: `name` if it is one, else a cleaned-up form.
fn function_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "case_");
    }
    out.truncate(63);
    out
}

fn is_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks that every column of a table has `n` entries.
fn check_len(table: &str, n: usize, cols: &[(&str, usize)]) -> io::Result<()> {
    match cols.iter().find(|(_, len)| *len != n) {
        Some((col, len)) => Err(invalid(format!(
            "{table}.{col} has {len} entries but {table} has {n} rows"
        ))),
        None => Ok(()),
    }
}

/// Writes one matrix: `mpc.<name> = [` rows `];`, padding short rows with zeros so it stays
/// rectangular (MATLAB requires it).
fn write_matrix(
    out: &mut impl Write,
    name: &str,
    header: &str,
    rows: &[Vec<f64>],
) -> io::Result<()> {
    writeln!(out, "{header}")?;
    writeln!(out, "mpc.{name} = [")?;
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut line = String::new();
    for row in rows {
        line.clear();
        for k in 0..width {
            line.push('\t');
            push_f64(&mut line, row.get(k).copied().unwrap_or(0.0));
        }
        line.push_str(";\n");
        out.write_all(line.as_bytes())?;
    }
    writeln!(out, "];")?;
    writeln!(out)
}

fn header(names: &[&str], extra_names: &[&str], extra: usize) -> String {
    let mut h = String::from("%");
    for n in names.iter().chain(extra_names.iter().take(extra)) {
        h.push('\t');
        h.push_str(n);
    }
    h
}

/// Writes `case` in MATPOWER version-2 format. Fails with `InvalidInput` (writing nothing)
/// when the tables' columns have different lengths or a field name is not a MATLAB name.
pub fn write(case: &Case, out: &mut impl Write) -> io::Result<()> {
    let rows = validate(case)?;
    let name = function_name(&case.name);
    writeln!(out, "function mpc = {name}")?;
    writeln!(
        out,
        "%{}  MATPOWER case written by gridsim.",
        name.to_uppercase()
    )?;
    writeln!(
        out,
        "%   Please see CASEFORMAT for details on the case file format."
    )?;
    writeln!(out)?;
    writeln!(out, "%% MATPOWER Case Format : Version 2")?;
    writeln!(out, "mpc.version = '2';")?;
    writeln!(out)?;
    writeln!(out, "%%-----  Power Flow Data  -----%%")?;
    writeln!(out, "%% system MVA base")?;
    writeln!(out, "mpc.baseMVA = {};", format_f64(case.base_mva))?;
    writeln!(out)?;

    let extra = |e: &Vec<Vec<f64>>| e.iter().map(Vec::len).max().unwrap_or(0);
    let bus_header = format!(
        "%% bus data\n{}",
        header(&BUS_COLS, &BUS_EXTRA, extra(&case.bus.extra))
    );
    write_matrix(out, "bus", &bus_header, &rows.bus)?;
    let gen_header = format!(
        "%% generator data\n{}",
        header(&GEN_COLS, &GEN_EXTRA, extra(&case.gen.extra))
    );
    write_matrix(out, "gen", &gen_header, &rows.gen)?;
    let branch_header = format!(
        "%% branch data\n{}",
        header(&BRANCH_COLS, &BRANCH_EXTRA, extra(&case.branch.extra))
    );
    write_matrix(out, "branch", &branch_header, &rows.branch)?;

    if !case.gencost.is_empty() {
        writeln!(out, "%%-----  OPF Data  -----%%")?;
        let h = "%% generator cost data\n%\t1\tstartup\tshutdown\tn\tx1\ty1\t...\txn\tyn\n%\t2\tstartup\tshutdown\tn\tc(n-1)\t...\tc0";
        write_matrix(out, "gencost", h, &rows.gencost)?;
    }

    for (field, rhs) in &case.other_fields {
        writeln!(out, "mpc.{field} = {rhs};")?;
        writeln!(out)?;
    }

    if let Some(names) = &case.bus_name {
        writeln!(out, "%% bus names")?;
        writeln!(out, "mpc.bus_name = {{")?;
        for n in names {
            writeln!(out, "\t'{}';", n.replace('\'', "''"))?;
        }
        writeln!(out, "}};")?;
    }
    Ok(())
}

/// The rows of each matrix, after checking the case can be written.
struct Rows {
    bus: Vec<Vec<f64>>,
    gen: Vec<Vec<f64>>,
    branch: Vec<Vec<f64>>,
    gencost: Vec<Vec<f64>>,
}

fn validate(case: &Case) -> io::Result<Rows> {
    let b = &case.bus;
    let n = b.id.len();
    check_len(
        "bus",
        n,
        &[
            ("bus_type", b.bus_type.len()),
            ("pd_mw", b.pd_mw.len()),
            ("qd_mvar", b.qd_mvar.len()),
            ("gs_mw", b.gs_mw.len()),
            ("bs_mvar", b.bs_mvar.len()),
            ("area", b.area.len()),
            ("vm_pu", b.vm_pu.len()),
            ("va_deg", b.va_deg.len()),
            ("base_kv", b.base_kv.len()),
            ("zone", b.zone.len()),
            ("vmax_pu", b.vmax_pu.len()),
            ("vmin_pu", b.vmin_pu.len()),
            ("extra", b.extra.len()),
        ],
    )?;
    let g = &case.gen;
    let ng = g.bus.len();
    check_len(
        "gen",
        ng,
        &[
            ("pg_mw", g.pg_mw.len()),
            ("qg_mvar", g.qg_mvar.len()),
            ("qmax_mvar", g.qmax_mvar.len()),
            ("qmin_mvar", g.qmin_mvar.len()),
            ("vg_pu", g.vg_pu.len()),
            ("mbase_mva", g.mbase_mva.len()),
            ("in_service", g.in_service.len()),
            ("pmax_mw", g.pmax_mw.len()),
            ("pmin_mw", g.pmin_mw.len()),
            ("extra", g.extra.len()),
        ],
    )?;
    let br = &case.branch;
    let nl = br.from_bus.len();
    check_len(
        "branch",
        nl,
        &[
            ("to_bus", br.to_bus.len()),
            ("r_pu", br.r_pu.len()),
            ("x_pu", br.x_pu.len()),
            ("b_pu", br.b_pu.len()),
            ("rate_a_mva", br.rate_a_mva.len()),
            ("rate_b_mva", br.rate_b_mva.len()),
            ("rate_c_mva", br.rate_c_mva.len()),
            ("tap_ratio", br.tap_ratio.len()),
            ("shift_deg", br.shift_deg.len()),
            ("in_service", br.in_service.len()),
            ("angmin_deg", br.angmin_deg.len()),
            ("angmax_deg", br.angmax_deg.len()),
            ("extra", br.extra.len()),
        ],
    )?;
    if let Some(names) = &case.bus_name {
        if names.len() != n {
            return Err(invalid(format!(
                "bus_name has {} names but there are {n} buses",
                names.len()
            )));
        }
        if let Some(bad) = names.iter().find(|s| s.contains(['\n', '\r'])) {
            return Err(invalid(format!("bus name {bad:?} contains a line break")));
        }
    }
    for (field, rhs) in &case.other_fields {
        let known = matches!(
            field.as_str(),
            "version" | "baseMVA" | "bus" | "gen" | "branch" | "gencost" | "bus_name"
        );
        if known || !field.split('.').all(is_identifier) || rhs.trim().is_empty() {
            return Err(invalid(format!(
                "other field `{field}` cannot be written as `mpc.{field} = …;`"
            )));
        }
    }

    // The lengths are checked above, so `zip` walks every row.
    let flag = |on: bool| if on { 1.0 } else { 0.0 };
    let mut bus = Vec::with_capacity(n);
    for i in 0..n {
        let col = |v: &Vec<f64>| v.get(i).copied().unwrap_or(0.0);
        let mut row = vec![
            f64::from(b.id.get(i).copied().unwrap_or(0)),
            f64::from(b.bus_type.get(i).map_or(0, |t| t.code())),
            col(&b.pd_mw),
            col(&b.qd_mvar),
            col(&b.gs_mw),
            col(&b.bs_mvar),
            f64::from(b.area.get(i).copied().unwrap_or(0)),
            col(&b.vm_pu),
            col(&b.va_deg),
            col(&b.base_kv),
            f64::from(b.zone.get(i).copied().unwrap_or(0)),
            col(&b.vmax_pu),
            col(&b.vmin_pu),
        ];
        row.extend(b.extra.get(i).into_iter().flatten());
        bus.push(row);
    }
    let mut gen = Vec::with_capacity(ng);
    for i in 0..ng {
        let col = |v: &Vec<f64>| v.get(i).copied().unwrap_or(0.0);
        let mut row = vec![
            f64::from(g.bus.get(i).copied().unwrap_or(0)),
            col(&g.pg_mw),
            col(&g.qg_mvar),
            col(&g.qmax_mvar),
            col(&g.qmin_mvar),
            col(&g.vg_pu),
            col(&g.mbase_mva),
            flag(g.in_service.get(i).copied().unwrap_or(false)),
            col(&g.pmax_mw),
            col(&g.pmin_mw),
        ];
        row.extend(g.extra.get(i).into_iter().flatten());
        gen.push(row);
    }
    let mut branch = Vec::with_capacity(nl);
    for i in 0..nl {
        let col = |v: &Vec<f64>| v.get(i).copied().unwrap_or(0.0);
        let mut row = vec![
            f64::from(br.from_bus.get(i).copied().unwrap_or(0)),
            f64::from(br.to_bus.get(i).copied().unwrap_or(0)),
            col(&br.r_pu),
            col(&br.x_pu),
            col(&br.b_pu),
            col(&br.rate_a_mva),
            col(&br.rate_b_mva),
            col(&br.rate_c_mva),
            col(&br.tap_ratio),
            col(&br.shift_deg),
            flag(br.in_service.get(i).copied().unwrap_or(false)),
            col(&br.angmin_deg),
            col(&br.angmax_deg),
        ];
        row.extend(br.extra.get(i).into_iter().flatten());
        branch.push(row);
    }
    let gencost = case
        .gencost
        .iter()
        .map(|c| {
            let mut row = Vec::new();
            match &c.curve {
                CostCurve::PiecewiseLinear { points } => {
                    row.extend([1.0, c.startup_usd, c.shutdown_usd, points.len() as f64]);
                    row.extend(points.iter().flat_map(|&(p, f)| [p, f]));
                }
                CostCurve::Polynomial { coeffs_high_first } => {
                    row.extend([
                        2.0,
                        c.startup_usd,
                        c.shutdown_usd,
                        coeffs_high_first.len() as f64,
                    ]);
                    row.extend(coeffs_high_first);
                }
            }
            row.extend(&c.padding);
            row
        })
        .collect();
    Ok(Rows {
        bus,
        gen,
        branch,
        gencost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_use_matlab_spellings() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -2.5,
            0.1,
            1.0 / 3.0,
            1e-20,
            123456789.0,
            1e300,
            5e-324,
            f64::MAX,
        ] {
            let s = format_f64(x);
            assert_eq!(s.parse::<f64>().ok(), Some(x), "{s}");
        }
        assert_eq!(format_f64(f64::INFINITY), "Inf");
        assert_eq!(format_f64(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_f64(f64::NAN), "NaN");
        assert_eq!(format_f64(100.0), "100");
        assert_eq!(format_f64(1e300), "1e300");
    }

    #[test]
    fn function_names_are_made_valid() {
        assert_eq!(function_name("case9"), "case9");
        assert_eq!(function_name("my case-1"), "my_case_1");
        assert_eq!(function_name("9bus"), "case_9bus");
        assert_eq!(function_name(""), "case_");
    }

    #[test]
    fn inconsistent_tables_are_refused() {
        let mut case = Case::default();
        case.bus.id.push(1);
        let mut out = Vec::new();
        let err = write(&case, &mut out).err();
        assert_eq!(err.map(|e| e.kind()), Some(io::ErrorKind::InvalidInput));
        assert!(out.is_empty());
    }
}
