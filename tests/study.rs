//! `gridsim run`, `check` and `merge` on scenario files: located errors, determinism across
//! thread counts, shards that merge exactly, power balance and EV invariants in the outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gridsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridsim"))
        .args(args)
        .output()
        .expect("gridsim runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenario(name: &str) -> String {
    root()
        .join("scenarios")
        .join(format!("{name}.ron"))
        .display()
        .to_string()
}

/// A fresh scratch folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(scn: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["run", scn, "--out", out.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let o = gridsim(&args);
    assert!(
        o.status.success(),
        "gridsim {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// (header, rows) of a replications.csv.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8(read(path)).expect("utf-8");
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().expect("header");
    (header, lines.collect())
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn every_shipped_scenario_checks() {
    for entry in std::fs::read_dir(root().join("scenarios")).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "ron") {
            let o = gridsim(&["check", path.to_str().expect("utf-8")]);
            assert!(
                o.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn check_reports_every_problem_with_file_line_and_column() {
    let dir = scratch("check_problems");
    let case = root().join("networks/cases/matpower/case33bw.m");
    let text = format!(
        r#"(
    name: "bad",
    network: "{}",
    start_utc: "2019-03-05T08:00:00Z",
    horizon_h: 24.0,
    resolution_min: 7,
    agents: [
        battery(
            name: "b1",
            bus: 99,
            params: (p_charge_max_mw: 1.0, p_discharge_max_mw: 1.0, energy_capacity_mwh: 2.0,
                     eta_charge: 1.2, eta_discharge: 0.95),
            rule: None,
        ),
    ],
    emissions: [(generators: rows([99]), co2_t_per_mwh: 7.0)],
)
"#,
        case.display()
    );
    let path = dir.join("bad.ron");
    std::fs::write(&path, text).expect("write");
    let o = gridsim(&["check", path.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let file = path.display().to_string();
    // resolution_min is on line 6, column 5; the battery's name on line 9, column 19.
    assert!(
        err.contains(&format!("{file}:6:5: resolution_min")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{file}:9:19: agent \"b1\": bus 99 does not exist")),
        "{err}"
    );
    assert!(err.contains("eta_charge"), "{err}");
    // Both problems of the emissions entry, at the `emissions` field (line 16, column 5).
    assert!(
        err.contains(&format!(
            "{file}:16:5: emissions[0].co2_t_per_mwh: expected 0 to 5 t/MWh"
        )),
        "{err}"
    );
    assert!(
        err.contains("emissions[0].generators: generator row 99 does not exist"),
        "{err}"
    );
}

#[test]
fn a_misspelled_field_is_a_located_syntax_error() {
    let dir = scratch("check_syntax");
    let path = dir.join("typo.ron");
    std::fs::write(
        &path,
        "(\n    name: \"typo\",\n    network: \"x.m\",\n    start_utc: \"2019-03-05T08:00:00Z\",\n    horizon_hours: 24.0,\n)\n",
    )
    .expect("write");
    let o = gridsim(&["check", path.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("{}:5:", path.display())), "{err}");
    assert!(err.contains("horizon_hours"), "{err}");
    // `run` refuses it with the same message and the input-error exit code.
    let o = gridsim(&["run", path.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn results_are_byte_identical_at_one_and_two_threads() {
    let scn = scenario("ev_feeder_day");
    let one = scratch("threads_1");
    let two = scratch("threads_2");
    run(
        &scn,
        &one,
        &["--replications", "4", "--threads", "1", "--series"],
    );
    run(
        &scn,
        &two,
        &["--replications", "4", "--threads", "2", "--series"],
    );
    let mut files = vec!["replications.csv".to_string(), "summary.csv".to_string()];
    for strategy in ["uncontrolled", "edf", "llf"] {
        for rep in 0..4 {
            files.push(format!("series/{strategy}/rep{rep:06}.csv"));
        }
    }
    for f in &files {
        assert_eq!(read(&one.join(f)), read(&two.join(f)), "{f} differs");
    }
    // The series add up to the run's totals: Σ load_mw × 5 min = load_mwh, to 1e-9.
    let (h, rows) = table(&one.join("replications.csv"));
    let (sh, srows) = table(&one.join("series/llf/rep000002.csv"));
    assert_eq!(srows.len(), 288);
    let load_col = column(&sh, "load_mw");
    let from_series: f64 = srows
        .iter()
        .map(|r| r[load_col].parse::<f64>().expect("number") * 5.0 / 60.0)
        .sum();
    let row = rows
        .iter()
        .find(|r| r[0] == "2" && r[1] == "llf")
        .expect("replication 2, llf");
    let total: f64 = row[column(&h, "load_mwh")].parse().expect("number");
    assert!(
        (from_series - total).abs() <= 1e-9 * total,
        "{from_series} vs {total}"
    );
    assert_eq!(&srows[0][0], "2019-03-05T08:00:00Z");
}

#[test]
fn shards_merge_into_the_whole_study_exactly() {
    let scn = scenario("ev_feeder_day");
    let whole = scratch("shard_whole");
    let a = scratch("shard_a");
    let b = scratch("shard_b");
    let merged = scratch("shard_merged");
    run(&scn, &whole, &["--replications", "4"]);
    run(&scn, &a, &["--replications", "1"]);
    run(
        &scn,
        &b,
        &[
            "--first-replication",
            "1",
            "--replications",
            "3",
            "--threads",
            "2",
        ],
    );
    // Shards given in any order.
    let o = gridsim(&[
        "merge",
        b.to_str().expect("utf-8"),
        a.to_str().expect("utf-8"),
        "--out",
        merged.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["replications.csv", "summary.csv"] {
        assert_eq!(read(&whole.join(f)), read(&merged.join(f)), "{f} differs");
    }
    // A shard given twice is refused, naming the duplicated row.
    let o = gridsim(&[
        "merge",
        a.to_str().expect("utf-8"),
        a.to_str().expect("utf-8"),
        "--out",
        merged.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn ev_day_balances_power_and_respects_the_charging_limit() {
    let out = scratch("ev_day_invariants");
    run(&scenario("ev_feeder_day"), &out, &["--replications", "3"]);
    let (h, rows) = table(&out.join("replications.csv"));
    assert_eq!(rows.len(), 3 * 3, "3 replications × 3 strategies");
    let v = |row: &[String], name: &str| -> f64 {
        row[column(&h, name)]
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    // case33bw: 3.715 MW of base load, no bus shunts.
    let base_load_mwh = 3.715 * 24.0;
    for row in &rows {
        let strategy = row[column(&h, "strategy")].as_str();
        assert_eq!(v(row, "steps"), 288.0);
        assert_eq!(v(row, "pf_failed_steps"), 0.0);
        // Kirchhoff at every step: |generation − load − losses| ≤ 1e-6 MW (NR tolerance 1e-8 pu
        // on a 10 MVA base).
        assert!(v(row, "power_balance_max_abs_mw") <= 1e-6, "{row:?}");
        // Served load = base load + the energy the chargers drew, to 1e-9 MWh.
        let ev_mwh = v(row, "ev_delivered_kwh") / 1000.0;
        assert!(
            (v(row, "load_mwh") - base_load_mwh - ev_mwh).abs() <= 1e-9 * base_load_mwh,
            "{row:?}"
        );
        // Generation = load + losses over the day, to 1e-6 MWh.
        let gap = v(row, "generation_mwh") - v(row, "load_mwh") - v(row, "losses_mwh");
        assert!(gap.abs() <= 1e-6, "{row:?}");
        // No EV gets more than it asked for.
        assert!(v(row, "ev_delivered_kwh") <= v(row, "ev_requested_kwh") + 1e-9);
        // Controlled strategies hold each garage at its 40 kW limit; uncontrolled does not.
        let peak = v(row, "ev_peak_kw");
        match strategy {
            "edf" | "llf" => assert!(peak <= 40.0 + 1e-9, "{row:?}"),
            "uncontrolled" => assert!(peak > 40.0, "{row:?}"),
            other => panic!("unexpected strategy {other}"),
        }
    }
    // Common random numbers: the strategies of one replication see the same EV arrivals.
    for rep in rows.chunks(3) {
        let req: Vec<f64> = rep.iter().map(|r| v(r, "ev_requested_kwh")).collect();
        assert!(req.iter().all(|&x| x == req[0]), "{rep:?}");
    }
}

#[test]
fn battery_week_balances_energy_through_the_battery() {
    let out = scratch("battery_week");
    run(
        &scenario("battery_peak_shaving"),
        &out,
        &["--replications", "2"],
    );
    let (h, rows) = table(&out.join("replications.csv"));
    assert_eq!(rows.len(), 2 * 3);
    let v = |row: &[String], name: &str| -> f64 {
        row[column(&h, name)]
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let base_load_mwh = 3.715 * 168.0;
    for row in &rows {
        assert_eq!(v(row, "pf_failed_steps"), 0.0);
        assert!(v(row, "power_balance_max_abs_mw") <= 1e-6, "{row:?}");
        // Served load = base + synthetic loads + battery charging − battery discharging, 1e-9.
        let expected = base_load_mwh + v(row, "load_energy_mwh") + v(row, "battery_charged_mwh")
            - v(row, "battery_discharged_mwh");
        assert!(
            (v(row, "load_mwh") - expected).abs() <= 1e-9 * expected,
            "{row:?}"
        );
        // The battery's losses are what the efficiencies take (η = 0.95 both ways) and never
        // more energy comes out than went in plus the initial 1.2 MWh.
        let (c, d) = (
            v(row, "battery_charged_mwh"),
            v(row, "battery_discharged_mwh"),
        );
        assert!(d <= 0.95 * (1.2 + 0.95 * c) + 1e-9, "{row:?}");
        let losses = c * (1.0 - 0.95) + d * (1.0 / 0.95 - 1.0);
        assert!(
            (v(row, "battery_losses_mwh") - losses).abs() <= 1e-9,
            "{row:?}"
        );
        if row[column(&h, "strategy")] == "no_storage" {
            assert_eq!((c, d), (0.0, 0.0));
        }
    }
}

/// Independently of gridsim: every bus load of case24_ieee_rts (2,850 MW) follows
/// P_case · v(t) / max v over the area-1 column of the shipped RTS-GMLC 2020 profile; the
/// demand of the first 8,760 hours, MWh.
fn rts_year_demand_mwh() -> f64 {
    use std::io::Read;
    let gz = read(&root().join("models/data/rts-gmlc/load_regional_2020_hourly.csv.gz"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_string(&mut text)
        .expect("gzip");
    let area1: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(4)
                .expect("column 1")
                .parse()
                .expect("number")
        })
        .collect();
    let peak = area1.iter().copied().fold(f64::MIN, f64::max);
    area1.iter().take(8760).map(|x| 2850.0 * x / peak).sum()
}

#[test]
fn rts_reliability_serves_or_sheds_every_mwh() {
    let out = scratch("rts_reliability");
    run(
        &scenario("rts_reliability"),
        &out,
        &["--replications", "3", "--threads", "2"],
    );
    let (h, rows) = table(&out.join("replications.csv"));
    assert_eq!(rows.len(), 3 * 2);
    let v = |row: &[String], name: &str| -> f64 {
        row[column(&h, name)]
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let demand = rts_year_demand_mwh();
    for row in &rows {
        assert_eq!(v(row, "pf_failed_steps"), 0.0);
        assert_eq!(v(row, "dispatch_failed_steps"), 0.0);
        assert!(
            v(row, "gen_outage_h") > 0.0 && v(row, "branch_outage_h") > 0.0,
            "{row:?}"
        );
        // Served + shed = the profile's demand (+ the battery's net charging), to 1e-9.
        let total = v(row, "load_mwh") + v(row, "unserved_mwh") - v(row, "battery_charged_mwh")
            + v(row, "battery_discharged_mwh");
        assert!(
            (total - demand).abs() <= 1e-9 * demand,
            "{total} vs {demand}"
        );
        // DC power flow: lossless, so generation = served load hour by hour.
        assert!(v(row, "power_balance_max_abs_mw") <= 1e-6, "{row:?}");
        assert_eq!(v(row, "losses_mwh"), 0.0);
        // Shedding only in hours counted as loss of load.
        assert_eq!(
            v(row, "unserved_mwh") > 0.0,
            v(row, "loss_of_load_h") > 0.0,
            "{row:?}"
        );
    }
}

#[test]
fn rts_year_follows_the_shipped_load_profile() {
    let out = scratch("rts_year");
    run(&scenario("rts_year"), &out, &["--replications", "1"]);
    let (h, rows) = table(&out.join("replications.csv"));
    let v = |row: &[String], name: &str| -> f64 {
        row[column(&h, name)]
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let expected_mwh = rts_year_demand_mwh();
    for row in &rows {
        assert_eq!(v(row, "steps"), 8760.0);
        assert_eq!(v(row, "pf_failed_steps"), 0.0);
        // load_mwh is the demand net of the agents' delivered injections (available minus
        // curtailed renewables).
        let demand =
            v(row, "load_mwh") + v(row, "profile_generation_mwh") + v(row, "pv_energy_mwh")
                - v(row, "renewable_curtailed_mwh")
                + v(row, "battery_discharged_mwh")
                - v(row, "battery_charged_mwh");
        assert!(
            (demand - expected_mwh).abs() <= 1e-9 * expected_mwh,
            "{demand} vs {expected_mwh}"
        );
        let gap = v(row, "generation_mwh") - v(row, "load_mwh") - v(row, "losses_mwh");
        assert!(gap.abs() <= 1e-3, "{row:?}");
        // Units at their minimum outputs in low-load hours: renewables are curtailed first.
        assert!(v(row, "renewable_curtailed_mwh") > 0.0, "{row:?}");
        // Every generator's rate is ≤ 1.038 t/MWh and the hydro and nuclear units emit nothing.
        let co2 = v(row, "co2_t");
        assert!(
            co2 > 0.0 && co2 < 1.038 * v(row, "generation_mwh"),
            "{row:?}"
        );
    }
}

/// Writes a scenario on case24_ieee_rts into `dir` (the body after `network`), returns its path.
fn rts24_scenario(dir: &Path, body: &str) -> String {
    scenario_on(dir, "case24_ieee_rts", body)
}

/// Writes a scenario on the shipped MATPOWER case `case` into `dir` (the body after
/// `network`), returns its path.
fn scenario_on(dir: &Path, case: &str, body: &str) -> String {
    let case = root().join(format!("networks/cases/matpower/{case}.m"));
    let path = dir.join("scenario.ron");
    std::fs::write(
        &path,
        format!("(\n    network: \"{}\",\n{body}\n)\n", case.display()),
    )
    .expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn curtailment_takes_only_renewables_and_co2_follows_the_rates() {
    // A month of RTS-GMLC load (scaled to the case) with the 713 MW wind farm at full size:
    // the net load often falls below the units' minimum outputs.
    let dir = scratch("curtail");
    let scn = rts24_scenario(
        &dir,
        r#"    name: "curtail",
    start_utc: "2020-01-01T00:00:00Z",
    horizon_h: 720.0,
    resolution_min: 60,
    power_flow: dc,
    dispatch: economic,
    load_profile: Some((source: rts_gmlc_load_2020, areas: {1: "1", 2: "1", 3: "1", 4: "1"})),
    agents: [profile(name: "wind", bus: 22, source: rts_gmlc_wind_2020,
                     params: (column: "122_WIND_1"))],
    emissions: [(generators: all, co2_t_per_mwh: 0.5)],"#,
    );
    let out = dir.join("out");
    run(&scn, &out, &["--series"]);
    let (h, rows) = table(&out.join("replications.csv"));
    let v = |name: &str| -> f64 { rows[0][column(&h, name)].parse().expect("number") };
    // Every unit emits 0.5 t/MWh of positive output. The reference bus may absorb what is left
    // after curtailment with a negative output, which emits nothing: 0.5 × generation ≤ CO2 ≤
    // 0.5 × (generation + excess); exact hour by hour below.
    let (co2, gen, excess) = (v("co2_t"), v("generation_mwh"), v("excess_generation_mwh"));
    assert!(
        co2 >= 0.5 * gen * (1.0 - 1e-12) && co2 <= 0.5 * (gen + excess),
        "{co2} {gen} {excess}"
    );
    assert!(v("renewable_curtailed_mwh") > 0.0);
    let (sh, srows) = table(&out.join("series/base/rep000000.csv"));
    let col = |name: &str| column(&sh, name);
    let (ren, cur, exc) = (
        col("renewable_mw"),
        col("renewable_curtailed_mw"),
        col("excess_generation_mw"),
    );
    let (co2_h, gen_h) = (col("co2_t_per_h"), col("generation_mw"));
    let mut curtailed_sum = 0.0;
    for r in &srows {
        let x = |k: usize| -> f64 { r[k].parse().expect("number") };
        // Without excess every output is within its limits: CO2 = 0.5 × generation, to 1e-9.
        if x(exc) == 0.0 {
            assert!(
                (x(co2_h) - 0.5 * x(gen_h)).abs() <= 1e-9 * x(gen_h),
                "{r:?}"
            );
        }
        // Never more than the renewables produce; excess left only once they are all curtailed.
        assert!(x(cur) >= 0.0 && x(cur) <= x(ren) + 1e-9, "{r:?}");
        if x(exc) > 1e-9 {
            assert!((x(cur) - x(ren)).abs() <= 1e-9 * x(ren).max(1.0), "{r:?}");
        }
        curtailed_sum += x(cur);
    }
    assert!((curtailed_sum - v("renewable_curtailed_mwh")).abs() <= 1e-9 * curtailed_sum);
}

#[test]
fn rts79_generator_failures_give_the_expected_unit_hours_out() {
    let dir = scratch("rts79_failures");
    let case = root().join("networks/cases/matpower/case24_ieee_rts.m");
    let path = dir.join("failures.ron");
    std::fs::write(
        &path,
        format!(
            r#"(
    name: "failures",
    network: "{}",
    start_utc: "2020-01-01T00:00:00Z",
    horizon_h: 8760.0,
    resolution_min: 60,
    power_flow: dc,
    replications: 10,
    seed: 79,
    failures: [(elements: generators, params: rts79)],
)
"#,
            case.display()
        ),
    )
    .expect("write");
    let out = dir.join("out");
    run(path.to_str().expect("utf-8"), &out, &["--threads", "2"]);
    let (h, rows) = table(&out.join("replications.csv"));
    assert_eq!(rows.len(), 10);
    let k = column(&h, "gen_outage_h");
    let mean: f64 = rows
        .iter()
        .map(|r| r[k].parse::<f64>().expect("number"))
        .sum::<f64>()
        / rows.len() as f64;
    // RTS-79's 32 units have Σ FOR = 1.39, so 1.39 × 8760 = 12,176 unit-hours out per year in
    // steady state (units start in their stationary state, so the first year is no
    // exception). The
    // standard deviation of one year's total is about 1,180 h (alternating renewal process,
    // Σ 2 MTTF² MTTR² / (MTTF + MTTR)³ × 8760 h), so ±4σ of a 10-year mean is ±1,490 h.
    let expected = 1.39 * 8760.0;
    assert!(
        (mean - expected).abs() <= 1490.0,
        "mean {mean} h, expected {expected} h"
    );
}

/// Mean and standard error of column `name` over the rows.
fn mean_and_se(h: &[String], rows: &[Vec<String>], name: &str) -> (f64, f64) {
    let k = column(h, name);
    let x: Vec<f64> = rows.iter().map(|r| r[k].parse().expect("number")).collect();
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

#[test]
fn rts79_adequacy_converges_to_the_published_lole_and_eens() {
    // Sequential Monte Carlo of the RTS-79 generating system against its hourly load model:
    // the estimates must agree with the analytical (and published) indices, LOLE 9.39418 h/yr
    // and EENS 1,176.3 MWh/yr (models::reliability reproduces both), within 4 standard errors
    // of the 40-year mean (one year's LOLE has a standard deviation of about 15 h).
    let out = scratch("rts79_adequacy");
    run(
        &scenario("rts79_adequacy"),
        &out,
        &["--replications", "40", "--threads", "2"],
    );
    let (h, rows) = table(&out.join("replications.csv"));
    assert_eq!(rows.len(), 40);
    for (name, reference) in [("loss_of_load_h", 9.39418), ("unserved_mwh", 1176.3)] {
        let (mean, se) = mean_and_se(&h, &rows, name);
        assert!(se > 0.0, "{name}: no spread");
        assert!(
            (mean - reference).abs() <= 4.0 * se,
            "{name}: {mean} ± {se} vs {reference}"
        );
    }
}

#[test]
fn snapshots_replay_through_pf_to_the_study_solution() {
    // The study writes the power flow's inputs of every step; `gridsim pf --snapshots` solves
    // them again (warm-started in the same order) and finds the same losses, step by step.
    let out = scratch("snapshots");
    run(
        &scenario("ev_feeder_day"),
        &out,
        &["--replications", "1", "--series", "--snapshots"],
    );
    let snaps = out.join("snapshots/llf/rep000000.csv");
    let (sh, srows) = table(&snaps);
    assert_eq!(srows.len(), 288);
    assert_eq!(sh.len(), 1 + 2 * 33 + 1, "{sh:?}");
    let replay = out.join("replay");
    let case = root().join("networks/cases/matpower/case33bw.m");
    let o = gridsim(&[
        "pf",
        case.to_str().expect("utf-8"),
        "--snapshots",
        snaps.to_str().expect("utf-8"),
        "--out",
        replay.to_str().expect("utf-8"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(report["steps"], 288);
    assert_eq!(report["converged_steps"], 288);
    let (rh, rrows) = table(&replay.join("snapshot_results.csv"));
    let (h, series) = table(&out.join("series/llf/rep000000.csv"));
    let (lr, ls) = (column(&rh, "losses_mw"), column(&h, "losses_mw"));
    for (a, b) in rrows.iter().zip(&series) {
        let (x, y): (f64, f64) = (
            a[lr].parse().expect("number"),
            b[ls].parse().expect("number"),
        );
        // Same inputs, same warm start, same solver: losses agree to 1e-9 MW.
        assert!((x - y).abs() <= 1e-9, "{a:?} vs {b:?}");
        assert_eq!(a[0], b[0], "labels are the step times");
    }
}

#[test]
fn a_malformed_snapshot_file_is_a_located_error() {
    let dir = scratch("bad_snapshots");
    let path = dir.join("snaps.csv");
    std::fs::write(&path, "time_utc,pd_mw:2,pd_mw:999\nt0,1.0,2.0\n").expect("write");
    let case = root().join("networks/cases/matpower/case33bw.m");
    let o = gridsim(&[
        "pf",
        case.to_str().expect("utf-8"),
        "--snapshots",
        path.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}:1:18: column \"pd_mw:999\": bus 999 is not in",
            path.display()
        )),
        "{err}"
    );
    std::fs::write(&path, "time_utc,pd_mw:2\nt0,1.0\nt1,abc\n").expect("write");
    let o = gridsim(&[
        "pf",
        case.to_str().expect("utf-8"),
        "--snapshots",
        path.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}:3:4: column \"pd_mw:2\": expected a finite number, found \"abc\"",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn dc_opf_dispatch_respects_branch_ratings_that_merit_order_overloads() {
    // Two days at the RTS-79 annual peak (the case's 2,850 MW) with unit failures: the
    // merit-order dispatch ignores the network and overloads branches; the penalised DC OPF
    // keeps every DC flow within RATE_A (shedding where it must) and costs at least as much.
    let dir = scratch("dc_opf");
    let body = |dispatch: &str| {
        format!(
            r#"    name: "opf_{dispatch}",
    start_utc: "2018-01-01T00:00:00Z",
    horizon_h: 48.0,
    resolution_min: 60,
    power_flow: dc,
    dispatch: {dispatch},
    replications: 2,
    seed: 5,
    failures: [(elements: generators, params: rts79)],"#
        )
    };
    let mut results = Vec::new();
    for dispatch in ["economic", "dc_opf"] {
        let d = dir.join(dispatch);
        std::fs::create_dir_all(&d).expect("dir");
        let scn = rts24_scenario(&d, &body(dispatch));
        let out = d.join("out");
        run(&scn, &out, &["--threads", "2"]);
        let (h, rows) = table(&out.join("replications.csv"));
        let get = |r: &Vec<String>, n: &str| -> f64 { r[column(&h, n)].parse().expect("number") };
        results.push(
            rows.iter()
                .map(|r| {
                    (
                        get(r, "overload_branch_h"),
                        get(r, "max_branch_loading_pct"),
                        get(r, "generation_cost_usd"),
                        get(r, "dispatch_failed_steps"),
                        get(r, "unserved_mwh"),
                    )
                })
                .collect::<Vec<_>>(),
        );
    }
    let (ed, opf) = (&results[0], &results[1]);
    assert!(
        ed.iter().any(|r| r.0 > 0.0),
        "merit order overloads nothing: {ed:?}"
    );
    for (e, o) in ed.iter().zip(opf) {
        assert_eq!(o.3, 0.0, "every OPF solved: {o:?}");
        assert_eq!(o.0, 0.0, "OPF flows within ratings: {o:?}");
        assert!(o.1 <= 100.0 + 1e-6, "{o:?}");
        // Same failures (common random numbers): the constrained dispatch costs no less
        // unless it sheds load.
        if o.4 <= e.4 {
            assert!(o.2 >= e.2 * (1.0 - 1e-9), "{e:?} vs {o:?}");
        }
    }
}

#[test]
fn recorded_ev_sessions_replay_through_a_study_as_in_acn_sim() {
    // ACN's Caltech garage, March 2019 (954 sessions), replayed at bus 18 of case33bw under a
    // 20 kW limit with an EVSE per vehicle: the study delivers what ACN-Sim (acnportal 0.3.3)
    // delivers, EDF 7,821.1088 kWh and LLF 7,882.8925 kWh, within 0.1 % (the models' own
    // test measures +0.034 % and +0.0006 %: ties between equal deadlines are ordered
    // differently).
    let dir = scratch("ev_sessions");
    let path = scenario_on(
        &dir,
        "case33bw",
        r#"    name: "caltech",
    start_utc: "2019-03-01T08:00:00Z",
    horizon_h: 895.0,
    resolution_min: 5,
    power_flow: dc,
    agents: [
        ev_sessions(
            name: "caltech",
            bus: 18,
            fleet: (chargers: 1000, feeder_limit_kw: Some(20.0)),
            sessions: caltech_march2019,
            tou_tariff: false,
        ),
    ],
    strategies: [
        (name: "edf", ev_controller: Some(earliest_deadline_first)),
        (name: "llf", ev_controller: Some(least_laxity_first)),
    ],"#,
    );
    let out = dir.join("out");
    run(&path, &out, &[]);
    let (h, rows) = table(&out.join("replications.csv"));
    let v = |row: &[String], name: &str| -> f64 { row[column(&h, name)].parse().expect("number") };
    for (row, acnsim_kwh) in rows.iter().zip([7821.1088, 7882.8925]) {
        assert_eq!(v(row, "ev_sessions"), 954.0);
        let got = v(row, "ev_delivered_kwh");
        assert!(
            (got / acnsim_kwh - 1.0).abs() < 1e-3,
            "{row:?}: {got} vs {acnsim_kwh}"
        );
        assert!(v(row, "ev_peak_kw") <= 20.0 + 1e-9);
    }
}

#[test]
fn gefcom_load_plays_by_calendar() {
    // case9's 315 MW follow GEFCom2014-E's ISO-NE load for the first two days of July 2013
    // (midnight EST = 05:00 UTC), scaled so the 2006–2014 peak equals the case's load: served
    // demand = 315 MW × Σ load(h) / peak over those 48 hours, to 1e-9 relative.
    use std::io::Read;
    let gz = read(&root().join("models/forecast/data/load_e.csv.gz"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_string(&mut text)
        .expect("gzip");
    let rows: Vec<(&str, f64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[2].parse().expect("number"))
        })
        .collect();
    let peak = rows.iter().map(|r| r.1).fold(f64::MIN, f64::max);
    let first = rows
        .iter()
        .position(|r| r.0 == "2013-07-01")
        .expect("2013-07-01");
    let expected: f64 = rows[first..first + 48]
        .iter()
        .map(|r| 315.0 * r.1 / peak)
        .sum();
    let dir = scratch("gefcom_load");
    let path = scenario_on(
        &dir,
        "case9",
        r#"    name: "gefcom",
    start_utc: "2013-07-01T05:00:00Z",
    horizon_h: 48.0,
    resolution_min: 60,
    power_flow: dc,
    load_profile: Some((source: gefcom2014_load, areas: {1: "load_mw"},
                        utc_offset_h: -5.0, alignment: calendar)),"#,
    );
    let out = dir.join("out");
    run(&path, &out, &[]);
    let (h, rows) = table(&out.join("replications.csv"));
    let got: f64 = rows[0][column(&h, "load_mwh")].parse().expect("number");
    assert!(
        (got - expected).abs() <= 1e-9 * expected,
        "{got} vs {expected}"
    );
}

#[test]
fn rts_gmlc_branch_figures_give_the_expected_branch_hours_out() {
    // Every branch of case24_ieee_rts fails with RTS-GMLC's figures for the same branch (bus n
    // = RTS-GMLC's 100 + n; parallel branches in order). Expected branch-hours out per year:
    // Σ MTTR/(MTTF + MTTR) × 8760 from models/data/rts-gmlc/reliability.csv; the standard
    // deviation of one year's total is √(Σ 2 MTTF² MTTR² / (MTTF + MTTR)³ × 8760) (alternating
    // renewal process), so the 20-year mean must lie within 4σ/√20.
    let reliability = std::fs::read_to_string(root().join("models/data/rts-gmlc/reliability.csv"))
        .expect("table");
    let case = std::fs::read_to_string(root().join("networks/cases/matpower/case24_ieee_rts.m"))
        .expect("case");
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut in_branch = false;
    for line in case.lines() {
        if line.trim_start().starts_with("mpc.branch = [") {
            in_branch = true;
            continue;
        }
        if in_branch {
            if line.trim_start().starts_with("];") {
                break;
            }
            let f: Vec<u32> = line
                .split_whitespace()
                .take(2)
                .filter_map(|x| x.parse().ok())
                .collect();
            if f.len() == 2 {
                pairs.push((f[0] + 100, f[1] + 100));
            }
        }
    }
    assert_eq!(pairs.len(), 38);
    let rows: Vec<(u32, u32, f64, f64)> = reliability
        .lines()
        .filter(|l| l.starts_with("branch,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let n = |k: usize| f[k].parse::<f64>().expect("number");
            (n(2) as u32, n(3) as u32, n(4), n(5))
        })
        .collect();
    let (mut mean, mut var) = (0.0, 0.0);
    let mut used = vec![false; rows.len()];
    for (a, b) in &pairs {
        let k = (0..rows.len())
            .find(|&k| {
                !used[k]
                    && ((rows[k].0 == *a && rows[k].1 == *b)
                        || (rows[k].0 == *b && rows[k].1 == *a))
            })
            .expect("a matching RTS-GMLC branch");
        used[k] = true;
        let (mttf, mttr) = (rows[k].2, rows[k].3);
        mean += mttr / (mttf + mttr) * 8760.0;
        var += 2.0 * mttf * mttf * mttr * mttr / (mttf + mttr).powi(3) * 8760.0;
    }
    let dir = scratch("rts_gmlc_branches");
    let scn = rts24_scenario(
        &dir,
        r#"    name: "branches",
    start_utc: "2020-01-01T00:00:00Z",
    horizon_h: 8760.0,
    resolution_min: 60,
    power_flow: dc,
    replications: 20,
    seed: 96,
    failures: [(elements: branches, params: rts_gmlc)],"#,
    );
    let out = dir.join("out");
    run(&scn, &out, &["--threads", "2"]);
    let (h, reps) = table(&out.join("replications.csv"));
    let (got, _) = mean_and_se(&h, &reps, "branch_outage_h");
    let tol = 4.0 * var.sqrt() / 20f64.sqrt();
    assert!((got - mean).abs() <= tol, "{got} vs {mean} ± {tol}");
}
