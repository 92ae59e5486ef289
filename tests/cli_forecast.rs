//! `gridsim forecast backtest` as scripts use it: JSON keys, CSV forecasts with 99 quantiles, exit codes.

use std::process::Command;

fn gridsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridsim"))
}

#[test]
fn solar_climatology_backtest_writes_json_and_csv() {
    let out_dir = std::env::temp_dir().join(format!("gridsim-cli-forecast-{}", std::process::id()));
    let out = gridsim()
        .args([
            "forecast",
            "backtest",
            "--target",
            "solar",
            "--model",
            "climatology",
            "--json",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
