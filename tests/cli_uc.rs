//! `gridsim uc` as scripts use it: JSON keys of the issue, exit codes, located input errors.

use std::path::PathBuf;
use std::process::Command;

fn gridsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridsim"))
}

/// Runs `gridsim uc ARGS...` on a shipped instance: exit code, stdout as JSON, stderr.
fn uc_json(name: &str, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let p = instance(name);
    let out = gridsim()
        .args(["uc", p.to_str().unwrap(), "--json"])
        .args(args)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    (out.status.code(), v, err)
}

fn instance(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("models/data/pglib-uc")
        .join(name)
}

#[test]
fn uc_json_has_exactly_the_keys_of_the_issue() {
    let (code, v, err) = uc_json(
        "rts_gmlc_2020-01-27_6h.json.gz",
        &["--gap", "1e-4", "--threads", "1"],
    );
    assert_eq!(code, Some(0), "{err}");
    let obj = v.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "bound_usd",
            "commitment",
            "cost_usd",
            "dispatch_mw",
            "gap",
            "mip_s",
            "objective_usd",
            "price_usd_per_mwh",
            "reserve_mw",
            "root_lp_s",
            "solve_s",
            "status",
            "warm_start_s"
        ]
    );
    assert_eq!(v["status"], "optimal");
    let mut cost: Vec<&str> = v["cost_usd"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    cost.sort_unstable();
    assert_eq!(cost, ["no_load", "production", "startup"]);
    // 73 thermal units committed; dispatch has the 81 renewables too; 6 periods each.
    assert_eq!(v["commitment"].as_object().unwrap().len(), 73);
    assert_eq!(v["dispatch_mw"].as_object().unwrap().len(), 73 + 81);
    assert_eq!(v["reserve_mw"].as_object().unwrap().len(), 73);
    assert_eq!(v["commitment"]["115_STEAM_1"].as_array().unwrap().len(), 6);
    assert_eq!(v["price_usd_per_mwh"].as_array().unwrap().len(), 6);
    // Objective = production + no-load + startup (no penalties in strict mode), 1e-9 relative.
    let c = &v["cost_usd"];
    let sum = c["production"].as_f64().unwrap()
        + c["no_load"].as_f64().unwrap()
        + c["startup"].as_f64().unwrap();
    let obj = v["objective_usd"].as_f64().unwrap();
    assert!((sum - obj).abs() <= 1e-9 * obj);
    // Demand balance in every period from the JSON alone (period 1 demand 3262.31 MW).
    let total1: f64 = v["dispatch_mw"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x[0].as_f64().unwrap())
        .sum();
    assert!((total1 - 3262.31).abs() < 1e-5, "{total1}");
    assert!(err.contains("checker: every constraint holds"));
    // The summary line on stderr reports the root relaxation and its gap to the schedule.
    let field = |k: &str| -> f64 {
        let summary = err
            .lines()
            .find(|l| l.starts_with("uc: "))
            .expect("summary");
        let v = summary
            .split(' ')
            .find_map(|w| w.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("{k} in {summary}"));
        v.parse().unwrap_or_else(|_| panic!("{k}={v}"))
    };
    let (root_lp, root_gap) = (field("root_lp_usd"), field("root_gap"));
    assert!(root_lp <= obj * (1.0 + 1e-9), "{root_lp} vs {obj}");
    assert!((0.0..0.05).contains(&root_gap), "{root_gap}");
    assert!((root_gap - (obj - root_lp) / obj).abs() < 1e-5);
}

