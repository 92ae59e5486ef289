//! PGLib-UC JSON reader (`.json` or `.json.gz`): file fields → [`UcInstance`], with located errors.
//!
//! Field meanings (MODEL.tex symbols): `time_periods` = T, `demand` = D(t), `reserves` = R(t);
//! per thermal unit `must_run` = U_g, `power_output_minimum`/`maximum` = P_g under/over-bar,
//! `ramp_up_limit` = RU_g, `ramp_down_limit` = RD_g, `ramp_startup_limit` = SU_g,
//! `ramp_shutdown_limit` = SD_g, `time_up_minimum` = UT_g, `time_down_minimum` = DT_g,
//! `power_output_t0` = P_g⁰, `unit_on_t0` = U_g⁰, `time_up_t0` = UT_g⁰, `time_down_t0` = DT_g⁰,
//! `startup` = [{`lag` = TS_g^s, `cost` = CS_g^s}], `piecewise_production` =
//! [{`mw` = P_g^l, `cost` = CP_g^l}]; per renewable unit `power_output_minimum`/`maximum` =
//! P_w(t) under/over-bar. Units keep the order of the file.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::error::UcError;
use super::model::{CostPoint, RenewableUnit, StartupCategory, ThermalUnit, UcInstance};

/// A JSON object read as a list of (key, value) in file order.
struct Ordered<T>(Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of units keyed by name")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = m.next_entry::<String, T>()? {
                    v.push((k, x));
                }
                Ok(Ordered(v))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct FileInstance {
    time_periods: usize,
    demand: Vec<f64>,
    #[serde(default)]
    reserves: Option<Vec<f64>>,
    thermal_generators: Ordered<FileThermal>,
    #[serde(default)]
    renewable_generators: Option<Ordered<FileRenewable>>,
}

#[derive(Deserialize)]
struct FileStartup {
    lag: u32,
    cost: f64,
}

#[derive(Deserialize)]
struct FilePoint {
    mw: f64,
    cost: f64,
}

#[derive(Deserialize)]
struct FileThermal {
    #[serde(default)]
    name: Option<String>,
    must_run: u8,
    power_output_minimum: f64,
    power_output_maximum: f64,
    ramp_up_limit: f64,
    ramp_down_limit: f64,
    ramp_startup_limit: f64,
    ramp_shutdown_limit: f64,
    time_up_minimum: u32,
    time_down_minimum: u32,
    power_output_t0: f64,
    unit_on_t0: u8,
    time_up_t0: u32,
    time_down_t0: u32,
    startup: Vec<FileStartup>,
    piecewise_production: Vec<FilePoint>,
}

#[derive(Deserialize)]
struct FileRenewable {
    #[serde(default)]
    name: Option<String>,
    power_output_minimum: Vec<f64>,
    power_output_maximum: Vec<f64>,
}

/// Reads a PGLib-UC instance from a `.json` or `.json.gz` file and validates it.
pub fn read_file(path: &Path) -> Result<UcInstance, UcError> {
    let io = |source| UcError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut s)
            .map_err(io)?;
        s
    } else {
        String::from_utf8(bytes)
            .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?
    };
    read_str(&text, &path.display().to_string())
}

