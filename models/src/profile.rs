//! Time-series profiles in the RTS-GMLC layout (`Year,Month,Day,Period,<columns…>`) and their replay.
//!
//! A file holds one row per period; the number of periods per day fixes the resolution
//! (24 → hourly, 288 → 5-minute). Period p of a day starts at (p − 1)·86400/N seconds after local
//! midnight; local time is UTC + `utc_offset_h`. Files may be gzipped (`.gz`).
//!
//! Replay maps a step to a row either by elapsed time (row = ⌊t_s/Δ⌋ mod rows: the profile
//! starts at the simulation start and repeats) or by calendar (the row whose period contains the
//! step's UTC instant; before the first row the first value, after the last the last value is
//! held). The value is `scale · v` with linear interpolation between period starts when asked.

use crate::common::{AgentError, StepTime, Validator};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::io::Read;
use std::path::Path;

/// A table of equally spaced values, one vector per named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// UTC instant of the first period's start.
    pub start: DateTime<Utc>,
    /// Period length, s.
    pub step_s: f64,
    /// Column names, in file order.
    pub columns: Vec<String>,
    /// `values[c][r]`: column c, row r.
    pub values: Vec<Vec<f64>>,
}

fn data_err(file: &str, line: u64, column: u64, expected: &str, found: &str) -> AgentError {
    AgentError::Data {
        file: file.to_string(),
        line,
        column,
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

/// Reads a file, gunzipping it when its name ends in `.gz`.
pub fn read_text(path: &Path) -> Result<String, AgentError> {
    let file = path.display().to_string();
    let io = |source| AgentError::Io {
        file: file.clone(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(io)?;
        Ok(s)
    } else {
        String::from_utf8(bytes)
            .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
    }
}

impl Profile {
    /// Reads an RTS-GMLC-layout file (plain or `.gz`).
    pub fn read(path: &Path, utc_offset_h: f64) -> Result<Self, AgentError> {
        Self::parse(&read_text(path)?, &path.display().to_string(), utc_offset_h)
    }

    /// Parses RTS-GMLC-layout text; `file` names the source in errors.
    pub fn parse(text: &str, file: &str, utc_offset_h: f64) -> Result<Self, AgentError> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((_, head)) = lines.next() else {
            return Err(data_err(
                file,
                1,
                1,
                "a header `Year,Month,Day,Period,…`",
                "an empty file",
            ));
        };
        let head: Vec<&str> = head.split(',').map(str::trim).collect();
        for (i, want) in ["Year", "Month", "Day", "Period"].iter().enumerate() {
            let got = head.get(i).copied().unwrap_or("");
            if !got.eq_ignore_ascii_case(want) {
                return Err(data_err(
                    file,
                    1,
                    i as u64 + 1,
                    &format!("header column `{want}`"),
                    &format!("`{got}`"),
                ));
            }
        }
        if head.len() < 5 {
            return Err(data_err(file, 1, 5, "at least one value column", "none"));
        }
        let columns: Vec<String> = head[4..].iter().map(|s| s.to_string()).collect();
        let mut values = vec![Vec::new(); columns.len()];
        let mut keys: Vec<(NaiveDate, u32)> = Vec::new();
        for (i, line) in lines {
            let ln = i as u64 + 1;
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != head.len() {
                return Err(data_err(
                    file,
                    ln,
                    fields.len() as u64 + 1,
                    &format!("{} fields", head.len()),
                    &format!("{}", fields.len()),
                ));
            }
            let int = |c: usize| -> Result<i64, AgentError> {
                fields[c].parse::<i64>().map_err(|_| {
                    data_err(
                        file,
                        ln,
                        c as u64 + 1,
                        "an integer",
                        &format!("`{}`", fields[c]),
                    )
                })
            };
            let (y, m, d, p) = (int(0)?, int(1)?, int(2)?, int(3)?);
            let date = NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
                .ok_or_else(|| data_err(file, ln, 1, "a valid date", &format!("{y}-{m}-{d}")))?;
            if p < 1 {
                return Err(data_err(file, ln, 4, "a period >= 1", &p.to_string()));
            }
            keys.push((date, p as u32));
            for (c, col) in values.iter_mut().enumerate() {
                let s = fields[c + 4];
                let v: f64 = s
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| {
                        data_err(file, ln, c as u64 + 5, "a finite number", &format!("`{s}`"))
                    })?;
                col.push(v);
            }
        }
        let Some(&(first_date, first_p)) = keys.first() else {
            return Err(data_err(file, 2, 1, "at least one data row", "none"));
        };
        let periods_per_day = keys
            .iter()
            .filter(|k| k.0 == first_date)
            .map(|k| k.1)
            .max()
            .unwrap_or(1)
            .max(first_p);
        let step_s = 86400.0 / periods_per_day as f64;
        let midnight = first_date
            .and_hms_opt(0, 0, 0)
            .map(|n| n.and_utc())
            .unwrap_or_default();
        let offset_ms =
            ((first_p as f64 - 1.0) * step_s * 1000.0 - utc_offset_h * 3.6e6).round() as i64;
        Ok(Self {
            start: midnight + chrono::Duration::milliseconds(offset_ms),
            step_s,
            columns,
            values,
        })
    }

    /// Index of the column called `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.first().map_or(0, Vec::len)
    }

    /// True when the profile has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Largest value of column `c` (0 for an empty or unknown column).
    pub fn peak(&self, c: usize) -> f64 {
        self.values
            .get(c)
            .map_or(0.0, |v| v.iter().copied().fold(0.0, f64::max))
    }

    /// Value of column `c` at fractional row position `pos` (rows wrap when `wrap`, else clamp),
    /// interpolated linearly between rows when `interpolate`.
    pub fn at_position(&self, c: usize, pos: f64, wrap: bool, interpolate: bool) -> f64 {
        let Some(v) = self.values.get(c) else {
            return 0.0;
        };
        let n = v.len();
        if n == 0 {
            return 0.0;
        }
        let idx = |k: f64| -> usize {
            if wrap {
                (k.rem_euclid(n as f64) as usize).min(n - 1)
            } else {
                k.clamp(0.0, (n - 1) as f64) as usize
            }
        };
        let k0 = pos.floor();
        let a = v[idx(k0)];
        if !interpolate {
            return a;
        }
        let b = if !wrap && k0 + 1.0 > (n - 1) as f64 {
            a
        } else {
            v[idx(k0 + 1.0)]
        };
        let f = if !wrap && pos < 0.0 { 0.0 } else { pos - k0 };
        a + (b - a) * f
    }
}

