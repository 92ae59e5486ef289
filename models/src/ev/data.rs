//! EV session data: the shipped ACN-Data sample and fit, and session files for replay.
//!
//! Two replay layouts are read:
//! - **ACN sessions** (`arrival,departure,requested_energy (kWh),delivered_energy (kWh),station_id,…`,
//!   timestamps `YYYY-MM-DD HH:MM:SS±HH:MM`), as exported by ACN-Data; the vehicle's need is the
//!   delivered energy (as ACN-Sim uses it) and its rate is the fleet default;
//! - **ACN-Sim periods** (`session_id,station_id,arrival_period,departure_period,
//!   estimated_departure_period,requested_energy_kWh,battery_capacity_kWh,battery_init_kWh,
//!   battery_max_power_kW`), periods counted from a given start with a given length.

use super::Session;
use crate::common::AgentError;
use crate::profile::read_text;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Day type used by the arrival model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    /// Monday to Friday.
    Weekday,
    /// Saturday and Sunday.
    Weekend,
}

/// One session of the shipped sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleSession {
    /// Day type of the arrival.
    pub day_type: DayType,
    /// Local clock time of arrival, hours after midnight.
    pub arrival_h: f64,
    /// Time plugged in, h.
    pub dwell_h: f64,
    /// Energy taken, kWh.
    pub energy_kwh: f64,
}

/// Log-normal parameters and the data's summary statistics.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct LogNormalFit {
    /// Mean of ln x.
    pub mu_ln: f64,
    /// Standard deviation of ln x.
    pub sigma_ln: f64,
    /// Mean of the full data set.
    pub mean: f64,
    /// 10 % quantile of the full data set.
    pub q10: f64,
    /// Median of the full data set.
    pub q50: f64,
    /// 90 % quantile of the full data set.
    pub q90: f64,
}

/// Hourly arrival rates of a site, sessions per hour, indexed by local hour.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ArrivalRates {
    /// Monday–Friday.
    pub weekday: Vec<f64>,
    /// Saturday–Sunday.
    pub weekend: Vec<f64>,
    /// Number of weekdays the rates average over.
    pub weekday_days: u32,
    /// Number of weekend days the rates average over.
    pub weekend_days: u32,
}

/// The fit of one site.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SiteFit {
    /// Number of sessions in the full data.
    pub sessions: u32,
    /// Arrival rates.
    pub arrivals_per_h: ArrivalRates,
    /// Dwell time, h.
    pub dwell_h: LogNormalFit,
    /// Energy, kWh.
    pub energy_kwh: LogNormalFit,
}

#[derive(Debug, Clone, Deserialize)]
struct FitFile {
    sites: BTreeMap<String, SiteFit>,
}

/// The ACN-derived data of one site: fit and sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteData {
    /// Fitted rates and distributions.
    pub fit: SiteFit,
    /// Sample sessions, sorted by (day type, arrival hour).
    pub sample: Vec<SampleSession>,
}

/// ACN-derived data of all sites, by site name (`caltech`, `jpl`).
#[derive(Debug, Clone, PartialEq)]
pub struct EvData {
    /// Sites in name order.
    pub sites: BTreeMap<String, SiteData>,
}

fn data_err(file: &str, line: u64, column: u64, expected: &str, found: &str) -> AgentError {
    AgentError::Data {
        file: file.into(),
        line,
        column,
        expected: expected.into(),
        found: found.into(),
    }
}

fn field<T: std::str::FromStr>(
    fields: &[&str],
    c: usize,
    file: &str,
    ln: u64,
    what: &str,
) -> Result<T, AgentError> {
    let s = fields.get(c).copied().unwrap_or("");
    s.trim()
        .parse()
        .map_err(|_| data_err(file, ln, c as u64 + 1, what, &format!("`{s}`")))
}

