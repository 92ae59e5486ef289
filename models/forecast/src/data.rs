//! Readers of the shipped GEFCom2014 copies (gzipped CSV) into [`Dataset`]s, with located errors.
//!
//! Files (see `data/README.md`): `load_e.csv.gz` (date, hour-ending 1–24, load MW,
//! temperature °F; clock UTC−5 without daylight saving), `solar.csv.gz` (3 zones, UTC, 12
//! ECMWF variables and normalised power), `wind.csv.gz` (10 farms, UTC, normalised power and
//! u/v wind at 10 m and 100 m). An empty field is a missing value (NaN).

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::calendar::{Clock, Timeline};
use crate::model::Dataset;
use crate::ForecastError;

/// The folder of the shipped data in a checkout of the project.
pub fn shipped_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Clock of the GEFCom2014 load track: a fixed UTC−5 (every date has 24 hours).
pub const LOAD_E_CLOCK: Clock = Clock::Fixed(-5 * 3600);

struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_table(path: &Path) -> Result<Table, ForecastError> {
    let io = |source| ForecastError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .map_err(io)?;
    } else {
        std::io::BufReader::new(file)
            .read_to_string(&mut text)
            .map_err(io)?;
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let parse_err = |line: u64, e: csv::Error| ForecastError::Parse {
        path: path.to_path_buf(),
        line,
        column: 1,
        expected: "a CSV record with the header's number of fields".into(),
        found: e.to_string(),
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| parse_err(1, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            parse_err(line, e)
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        rows.push((line, rec));
    }
    Ok(Table {
        path: path.to_path_buf(),
        header,
        rows,
    })
}

impl Table {
    fn col(&self, name: &str) -> Result<usize, ForecastError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ForecastError::Parse {
                path: self.path.clone(),
                line: 1,
                column: self.header.len() + 1,
                expected: format!("a column `{name}`"),
                found: self.header.join(","),
            })
    }

    fn field<'r>(&self, line: u64, rec: &'r csv::StringRecord, c: usize) -> &'r str {
        let _ = line;
        rec.get(c).unwrap_or("")
    }

    fn err(&self, line: u64, c: usize, expected: &str, found: &str) -> ForecastError {
        ForecastError::Parse {
            path: self.path.clone(),
            line,
            column: c + 1,
            expected: expected.into(),
            found: found.into(),
        }
    }

    fn num(&self, line: u64, rec: &csv::StringRecord, c: usize) -> Result<f64, ForecastError> {
        let s = self.field(line, rec, c).trim();
        if s.is_empty() || s == "NA" {
            return Ok(f64::NAN);
        }
        s.parse::<f64>()
            .map_err(|_| self.err(line, c, "a number or an empty field", s))
    }

    fn time(
        &self,
        line: u64,
        rec: &csv::StringRecord,
        c: usize,
    ) -> Result<NaiveDateTime, ForecastError> {
        let s = self.field(line, rec, c).trim();
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .map_err(|_| self.err(line, c, "a time YYYY-MM-DDTHH:MM", s))
    }
}

/// Checks `t` is one hour after `prev`.
fn check_next(
    path: &Path,
    line: u64,
    prev: Option<NaiveDateTime>,
    t: NaiveDateTime,
) -> Result<(), ForecastError> {
    match prev {
        Some(p) if t - p != Duration::hours(1) => Err(ForecastError::Gap {
            path: path.to_path_buf(),
            line,
            previous: p.format("%Y-%m-%dT%H:%M").to_string(),
            found: t.format("%Y-%m-%dT%H:%M").to_string(),
        }),
        _ => Ok(()),
    }
}

/// Reads the load track: target `load_mw`, exogenous `temperature_f`.
pub fn read_load_e(path: &Path) -> Result<Dataset, ForecastError> {
    let t = read_table(path)?;
    let (cd, ch, cl, ct) = (
        t.col("date")?,
        t.col("hour_ending")?,
        t.col("load_mw")?,
        t.col("temperature_f")?,
    );
    let (mut load, mut temp) = (Vec::new(), Vec::new());
    let mut start = None;
    let mut prev: Option<NaiveDateTime> = None;
    for (line, rec) in &t.rows {
        let ds = t.field(*line, rec, cd);
        let date = NaiveDate::parse_from_str(ds, "%Y-%m-%d")
            .map_err(|_| t.err(*line, cd, "a date YYYY-MM-DD", ds))?;
        let hs = t.field(*line, rec, ch);
        let he: i64 = match hs.trim().parse::<i64>() {
            Ok(h) if (1..=24).contains(&h) => h,
            _ => return Err(t.err(*line, ch, "an hour-ending 1..24", hs)),
        };
        // Hour-ending h is the hour beginning at h − 1.
        let local = date.and_time(chrono::NaiveTime::MIN) + Duration::hours(he - 1);
        check_next(&t.path, *line, prev, local)?;
        prev = Some(local);
        if start.is_none() {
            start = Some(local);
        }
        load.push(t.num(*line, rec, cl)?);
        temp.push(t.num(*line, rec, ct)?);
    }
    let start = start.ok_or_else(|| t.err(2, 0, "at least one data row", "end of file"))?;
    let start_utc = LOAD_E_CLOCK
        .to_utc(start)
        .ok_or_else(|| t.err(2, cd, "a valid local time", "none"))?;
    Ok(Dataset {
        name: "load_E".into(),
        timeline: Timeline {
            start_utc,
            len: load.len(),
            clock: LOAD_E_CLOCK,
        },
        target: load,
        exog_names: vec!["temperature_f".into()],
        exog: vec![temp],
    })
}