/// How a replay finds its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    /// Row ⌊t_s/Δ⌋, repeating the profile when the simulation is longer.
    #[default]
    Elapsed,
    /// The row containing the step's UTC instant; the ends are held.
    Calendar,
}

/// Parameters of a profile replay.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayParams {
    /// Column to play.
    pub column: String,
    /// Multiplier applied to the file's values (e.g. MW per file unit; default 1).
    #[serde(default = "one")]
    pub scale: f64,
    /// Row lookup (default `elapsed`).
    #[serde(default)]
    pub alignment: Alignment,
    /// Interpolate linearly between period starts (default false: hold).
    #[serde(default)]
    pub interpolate: bool,
}

fn one() -> f64 {
    1.0
}

impl ReplayParams {
    /// Reports impossible values.
    pub fn validate(&self) -> Result<(), AgentError> {
        let mut v = Validator::new("replay");
        v.finite("scale", self.scale);
        v.check(
            !self.column.is_empty(),
            "column",
            "an empty name",
            "a column of the profile",
        );
        v.finish()
    }
}

/// Plays one column of a profile as an injection or a demand, MW.
#[derive(Debug, Clone)]
pub struct ProfileReplay {
    params: ReplayParams,
    column: usize,
    profile: std::sync::Arc<Profile>,
}