impl EvData {
    /// The data shipped in `models/data/acn/` (compiled into the library).
    pub fn builtin() -> Result<Self, AgentError> {
        let sample = include_bytes!("../../data/acn/sessions_sample.csv.gz");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&sample[..]), &mut text)
            .map_err(|source| AgentError::Io {
                file: "sessions_sample.csv.gz".into(),
                source,
            })?;
        Self::parse(
            &text,
            "sessions_sample.csv.gz",
            include_str!("../../data/acn/fit.json"),
            "fit.json",
        )
    }

    /// Reads `sessions_sample.csv.gz` and `fit.json` from a directory.
    pub fn load_dir(dir: &Path) -> Result<Self, AgentError> {
        let sp = dir.join("sessions_sample.csv.gz");
        let fp = dir.join("fit.json");
        Self::parse(
            &read_text(&sp)?,
            &sp.display().to_string(),
            &read_text(&fp)?,
            &fp.display().to_string(),
        )
    }

    /// Parses a sample CSV and a fit JSON.
    pub fn parse(
        sample_csv: &str,
        sample_file: &str,
        fit_json: &str,
        fit_file: &str,
    ) -> Result<Self, AgentError> {
        let fit: FitFile = serde_json::from_str(fit_json).map_err(|e| {
            data_err(
                fit_file,
                e.line() as u64,
                e.column() as u64,
                "the ACN fit layout (sites → fit)",
                &e.to_string(),
            )
        })?;
        let mut sites: BTreeMap<String, SiteData> = fit
            .sites
            .into_iter()
            .map(|(k, f)| {
                (
                    k,
                    SiteData {
                        fit: f,
                        sample: Vec::new(),
                    },
                )
            })
            .collect();
        for (k, s) in &sites {
            let r = &s.fit.arrivals_per_h;
            if r.weekday.len() != 24
                || r.weekend.len() != 24
                || r.weekday.iter().chain(&r.weekend).any(|v| !(*v >= 0.0))
            {
                return Err(data_err(
                    fit_file,
                    0,
                    0,
                    &format!("24 non-negative hourly rates per day type for site {k}"),
                    "other",
                ));
            }
        }
        let mut lines = sample_csv.lines().enumerate();
        let head = lines.next().map(|(_, l)| l.trim()).unwrap_or("");
        if head != "site,day_type,arrival_h,dwell_h,energy_kwh" {
            return Err(data_err(
                sample_file,
                1,
                1,
                "header `site,day_type,arrival_h,dwell_h,energy_kwh`",
                &format!("`{head}`"),
            ));
        }
        for (i, line) in lines {
            let ln = i as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').collect();
            let site = f.first().copied().unwrap_or("");
            let day_type = match f.get(1).map(|s| s.trim()) {
                Some("weekday") => DayType::Weekday,
                Some("weekend") => DayType::Weekend,
                other => {
                    return Err(data_err(
                        sample_file,
                        ln,
                        2,
                        "`weekday` or `weekend`",
                        &format!("{other:?}"),
                    ))
                }
            };
            let s = SampleSession {
                day_type,
                arrival_h: field(&f, 2, sample_file, ln, "hours in [0, 24)")?,
                dwell_h: field(&f, 3, sample_file, ln, "a dwell in hours > 0")?,
                energy_kwh: field(&f, 4, sample_file, ln, "an energy in kWh > 0")?,
            };
            if !(s.arrival_h >= 0.0 && s.arrival_h < 24.0 && s.dwell_h > 0.0 && s.energy_kwh > 0.0)
            {
                return Err(data_err(
                    sample_file,
                    ln,
                    3,
                    "arrival_h in [0, 24), dwell_h > 0, energy_kwh > 0",
                    line,
                ));
            }
            let Some(site_data) = sites.get_mut(site) else {
                return Err(data_err(
                    sample_file,
                    ln,
                    1,
                    "a site present in the fit",
                    &format!("`{site}`"),
                ));
            };
            site_data.sample.push(s);
        }
        for s in sites.values_mut() {
            s.sample.sort_by(|a, b| {
                a.day_type
                    .cmp(&b.day_type)
                    .then(a.arrival_h.total_cmp(&b.arrival_h))
            });
        }
        Ok(Self { sites })
    }
}

/// Reads an ACN-Data sessions CSV (plain or `.gz`); times become seconds after `start`.
/// Sessions are returned in arrival order with ids in that order.
pub fn read_acn_sessions(
    path: &Path,
    start: DateTime<Utc>,
    max_rate_kw: f64,
) -> Result<Vec<Session>, AgentError> {
    parse_acn_sessions(
        &read_text(path)?,
        &path.display().to_string(),
        start,
        max_rate_kw,
    )
}

