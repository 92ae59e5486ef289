//! `gridsim forecast backtest`: rolling-origin backtests of the forecasters on the shipped GEFCom2014 data.
//!
//! Prints a metrics table (one row per model) or, with `--json`, one JSON object; with
//! `--out DIR` writes every forecast with its 99 quantiles as CSV (`<target>_<model>.csv`);
//! with `--plot FILE.svg` (one model) or `--plot DIR` (one `<target>_<model>.svg` per model)
//! draws forecast against actual with its 5–95 % interval over `--plot-days` days from
//! `--plot-from` (default: the first test day) for series `--plot-series` (1-based); with
//! `--ramp-threshold X [--ramp-window-h Y]` adds a table of ramp events (POD, FAR, CSI).
//! Exit codes: 0 done, 2 input error (unknown model, unreadable data, unsupported horizon).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use gridsim_forecast::backtest::tiled_points;
use gridsim_forecast::fleet::FleetSettings;
use gridsim_forecast::metrics::skill;
use gridsim_forecast::ramp::{self, RampScores, RampSettings};
use gridsim_forecast::tracks::{fleet_run, lead_forecasts, run_model, FleetRun, ModelRun, Target};
use gridsim_forecast::{data, plot, Dataset};

/// `gridsim forecast …` subcommands.
#[derive(Subcommand)]
pub enum ForecastCommand {
    /// Rolling-origin backtest on GEFCom2014 (load: test 2013–2014; solar: April 2013; wind: December 2013).
    Backtest(BacktestArgs),
}

/// The track to backtest.
#[derive(Clone, Copy, ValueEnum)]
pub enum TargetArg {
    /// Hourly load of GEFCom2014-E with actual temperature.
    Load,
    /// Three solar plants, ECMWF forecasts.
    Solar,
    /// Ten wind farms, ECMWF forecasts.
    Wind,
}

/// Arguments of `gridsim forecast backtest`.
#[derive(Args)]
pub struct BacktestArgs {
    /// The track.
    #[arg(long)]
    target: TargetArg,
    /// A model name, or `all` (load: persistence, seasonal_naive, mlr_vanilla, mlr_recency,
    /// mlr_arx, mstl_ets, prophet, sarimax, gbt, lstm, ensemble, and by name only
    /// lstm_plain; solar: persistence, climatology, solar_regression, analog, gbt, ensemble;
    /// wind: persistence, climatology, power_curve, analog, gbt, ensemble).
    #[arg(long, default_value = "all")]
    model: String,
    /// Hours forecast at each daily issue time.
    #[arg(long, default_value_t = 24)]
    horizon: usize,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Write the forecasts (point and 99 quantiles) as CSV into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw forecast vs actual with the 5–95 % interval: a `.svg` file (one model) or a
    /// folder that gets one `<target>_<model>.svg` per model.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// First local day of the plot window, `YYYY-MM-DD` (default: the first test day).
    #[arg(long)]
    plot_from: Option<chrono::NaiveDate>,
    /// Days in the plot window.
    #[arg(long, default_value_t = 7)]
    plot_days: usize,
    /// Which series to plot, 1-based (solar: plant, wind: farm).
    #[arg(long, default_value_t = 1)]
    plot_series: usize,
    /// Add a ramp-event table: a change of more than this within --ramp-window-h hours, in
    /// the target's unit (solar and wind: fraction of capacity, e.g. 0.3), detected on the
    /// tiled day-ahead forecasts and on the actuals of the test period.
    #[arg(long)]
    ramp_threshold: Option<f64>,
    /// Window of a ramp, hours.
    #[arg(long, default_value_t = 1)]
    ramp_window_h: usize,
    /// A forecast ramp hits an actual one if their spans widened by this many hours overlap.
    #[arg(long, default_value_t = 0)]
    ramp_tolerance_h: usize,
    /// Solar and wind: add the fleet forecast (sum over plants or farms) of each model, its
    /// quantiles built three ways — summing the plants' quantiles, independence, and a
    /// Gaussian copula with the correlation of the plants' recent errors — scored per unit
    /// of the fleet's capacity (runs each model over --fleet-window-days more days first).
    #[arg(long)]
    fleet: bool,
    /// Days of verified forecasts before each issue that estimate the plants' correlation.
    #[arg(long, default_value_t = 30)]
    fleet_window_days: usize,
    /// Folder with load_e.csv.gz, solar.csv.gz and wind.csv.gz (default: the project's shipped copies).
    #[arg(long)]
    data: Option<PathBuf>,
}