impl ProfileReplay {
    /// A replay of `params.column` of `profile`; an unknown column is an error naming the file's columns.
    pub fn new(params: ReplayParams, profile: std::sync::Arc<Profile>) -> Result<Self, AgentError> {
        params.validate()?;
        let column = profile.column(&params.column).ok_or_else(|| {
            AgentError::InvalidParameters(vec![crate::common::ParamProblem {
                field: "replay.column".into(),
                found: format!("`{}`", params.column),
                expected: format!("one of {:?}", profile.columns),
            }])
        })?;
        Ok(Self {
            params,
            column,
            profile,
        })
    }

    /// Value for the step starting at `t`, in file units × scale.
    pub fn value(&self, t: &StepTime) -> f64 {
        let p = &self.profile;
        let pos = match self.params.alignment {
            Alignment::Elapsed => t.t_s / p.step_s,
            Alignment::Calendar => (t.utc - p.start).num_milliseconds() as f64 / 1000.0 / p.step_s,
        };
        let wrap = self.params.alignment == Alignment::Elapsed;
        self.params.scale * p.at_position(self.column, pos, wrap, self.params.interpolate)
    }

    /// Value of the step (no state, no randomness; the signature matches the other agents).
    pub fn step(&mut self, t: &StepTime, _dt_s: f64) -> f64 {
        self.value(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const TEXT: &str = "Year,Month,Day,Period,a,b\n2020,1,1,1,0,10\n2020,1,1,2,2,20\n2020,1,1,3,4,30\n2020,1,1,4,6,40\n";

    #[test]
    fn parse_and_replay_hand_values() {
        // 4 periods a day: 6 h each.
        let p = std::sync::Arc::new(
            Profile::parse(TEXT, "t.csv", -7.0).unwrap_or_else(|e| panic!("{e}")),
        );
        assert_eq!(p.step_s, 21600.0);
        assert_eq!(
            p.start,
            Utc.with_ymd_and_hms(2020, 1, 1, 7, 0, 0)
                .single()
                .unwrap_or_default()
        );
        let mk = |alignment, interpolate| {
            ProfileReplay::new(
                ReplayParams {
                    column: "b".into(),
                    scale: 2.0,
                    alignment,
                    interpolate,
                },
                p.clone(),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let t = |h: i64| StepTime::new(p.start + chrono::Duration::hours(h), h as f64 * 3600.0);
        let hold = mk(Alignment::Elapsed, false);
        assert_eq!(hold.value(&t(7)), 40.0); // row 1 → 20 × 2
        assert_eq!(hold.value(&t(25)), 20.0); // wraps to row 0
        let lin = mk(Alignment::Elapsed, true);
        assert_eq!(lin.value(&t(3)), 30.0); // halfway 10→20, × 2
        let cal = mk(Alignment::Calendar, false);
        assert_eq!(
            cal.value(&StepTime::new(p.start - chrono::Duration::hours(5), 0.0)),
            20.0
        ); // before: first held
        assert_eq!(
            cal.value(&StepTime::new(p.start + chrono::Duration::hours(30), 0.0)),
            80.0
        ); // after: last held
    }

    #[test]
    fn bad_rows_are_located() {
        let e = Profile::parse("Year,Month,Day,Period,a\n2020,1,1,1,x\n", "f.csv", 0.0)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("f.csv:2:5: expected a finite number, found `x`")
        );
        let e = Profile::parse("Yr,Month,Day,Period,a\n", "f.csv", 0.0)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("f.csv:1:1: expected header column `Year`, found `Yr`")
        );
        let e = Profile::parse("Year,Month,Day,Period,a\n2020,2,30,1,1\n", "f.csv", 0.0)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("f.csv:2:1: expected a valid date, found 2020-2-30")
        );
        let p = std::sync::Arc::new(
            Profile::parse(TEXT, "t.csv", 0.0).unwrap_or_else(|e| panic!("{e}")),
        );
        let e = ProfileReplay::new(
            ReplayParams {
                column: "c".into(),
                scale: 1.0,
                alignment: Alignment::Elapsed,
                interpolate: false,
            },
            p,
        );
        assert!(crate::common::err_text(e).contains("replay.column"));
    }
}