/// Parses ACN-Data sessions CSV text (see [`read_acn_sessions`]).
pub fn parse_acn_sessions(
    text: &str,
    file: &str,
    start: DateTime<Utc>,
    max_rate_kw: f64,
) -> Result<Vec<Session>, AgentError> {
    let mut lines = text.lines().enumerate();
    let head: Vec<&str> = lines
        .next()
        .map(|(_, l)| l.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let col = |name: &str| -> Result<usize, AgentError> {
        head.iter().position(|h| *h == name).ok_or_else(|| {
            data_err(
                file,
                1,
                1,
                &format!("a column `{name}`"),
                &format!("{head:?}"),
            )
        })
    };
    let (ca, cd, ce) = (
        col("arrival")?,
        col("departure")?,
        col("delivered_energy (kWh)")?,
    );
    let mut out = Vec::new();
    for (i, line) in lines {
        let ln = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let time = |c: usize| -> Result<f64, AgentError> {
            let s = f.get(c).copied().unwrap_or("").trim();
            let t = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%:z").map_err(|_| {
                data_err(
                    file,
                    ln,
                    c as u64 + 1,
                    "a time `YYYY-MM-DD HH:MM:SS±HH:MM`",
                    &format!("`{s}`"),
                )
            })?;
            Ok((t.with_timezone(&Utc) - start).num_milliseconds() as f64 / 1000.0)
        };
        let (a, d) = (time(ca)?, time(cd)?);
        let e: f64 = field(&f, ce, file, ln, "an energy in kWh")?;
        if !(d > a) || !(e >= 0.0) {
            return Err(data_err(
                file,
                ln,
                cd as u64 + 1,
                "departure after arrival and energy >= 0",
                line,
            ));
        }
        out.push(Session {
            id: 0,
            arrival_s: a,
            departure_s: d,
            energy_kwh: e,
            max_rate_kw,
        });
    }
    finish_sessions(out)
}

/// Reads an ACN-Sim periods CSV (plain or `.gz`): period k starts at k·`period_s` seconds.
pub fn read_period_sessions(path: &Path, period_s: f64) -> Result<Vec<Session>, AgentError> {
    parse_period_sessions(&read_text(path)?, &path.display().to_string(), period_s)
}

/// Parses ACN-Sim periods CSV text (see [`read_period_sessions`]).
pub fn parse_period_sessions(
    text: &str,
    file: &str,
    period_s: f64,
) -> Result<Vec<Session>, AgentError> {
    let mut lines = text.lines().enumerate();
    let head: Vec<&str> = lines
        .next()
        .map(|(_, l)| l.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let col = |name: &str| -> Result<usize, AgentError> {
        head.iter().position(|h| *h == name).ok_or_else(|| {
            data_err(
                file,
                1,
                1,
                &format!("a column `{name}`"),
                &format!("{head:?}"),
            )
        })
    };
    let (ca, cd, ce, cr) = (
        col("arrival_period")?,
        col("departure_period")?,
        col("requested_energy_kWh")?,
        col("battery_max_power_kW")?,
    );
    let mut out = Vec::new();
    for (i, line) in lines {
        let ln = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let a: f64 = field(&f, ca, file, ln, "an integer period")?;
        let d: f64 = field(&f, cd, file, ln, "an integer period")?;
        let e: f64 = field(&f, ce, file, ln, "an energy in kWh")?;
        let r: f64 = field(&f, cr, file, ln, "a rate in kW")?;
        if !(d > a) || !(e >= 0.0) || !(r > 0.0) {
            return Err(data_err(
                file,
                ln,
                cd as u64 + 1,
                "departure after arrival, energy >= 0 and rate > 0",
                line,
            ));
        }
        out.push(Session {
            id: 0,
            arrival_s: a * period_s,
            departure_s: d * period_s,
            energy_kwh: e,
            max_rate_kw: r,
        });
    }
    finish_sessions(out)
}

fn finish_sessions(mut out: Vec<Session>) -> Result<Vec<Session>, AgentError> {
    out.sort_by(|a, b| {
        a.arrival_s
            .total_cmp(&b.arrival_s)
            .then(a.departure_s.total_cmp(&b.departure_s))
    });
    for (k, s) in out.iter_mut().enumerate() {
        s.id = k as u64;
    }
    Ok(out)
}