fn load(target: Target, dir: &Path) -> Result<Vec<Dataset>, gridsim_forecast::ForecastError> {
    match target {
        Target::Load => data::read_load_e(&dir.join("load_e.csv.gz")).map(|d| vec![d]),
        Target::Solar => data::read_solar(&dir.join("solar.csv.gz")),
        Target::Wind => data::read_wind(&dir.join("wind.csv.gz")),
    }
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or("-".into(), |x| format!("{x:.digits$}"))
}

fn write_csv(
    dir: &Path,
    target: &str,
    run: &ModelRun,
    sets: &[Dataset],
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{target}_{}.csv", run.model));
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let levels = run
        .forecasts
        .iter()
        .flatten()
        .next()
        .map(|f| f.levels.clone())
        .unwrap_or_default();
    write!(w, "series,issue_time,time,step,actual,point")?;
    for t in &levels {
        write!(w, ",q{:02}", (t * 100.0).round() as u32)?;
    }
    writeln!(w)?;
    for (d, fs) in sets.iter().zip(&run.forecasts) {
        for f in fs {
            for (k, (p, qs)) in f.point.iter().zip(&f.quantiles).enumerate() {
                let i = f.issue + k;
                let y = d.target.get(i).copied().unwrap_or(f64::NAN);
                write!(
                    w,
                    "{},{},{},{},{},{p}",
                    d.name,
                    d.timeline.label(f.issue),
                    d.timeline.label(i),
                    k + 1,
                    if y.is_finite() {
                        y.to_string()
                    } else {
                        String::new()
                    }
                )?;
                for q in qs {
                    write!(w, ",{q}")?;
                }
                writeln!(w)?;
            }
        }
    }
    w.flush()?;
    Ok(path)
}

/// Where the plots go: one file, or one file per model in a folder.
fn plot_paths(plot: &Path, tname: &str, models: &[String]) -> Result<Vec<PathBuf>, String> {
    let is_file = plot
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    match (is_file, models) {
        (true, [_]) => Ok(vec![plot.to_path_buf()]),
        (true, _) => Err(format!(
            "--plot {} names one file but {} models run; give a folder instead",
            plot.display(),
            models.len()
        )),
        (false, _) => Ok(models
            .iter()
            .map(|m| plot.join(format!("{tname}_{m}.svg")))
            .collect()),
    }
}