/// Reads a multi-zone file (`zone`, `time_utc`, exogenous columns…, `target`) into one
/// data set per zone, in zone order of first appearance.
pub fn read_zones(path: &Path, target: &str, track: &str) -> Result<Vec<Dataset>, ForecastError> {
    let t = read_table(path)?;
    let (cz, ctime, cy) = (t.col("zone")?, t.col("time_utc")?, t.col(target)?);
    let exog_cols: Vec<usize> = (0..t.header.len())
        .filter(|c| ![cz, ctime, cy].contains(c))
        .collect();
    let mut out: Vec<Dataset> = Vec::new();
    let mut prev: Option<NaiveDateTime> = None;
    let mut current_zone = String::new();
    for (line, rec) in &t.rows {
        let zone = t.field(*line, rec, cz).trim().to_string();
        let time = t.time(*line, rec, ctime)?;
        if zone != current_zone || out.is_empty() {
            if out
                .iter()
                .any(|d| d.name.ends_with(&format!(" zone {zone}")))
            {
                return Err(t.err(*line, cz, "the rows of each zone together", &zone));
            }
            current_zone = zone.clone();
            prev = None;
            out.push(Dataset {
                name: format!("{track} zone {zone}"),
                timeline: Timeline {
                    start_utc: time.and_utc(),
                    len: 0,
                    clock: Clock::Utc,
                },
                target: Vec::new(),
                exog_names: exog_cols.iter().map(|&c| t.header[c].clone()).collect(),
                exog: vec![Vec::new(); exog_cols.len()],
            });
        }
        check_next(&t.path, *line, prev, time)?;
        prev = Some(time);
        let Some(d) = out.last_mut() else { continue };
        d.target.push(t.num(*line, rec, cy)?);
        for (k, &c) in exog_cols.iter().enumerate() {
            d.exog[k].push(t.num(*line, rec, c)?);
        }
        d.timeline.len += 1;
    }
    Ok(out)
}

/// Reads the shipped solar track (3 zones, target `power_pu`).
pub fn read_solar(path: &Path) -> Result<Vec<Dataset>, ForecastError> {
    read_zones(path, "power_pu", "solar")
}

/// Reads the shipped wind track (10 farms, target `power_pu`).
pub fn read_wind(path: &Path) -> Result<Vec<Dataset>, ForecastError> {
    read_zones(path, "power_pu", "wind")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, text: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("gridsim-forecast-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn bad_number_is_located() {
        let p = tmp(
            "bad.csv",
            "date,hour_ending,load_mw,temperature_f\n2013-01-01,1,100,30\n2013-01-01,2,abc,31\n",
        );
        let e = read_load_e(&p).unwrap_err().to_string();
        assert!(e.contains("bad.csv:3:3") && e.contains("abc"), "{e}");
    }

    #[test]
    fn bad_hour_and_gap_are_located() {
        let p = tmp(
            "hour.csv",
            "date,hour_ending,load_mw,temperature_f\n2013-01-01,25,100,30\n",
        );
        assert!(read_load_e(&p)
            .unwrap_err()
            .to_string()
            .contains("hour.csv:2:2"));
        let p = tmp(
            "gap.csv",
            "date,hour_ending,load_mw,temperature_f\n2013-01-01,1,100,30\n2013-01-01,3,100,30\n",
        );
        let e = read_load_e(&p).unwrap_err().to_string();
        assert!(
            e.contains("gap.csv:3") && e.contains("2013-01-01T02:00"),
            "{e}"
        );
        let p = tmp("col.csv", "date,hour,load_mw,temperature_f\n");
        assert!(read_load_e(&p)
            .unwrap_err()
            .to_string()
            .contains("`hour_ending`"));
    }

    #[test]
    fn shipped_files_have_the_expected_shape() {
        let load = read_load_e(&shipped_dir().join("load_e.csv.gz")).unwrap();
        // 2006-01-01 … 2014-12-31: 3287 days × 24 h.
        assert_eq!(load.timeline.len, 3287 * 24);
        assert_eq!(load.timeline.label(0), "2006-01-01T00:00");
        assert_eq!(load.target[0], 3010.0); // first row of the source file from 2006
        let solar = read_solar(&shipped_dir().join("solar.csv.gz")).unwrap();
        assert_eq!(solar.len(), 3);
        assert!(solar
            .iter()
            .all(|d| d.timeline.len == 9480 && d.exog.len() == 12));
        let wind = read_wind(&shipped_dir().join("wind.csv.gz")).unwrap();
        assert_eq!(wind.len(), 10);
        assert!(wind
            .iter()
            .all(|d| d.timeline.len == 17544 && d.exog.len() == 4));
    }
}
