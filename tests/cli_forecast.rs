//! `gridsim forecast backtest` as scripts use it: JSON keys, CSV forecasts with 99 quantiles, exit codes.

use std::process::{Command, Output};

fn gridsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridsim"))
}

/// `gridsim forecast backtest --target T --model M ARGS… LAST`, which must exit 0.
fn backtest_ok(target: &str, model: &str, args: &[&str], last: &std::path::Path) -> Output {
    let out = gridsim()
        .args(["forecast", "backtest", "--target", target, "--model", model])
        .args(args)
        .arg(last)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn solar_climatology_backtest_writes_json_and_csv() {
    let out_dir = std::env::temp_dir().join(format!("gridsim-cli-forecast-{}", std::process::id()));
    let out = backtest_ok("solar", "climatology", &["--json", "--out"], &out_dir);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["target"], "solar");
    assert_eq!(v["reference"], "climatology");
    assert_eq!(v["quantile_levels"], 99);
    let m = &v["models"][0];
    assert_eq!(m["model"], "climatology");
    // April 2013 (30 days × 24 h) for each of the 3 zones.
    assert_eq!(m["n"], 3 * 30 * 24);
    // The reference's skill against itself is exactly 0.
    assert_eq!(m["pinball_skill_vs_reference"], 0.0);
    assert!(
        m["mape_pct"].is_null(),
        "MAPE is undefined with zero actuals"
    );
    let csv = std::fs::read_to_string(out_dir.join("solar_climatology.csv")).expect("CSV written");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 6 + 99);
    assert_eq!(header[6], "q01");
    assert_eq!(header[104], "q99");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3 * 30 * 24);
    for r in rows.iter().take(200) {
        let q: Vec<f64> = r.split(',').skip(6).map(|x| x.parse().unwrap()).collect();
        assert!(
            q.windows(2).all(|w| w[0] <= w[1]),
            "quantiles non-decreasing: {r}"
        );
    }
    let _ = std::fs::remove_dir_all(&out_dir);
}

#[test]
fn plot_writes_a_valid_svg_with_interval_forecast_and_actual() {
    let dir = std::env::temp_dir().join(format!("gridsim-cli-plot-{}", std::process::id()));
    let file = dir.join("solar.svg");
    backtest_ok(
        "solar",
        "climatology",
        &[
            "--plot-from",
            "2013-04-10",
            "--plot-days",
            "3",
            "--plot-series",
            "2",
            "--plot",
        ],
        &file,
    );
    let text = std::fs::read_to_string(&file).expect("SVG written");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect();
    for want in ["forecast", "actual", "5–95 % interval"] {
        assert!(texts.iter().any(|t| t == want), "{want} in {texts:?}");
    }
    assert!(
        texts.iter().any(|t| t.starts_with("solar zone 2")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("04-10")),
        "x axis from 2013-04-10: {texts:?}"
    );
    // The interval band and the two lines (solar actuals are complete: one polyline each,
    // plus the legend's sample lines).
    assert!(doc.descendants().any(|n| n.has_tag_name("polygon")));
    let lines: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| {
            n.attribute("points")
                .is_some_and(|p| p.split(' ').count() >= 72)
        })
        .collect();
    assert_eq!(lines.len(), 2, "forecast and actual over 72 hours");
    // Several models and one file is an input error, reported before any backtest runs.
    let out = gridsim()
        .args([
            "forecast", "backtest", "--target", "wind", "--model", "all", "--plot", "x.svg",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give a folder"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn solar_ramp_table_counts_are_consistent() {
    let dir = std::env::temp_dir().join(format!("gridsim-cli-ramp-{}", std::process::id()));
    let out = backtest_ok(
        "solar",
        "persistence",
        &[
            "--json",
            "--ramp-threshold",
            "0.3",
            "--ramp-window-h",
            "1",
            "--out",
        ],
        &dir,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["ramp_settings"]["threshold"], 0.3);
    assert_eq!(v["ramp_settings"]["window_h"], 1);
    let r = &v["models"][0]["ramps"];
    let n = |k: &str| r[k].as_u64().expect("count");
    assert!(
        n("actual_events") > 30,
        "April has ramps of 30 % in an hour: {r}"
    );
    assert_eq!(n("hits") + n("misses"), n("actual_events"));
    assert!(n("hits") <= n("actual_events") && n("false_alarms") <= n("forecast_events"));
    let pod = r["pod"].as_f64().expect("POD");
    assert!((pod - n("hits") as f64 / n("actual_events") as f64).abs() < 1e-12);
    // A non-positive threshold is an input error.
    let out = gridsim()
        .args([
            "forecast",
            "backtest",
            "--target",
            "solar",
            "--model",
            "persistence",
        ])
        .args(["--ramp-threshold", "0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn solar_fleet_compares_three_ways_of_joining_the_plants() {
    let dir = std::env::temp_dir().join(format!("gridsim-cli-fleet-{}", std::process::id()));
    let out = backtest_ok(
        "solar",
        "climatology",
        &["--json", "--fleet", "--fleet-window-days", "10", "--out"],
        &dir,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let f = &v["fleet"][0];
    assert_eq!(f["model"], "climatology");
    assert_eq!(f["plants"], 3);
    let methods = f["methods"].as_array().expect("methods");
    let names: Vec<&str> = methods.iter().filter_map(|m| m[0].as_str()).collect();
    assert_eq!(
        names,
        ["sum_of_quantiles", "independent", "gaussian_copula"]
    );
    let pin: Vec<f64> = methods
        .iter()
        .filter_map(|m| m[1]["pinball"].as_f64())
        .collect();
    assert_eq!(pin.len(), 3);
    assert!(pin.iter().all(|p| *p > 0.0 && *p < 0.1), "{pin:?}");
    // All three share the point forecast (the sum of the plants').
    assert_eq!(
        methods[0][1]["point"]["rmse"],
        methods[2][1]["point"]["rmse"]
    );
    assert_eq!(methods[0][1]["point"]["n"], 30 * 24);
    let rho = f["mean_correlation"].as_f64().expect("ρ");
    assert!(
        rho > 0.0 && rho < 1.0,
        "the three plants' errors correlate: {rho}"
    );
    let out = gridsim()
        .args([
            "forecast",
            "backtest",
            "--target",
            "load",
            "--model",
            "persistence",
            "--fleet",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_model_is_an_input_error() {
    let out = gridsim()
        .args([
            "forecast", "backtest", "--target", "wind", "--model", "prophet",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown model `prophet`") && err.contains("power_curve"),
        "{err}"
    );
}

#[test]
fn missing_data_folder_is_an_input_error_naming_the_file() {
    let out = gridsim()
        .args([
            "forecast",
            "backtest",
            "--target",
            "load",
            "--model",
            "persistence",
            "--data",
            "/nonexistent-gridsim",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-gridsim/load_e.csv.gz"));
}