fn write_plot(
    a: &BacktestArgs,
    target: Target,
    run: &ModelRun,
    sets: &[Dataset],
    path: &Path,
) -> Result<(), String> {
    let k = a.plot_series.saturating_sub(1);
    let (Some(d), Some(fs)) = (sets.get(k), run.forecasts.get(k)) else {
        return Err(format!(
            "--plot-series {} is outside 1..={}",
            a.plot_series,
            sets.len()
        ));
    };
    let from = match a.plot_from {
        Some(day) => day
            .and_hms_opt(0, 0, 0)
            .and_then(|t| d.timeline.index_at_or_after(t))
            .ok_or_else(|| format!("--plot-from {day} is outside the data of {}", d.name))?,
        None => fs.first().map_or(0, |f| f.issue),
    };
    let w = plot::window(d, fs, from, a.plot_days.max(1) * 24, 0.05, 0.95)
        .map_err(|e| e.to_string())?;
    let y_label = match target {
        Target::Load => "load (MW)",
        _ => "power (per unit of capacity)",
    };
    let doc = plot::svg(
        &w,
        &plot::PlotSettings {
            title: format!("{} — {} (horizon {} h)", d.name, run.model, a.horizon),
            y_label: y_label.into(),
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, doc).map_err(|e| format!("{}: {e}", path.display()))
}

/// Ramp scores of a model's tiled forecasts against the actuals, pooled over the series.
fn ramp_scores(run: &ModelRun, sets: &[Dataset], s: &RampSettings) -> Result<RampScores, String> {
    let mut parts = Vec::new();
    for (d, fs) in sets.iter().zip(&run.forecasts) {
        let (Some(first), Some(last)) = (fs.first(), fs.last()) else {
            continue;
        };
        let (from, to) = (
            first.issue,
            (last.issue + last.point.len()).min(d.target.len()),
        );
        let forecast = tiled_points(fs, from, to);
        let actual = d.target.get(from..to).unwrap_or(&[]);
        parts.push(ramp::score(actual, &forecast, s).map_err(|e| e.to_string())?);
    }
    Ok(RampScores::pooled(&parts))
}

fn print_ramps(shown: &[&ModelRun], ramps: &[RampScores], rs: &RampSettings) {
    println!();
    println!(
        "ramp events: change > {} within {} h (tolerance {} h), test period, pooled over series",
        rs.threshold, rs.window_steps, rs.tolerance_steps
    );
    println!(
        "{:<18} {:>7} {:>9} {:>6} {:>7} {:>13} {:>7} {:>7} {:>7}",
        "model", "actual", "forecast", "hits", "misses", "false alarms", "POD", "FAR", "CSI"
    );
    for (r, sc) in shown.iter().zip(ramps) {
        println!(
            "{:<18} {:>7} {:>9} {:>6} {:>7} {:>13} {:>7} {:>7} {:>7}",
            r.model,
            sc.actual_events,
            sc.forecast_events,
            sc.hits,
            sc.misses,
            sc.false_alarms,
            fmt_opt(sc.pod, 3),
            fmt_opt(sc.far, 3),
            fmt_opt(sc.csi, 3)
        );
    }
}

fn print_fleets(fleets: &[FleetRun], window_days: usize) {
    println!();
    println!(
        "fleet forecast (sum over {} series, per unit of fleet capacity; correlation from the \
         {window_days} days before each issue): mean pinball by way of joining the quantiles",
        fleets.first().map_or(0, |f| f.plants)
    );
    println!(
        "{:<18} {:>17} {:>12} {:>16} {:>12} {:>8}",
        "model", "sum_of_quantiles", "independent", "gaussian_copula", "fleet RMSE", "mean ρ"
    );
    for f in fleets {
        let pin = |k: usize| f.methods.get(k).map_or(f64::NAN, |m| m.1.pinball);
        let rmse = f.methods.first().map_or(f64::NAN, |m| m.1.point.rmse);
        println!(
            "{:<18} {:>17.5} {:>12.5} {:>16.5} {:>12.4} {:>8.3}",
            f.model,
            pin(0),
            pin(1),
            pin(2),
            rmse,
            f.mean_correlation
        );
    }
}

/// Runs `gridsim forecast …`.
pub fn run(cmd: ForecastCommand) -> ExitCode {
    match cmd {
        ForecastCommand::Backtest(a) => backtest(a),
    }
}

fn backtest(a: BacktestArgs) -> ExitCode {
    let (target, tname) = match a.target {
        TargetArg::Load => (Target::Load, "load"),
        TargetArg::Solar => (Target::Solar, "solar"),
        TargetArg::Wind => (Target::Wind, "wind"),
    };
    let models: Vec<String> = if a.model == "all" {
        target.models().iter().map(|s| s.to_string()).collect()
    } else if target.has_model(&a.model) {
        vec![a.model.clone()]
    } else {
        eprintln!(
            "error: unknown model `{}` for --target {tname}; expected all or one of: {}",
            a.model,
            target
                .models()
                .iter()
                .chain(target.extra_models())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::from(2);
    };
    if a.horizon == 0 {
        eprintln!("error: --horizon must be at least 1 hour");
        return ExitCode::from(2);
    }
    let plot_paths = match a.plot.as_deref().map(|p| plot_paths(p, tname, &models)) {
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Some(Ok(p)) => p,
        None => Vec::new(),
    };
    let ramp_settings = match a.ramp_threshold {
        Some(threshold) => {
            let r = RampSettings {
                threshold,
                window_steps: a.ramp_window_h,
                tolerance_steps: a.ramp_tolerance_h,
            };
            if let Err(e) = r.validate() {
                eprintln!("error: --ramp-threshold/--ramp-window-h: {e}");
                return ExitCode::from(2);
            }
            Some(r)
        }
        None => None,
    };
    let dir = a.data.clone().unwrap_or_else(data::shipped_dir);
    let sets = match load(target, &dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if a.fleet && (target == Target::Load || a.fleet_window_days == 0) {
        eprintln!("error: --fleet needs --target solar or wind and --fleet-window-days ≥ 1");
        return ExitCode::from(2);
    }
    if a.plot.is_some() && !(1..=sets.len()).contains(&a.plot_series) {
        eprintln!(
            "error: --plot-series {} is outside 1..={}",
            a.plot_series,
            sets.len()
        );
        return ExitCode::from(2);
    }
    // The references of the skill scores run even when not asked for.
    let mut wanted = models.clone();
    for r in ["persistence", target.reference()] {
        if !wanted.iter().any(|m| m == r) {
            wanted.push(r.to_string());
        }
    }
    let mut runs = Vec::new();
    for m in &wanted {
        match run_model(target, m, &sets, a.horizon) {
            Ok(r) => {
                eprintln!(
                    "{tname} {m}: {:.2} s (fits, updates and forecasts)",
                    r.elapsed_s
                );
                runs.push(r);
            }
            // With `all`, a model that does not support the horizon is skipped, not fatal.
            Err(e @ gridsim_forecast::ForecastError::Setting(_)) if a.model == "all" => {
                eprintln!("skipped: {tname} {m}: {e}");
            }
            Err(e) => {
                eprintln!("error: {tname} {m}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let find = |name: &str| runs.iter().find(|r| r.model == name);
    let (Some(pers), Some(reference)) = (find("persistence"), find(target.reference())) else {
        return ExitCode::from(2);
    };
    let (rmse_p, pin_r) = (pers.scores.point.rmse, reference.scores.pinball);
    let shown: Vec<&ModelRun> = models.iter().filter_map(|m| find(m)).collect();
    let mut ramps: Vec<RampScores> = Vec::new();
    if let Some(rs) = &ramp_settings {
        for r in &shown {
            match ramp_scores(r, &sets, rs) {
                Ok(sc) => ramps.push(sc),
                Err(e) => {
                    eprintln!("error: ramps: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let mut fleets: Vec<FleetRun> = Vec::new();
    if a.fleet {
        let fs = FleetSettings {
            window_days: a.fleet_window_days,
            ..Default::default()
        };
        for r in &shown {
            let t0 = std::time::Instant::now();
            let run = lead_forecasts(target, &r.model, &sets, a.horizon, fs.window_days)
                .and_then(|lead| fleet_run(r, &lead, &sets, &fs));
            match run {
                Ok(f) => {
                    eprintln!(
                        "{tname} fleet {}: {:.2} s (lead backtest and aggregation)",
                        r.model,
                        t0.elapsed().as_secs_f64()
                    );
                    fleets.push(f);
                }
                Err(e) => {
                    eprintln!("error: {tname} fleet {}: {e}", r.model);
                    return ExitCode::from(2);
                }
            }
        }
    }
    if a.json {
        let rows: Vec<serde_json::Value> = shown
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let mut row = serde_json::json!({
                    "model": r.model,
                    "n": r.scores.point.n,
                    "mape_pct": r.scores.point.mape_pct,
                    "rmse": r.scores.point.rmse,
                    "mae": r.scores.point.mae,
                    "r2": r.scores.point.r2,
                    "pinball": r.scores.pinball,
                    "rmse_skill_vs_persistence": skill(r.scores.point.rmse, rmse_p),
                    "pinball_skill_vs_reference": skill(r.scores.pinball, pin_r),
                    "elapsed_s": r.elapsed_s,
                });
                if let (Some(sc), Some(obj)) = (ramps.get(k), row.as_object_mut()) {
                    obj.insert("ramps".into(), serde_json::json!(sc));
                }
                row
            })
            .collect();
        let doc = serde_json::json!({
            "target": tname,
            "horizon_h": a.horizon,
            "quantile_levels": 99,
            "reference": target.reference(),
            "series": sets.iter().map(|d| d.name.clone()).collect::<Vec<_>>(),
            "models": rows,
        });
        let mut doc = doc;
        if let (true, Some(obj)) = (a.fleet, doc.as_object_mut()) {
            obj.insert("fleet".into(), serde_json::json!(fleets));
        }
        if let (Some(rs), Some(obj)) = (&ramp_settings, doc.as_object_mut()) {
            obj.insert(
                "ramp_settings".into(),
                serde_json::json!({
                    "threshold": rs.threshold,
                    "window_h": rs.window_steps,
                    "tolerance_h": rs.tolerance_steps,
                }),
            );
        }
        println!("{doc}");
    } else {
        println!(
            "{:<18} {:>7} {:>8} {:>10} {:>10} {:>7} {:>10} {:>12} {:>12}",
            "model",
            "n",
            "MAPE %",
            "RMSE",
            "MAE",
            "R²",
            "pinball",
            "skill RMSE",
            format!("skill pin/{}", &target.reference()[..4])
        );
        for r in &shown {
            let p = &r.scores.point;
            println!(
                "{:<18} {:>7} {:>8} {:>10.4} {:>10.4} {:>7.4} {:>10.5} {:>12.4} {:>12.4}",
                r.model,
                p.n,
                fmt_opt(p.mape_pct, 3),
                p.rmse,
                p.mae,
                p.r2,
                r.scores.pinball,
                skill(p.rmse, rmse_p),
                skill(r.scores.pinball, pin_r)
            );
        }
        if let Some(rs) = &ramp_settings {
            print_ramps(&shown, &ramps, rs);
        }
        if a.fleet {
            print_fleets(&fleets, a.fleet_window_days);
        }
    }
    if let Some(out) = &a.out {
        for r in &shown {
            match write_csv(out, tname, r, &sets) {
                Ok(p) => eprintln!("wrote {}", p.display()),
                Err(e) => {
                    eprintln!("error: {}: {e}", out.display());
                    return ExitCode::from(2);
                }
            }
        }
    }
    for (r, path) in shown.iter().zip(&plot_paths) {
        match write_plot(&a, target, r, &sets, path) {
            Ok(()) => eprintln!("wrote {}", path.display()),
            Err(e) => {
                eprintln!("error: plot: {e}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
