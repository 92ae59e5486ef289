//! The `gridsim` command line as scripts use it: JSON keys, exit codes, located errors.

use std::path::PathBuf;
use std::process::Command;

fn gridsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridsim"))
}

fn case(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("networks/cases/matpower")
        .join(format!("{name}.m"))
}

fn json_of(args: &[&str]) -> (serde_json::Value, i32) {
    let out = gridsim().args(args).output().expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

#[test]
fn pf_json_has_exactly_the_documented_keys() {
    let c = case("case9");
    let (v, code) = json_of(&["pf", c.to_str().unwrap(), "--json", "--repeat", "3"]);
    assert_eq!(code, 0);
    let obj = v.as_object().expect("object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "base_mva",
            "branch",
            "bus",
            "case",
            "converged",
            "gen",
            "iterations",
            "timing"
        ]
    );
    assert_eq!(v["case"], "case9");
    assert_eq!(v["converged"], true);
    assert_eq!(v["iterations"], 4);
    assert_eq!(v["bus"]["id"][8], 9);
    let vm4 = v["bus"]["vm_pu"][3].as_f64().expect("number");
    // MATPOWER: 1.0257883928440104 p.u. at bus 4 (tolerance 1e-6).
    assert!((vm4 - 1.0257883928440104).abs() < 1e-6);
    for k in ["parse_ms", "solve_ms_median", "solve_ms_min"] {
        assert!(v["timing"][k].as_f64().expect("timing") >= 0.0);
    }
    let mut bk: Vec<&str> = v["branch"]
        .as_object()
        .expect("obj")
        .keys()
        .map(String::as_str)
        .collect();
    bk.sort_unstable();
    assert_eq!(bk, ["from", "pf_mw", "pt_mw", "qf_mvar", "qt_mvar", "to"]);
}

#[test]
fn opf_json_adds_objective_and_prices() {
    let c = case("case9");
    let (v, code) = json_of(&["opf", c.to_str().unwrap(), "--dc", "--json"]);
    assert_eq!(code, 0, "{v}");
    // MATPOWER DC OPF of case9: f = 5216.0266077472725 $/h (tolerance 1e-6 relative).
    let f = v["objective_usd_per_h"].as_f64().expect("objective");
    assert!((f - 5216.0266077472725).abs() < 1e-6 * 5216.0);
    assert_eq!(
        v["bus"]["lmp_usd_per_mwh"].as_array().expect("lmp").len(),
        9
    );
}

#[test]
fn malformed_case_exits_2_with_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("gridsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let bad = dir.join("bad.m");
    std::fs::write(&bad, "function mpc = bad\nmpc.baseMVA = 100;\nmpc.bus = [\n 1 3 0 0 0 0 1 1 0 345 1 1.1 0.9;\n 2 1 x 0 0 0 1 1 0 345 1 1.1 0.9;\n];\n")
        .expect("write");
    let out = gridsim()
        .args(["pf", bad.to_str().unwrap()])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.m:5:"), "{err}");
}

#[test]
fn missing_file_exits_2() {
    let out = gridsim()
        .args(["pf", "/nonexistent/case.m"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/case.m"));
}

#[test]
fn non_convergence_exits_1() {
    // case13659pegase from a flat start diverges (as in every engine tried).
    let c = case("case13659pegase");
    let out = gridsim()
        .args(["pf", c.to_str().unwrap(), "--flat-start", "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["converged"], false);
}

#[test]
fn csv_output_carries_external_bus_numbers() {
    let dir = std::env::temp_dir().join(format!("gridsim-csv-{}", std::process::id()));
    let c = case("case30");
    let out = gridsim()
        .args(["pf", c.to_str().unwrap(), "--out", dir.to_str().unwrap()])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let bus = std::fs::read_to_string(dir.join("bus.csv")).expect("bus.csv");
    assert!(bus.starts_with("bus_id,vm_pu,va_deg\n1,"));
    assert_eq!(bus.lines().count(), 31);
    let branch = std::fs::read_to_string(dir.join("branch.csv")).expect("branch.csv");
    assert!(branch.starts_with("branch,from_bus_id,to_bus_id,pf_mw"));
}