/// Parses a PGLib-UC instance from JSON text; `file` names it in error messages.
pub fn read_str(text: &str, file: &str) -> Result<UcInstance, UcError> {
    let f: FileInstance = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line L column C"; the location is given separately.
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        UcError::Syntax {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    let t = f.time_periods;
    let thermal = f
        .thermal_generators
        .0
        .into_iter()
        .map(|(key, g)| ThermalUnit {
            name: g.name.unwrap_or(key),
            must_run: g.must_run != 0,
            p_min_mw: g.power_output_minimum,
            p_max_mw: g.power_output_maximum,
            ramp_up_mw_per_h: g.ramp_up_limit,
            ramp_down_mw_per_h: g.ramp_down_limit,
            startup_limit_mw: g.ramp_startup_limit,
            shutdown_limit_mw: g.ramp_shutdown_limit,
            min_up_h: g.time_up_minimum,
            min_down_h: g.time_down_minimum,
            on_t0: g.unit_on_t0 != 0,
            up_t0_h: g.time_up_t0,
            down_t0_h: g.time_down_t0,
            p_t0_mw: g.power_output_t0,
            startup: g
                .startup
                .into_iter()
                .map(|s| StartupCategory {
                    lag_h: s.lag,
                    cost_usd: s.cost,
                })
                .collect(),
            cost_curve: g
                .piecewise_production
                .into_iter()
                .map(|p| CostPoint {
                    p_mw: p.mw,
                    cost_usd_per_h: p.cost,
                })
                .collect(),
        })
        .collect();
    let renewable = f
        .renewable_generators
        .map(|r| r.0)
        .unwrap_or_default()
        .into_iter()
        .map(|(key, w)| RenewableUnit {
            name: w.name.unwrap_or(key),
            p_min_mw: w.power_output_minimum,
            p_max_mw: w.power_output_maximum,
        })
        .collect();
    let inst = UcInstance {
        periods: t,
        demand_mw: f.demand,
        reserve_mw: f.reserves.unwrap_or_else(|| vec![0.0; t]),
        thermal,
        renewable,
    };
    inst.validate().map_err(|e| match e {
        UcError::Invalid { count, details, .. } => UcError::Invalid {
            file: file.to_string(),
            count,
            details,
        },
        other => other,
    })?;
    Ok(inst)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"{"time_periods": 2, "demand": [10, 20], "reserves": [0, 0],
 "thermal_generators": {"a": {"must_run": 0, "power_output_minimum": 5, "power_output_maximum": 30,
  "ramp_up_limit": 30, "ramp_down_limit": 30, "ramp_startup_limit": 30, "ramp_shutdown_limit": 30,
  "time_up_minimum": 1, "time_down_minimum": 1, "power_output_t0": 10, "unit_on_t0": 1,
  "time_up_t0": 3, "time_down_t0": 0, "startup": [{"lag": 1, "cost": 5}],
  "piecewise_production": [{"mw": 5, "cost": 50}, {"mw": 30, "cost": 300}]}},
 "renewable_generators": {}}"#;

    #[test]
    fn reads_a_tiny_instance() {
        let i = read_str(TINY, "tiny.json").unwrap();
        assert_eq!(i.periods, 2);
        assert_eq!(i.thermal[0].name, "a");
        assert_eq!(i.thermal[0].cost_curve[1].cost_usd_per_h, 300.0);
    }

    #[test]
    fn wrong_type_is_located() {
        let bad = TINY.replace(
            "\"power_output_maximum\": 30",
            "\"power_output_maximum\": \"x\"",
        );
        let e = read_str(&bad, "bad.json").unwrap_err();
        match e {
            UcError::Syntax {
                line,
                column,
                ref message,
                ..
            } => {
                // The string "x" is on line 2 of TINY; serde_json points at or just past it.
                assert_eq!(line, 2);
                let l2 = bad.lines().nth(1).unwrap();
                let at = l2.find("\"x\"").unwrap() + 1; // 1-based column of the opening quote
                assert!(
                    (at..=at + 3).contains(&column),
                    "column {column}, token at {at}"
                );
                assert!(message.contains("expected f64"), "{message}");
            }
            other => panic!("unexpected {other}"),
        }
        assert!(e.to_string().starts_with("bad.json:2:"));
    }

    #[test]
    fn negative_capacity_names_the_unit() {
        let bad = TINY.replace(
            "\"power_output_maximum\": 30",
            "\"power_output_maximum\": -30",
        );
        let e = read_str(&bad, "neg.json").unwrap_err().to_string();
        assert!(e.contains("thermal unit a: power_output_maximum"), "{e}");
    }

    #[test]
    fn missing_field_is_located() {
        let bad = TINY.replace("\"ramp_up_limit\": 30,", "");
        let e = read_str(&bad, "m.json").unwrap_err().to_string();
        assert!(e.contains("missing field `ramp_up_limit`"), "{e}");
        assert!(e.starts_with("m.json:"), "{e}");
    }
}