#[test]
fn uc_exit_codes() {
    let dir = std::env::temp_dir().join(format!("gridsim-cli-uc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Input error: 2, with file:line:column.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"time_periods\": \"two\"}").unwrap();
    let out = gridsim()
        .args(["uc", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json:1:"), "{err}");
    // Infeasible: 1 (demand 500 MW, one 100 MW unit), diagnosed.
    let inf = dir.join("inf.json");
    std::fs::write(&inf, r#"{"time_periods": 1, "demand": [500], "reserves": [0],
 "thermal_generators": {"a": {"must_run": 0, "power_output_minimum": 0, "power_output_maximum": 100,
  "ramp_up_limit": 100, "ramp_down_limit": 100, "ramp_startup_limit": 100, "ramp_shutdown_limit": 100,
  "time_up_minimum": 1, "time_down_minimum": 1, "power_output_t0": 50, "unit_on_t0": 1,
  "time_up_t0": 3, "time_down_t0": 0, "startup": [{"lag": 1, "cost": 5}],
  "piecewise_production": [{"mw": 0, "cost": 0}, {"mw": 100, "cost": 1000}]}},
 "renewable_generators": {}}"#).unwrap();
    let out = gridsim()
        .args(["uc", inf.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "infeasible");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("period 1: demand 500.000 MW above available capacity 100.000 MW"));
    // Penalised: 0, 400 MW shed at 10,000 $/MWh + 1,000 $ of energy = 4,001,000 $.
    let out = gridsim()
        .args(["uc", inf.to_str().unwrap(), "--json", "--penalised"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((v["objective_usd"].as_f64().unwrap() - 4_001_000.0).abs() < 1e-6);
    assert!((v["price_usd_per_mwh"][0].as_f64().unwrap() - 10_000.0).abs() < 1e-6);
    // Stopped by the node limit with a schedule: 0, feasible_with_gap.
    let (code, v, err) = uc_json(
        "rts_gmlc_2020-01-27_6h.json.gz",
        &["--gap", "0", "--max-nodes", "1"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v["status"], "feasible_with_gap");
    assert!(v["gap"].as_f64().unwrap() > 0.0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn uc_start_from_a_previous_schedule() {
    // A schedule written by `--json` is read back by `--start`: its dispatch is the warm
    // start (the summary line's warm_start_usd equals the objective it had), and the solve
    // ends on a schedule at least as cheap.
    let dir = std::env::temp_dir().join(format!("gridsim-cli-uc-start-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (code, first, err) = uc_json("rts_gmlc_2020-01-27_6h.json.gz", &["--gap", "1e-4"]);
    assert_eq!(code, Some(0), "{err}");
    let previous = dir.join("previous.json");
    std::fs::write(&previous, first.to_string()).unwrap();
    let (code, again, err) = uc_json(
        "rts_gmlc_2020-01-27_6h.json.gz",
        &["--gap", "1e-4", "--start", previous.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{err}");
    let obj = first["objective_usd"].as_f64().unwrap();
    let warm: f64 = err
        .split_whitespace()
        .find_map(|w| w.strip_prefix("warm_start_usd="))
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!((warm - obj).abs() <= 1e-7 * obj, "start {warm} vs {obj}");
    assert!(again["objective_usd"].as_f64().unwrap() <= obj * (1.0 + 1e-9));
    // Located errors, exit 2: malformed JSON (line:column), a unit the instance lacks, a
    // value that is not 0/1.
    let inst = instance("rts_gmlc_2020-01-27_6h.json.gz");
    let mut unknown = first.clone();
    unknown["commitment"]["NO_SUCH_UNIT"] = serde_json::json!([1, 1, 1, 1, 1, 1]);
    let mut half = first.clone();
    half["commitment"]["115_STEAM_1"][2] = serde_json::json!(0.5);
    for (name, text, expect) in [
        (
            "broken.json",
            "{\"commitment\": {\n  \"a\": [1,]\n}}".to_string(),
            "broken.json:2:",
        ),
        (
            "unknown.json",
            unknown.to_string(),
            "\"NO_SUCH_UNIT\" is not a thermal unit",
        ),
        (
            "half.json",
            half.to_string(),
            "\"115_STEAM_1\", period 3: expected 0 or 1",
        ),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let out = gridsim()
            .args(["uc", inst.to_str().unwrap(), "--start", p.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(expect), "{name}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
