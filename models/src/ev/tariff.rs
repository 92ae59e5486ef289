//! Time-of-use energy tariffs in acnportal's JSON layout (e.g. SCE TOU-EV-4).
//!
//! A tariff is a list of schedules, each valid on a range of calendar days (`effective_start`
//! to `effective_end` as `MM-DD`, inclusive, wrapping over the new year when start > end) and
//! on a set of days (`WEEKDAYS`, `WEEKENDS` or `ALL`). Within a day, `times[k]` (hours) starts
//! the period of price `tariffs[k]` ($/kWh). The energy cost of a step is
//! Σ P_kW · Δt_h · price(local time of the step start).

use crate::common::AgentError;
use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};
use serde::Deserialize;

/// One schedule of a tariff.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TouSchedule {
    /// Name, e.g. `Summer-Weekday`.
    #[serde(default)]
    pub id: String,
    /// First day of validity, `MM-DD`.
    pub effective_start: String,
    /// Last day of validity, `MM-DD`.
    pub effective_end: String,
    /// `WEEKDAYS`, `WEEKENDS` or `ALL`.
    pub dow_mask: String,
    /// Period start hours within the day, increasing, first 0.
    pub times: Vec<f64>,
    /// Price of each period, $/kWh.
    pub tariffs: Vec<f64>,
    /// Demand charge, $/kW of monthly peak.
    #[serde(default)]
    pub demand_charge: f64,
}

/// A time-of-use tariff.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TouTariff {
    /// Name of the tariff.
    #[serde(default)]
    pub name: String,
    /// Schedules; the first that applies to a day is used.
    pub schedule: Vec<TouSchedule>,
}

fn month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    Some((m.trim().parse().ok()?, d.trim().parse().ok()?))
}

impl TouTariff {
    /// Parses acnportal's tariff JSON; `file` names the source in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, AgentError> {
        let t: Self = serde_json::from_str(text).map_err(|e| AgentError::Data {
            file: file.to_string(),
            line: e.line() as u64,
            column: e.column() as u64,
            expected: "an acnportal tariff (name, schedule[…])".into(),
            found: e.to_string(),
        })?;
        for (i, s) in t.schedule.iter().enumerate() {
            let ok = month_day(&s.effective_start).is_some()
                && month_day(&s.effective_end).is_some()
                && matches!(s.dow_mask.as_str(), "WEEKDAYS" | "WEEKENDS" | "ALL")
                && !s.times.is_empty()
                && s.times.len() == s.tariffs.len()
                && s.times.windows(2).all(|w| w[0] < w[1]);
            if !ok {
                return Err(AgentError::Data {
                    file: file.to_string(),
                    line: 0,
                    column: 0,
                    expected: format!("schedule[{i}] with MM-DD dates, dow_mask WEEKDAYS/WEEKENDS/ALL and as many increasing times as tariffs"),
                    found: format!("{s:?}"),
                });
            }
        }
        Ok(t)
    }

    fn schedule_for(&self, local: &NaiveDateTime) -> Option<&TouSchedule> {
        let md = (local.month(), local.day());
        let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
        self.schedule.iter().find(|s| {
            let (Some(a), Some(b)) = (month_day(&s.effective_start), month_day(&s.effective_end))
            else {
                return false;
            };
            let in_dates = if a <= b {
                md >= a && md <= b
            } else {
                md >= a || md <= b
            };
            let in_days = match s.dow_mask.as_str() {
                "WEEKDAYS" => !weekend,
                "WEEKENDS" => weekend,
                _ => true,
            };
            in_dates && in_days
        })
    }

    /// Energy price at a local time, $/kWh (0 when no schedule applies).
    pub fn price_usd_per_kwh(&self, local: &NaiveDateTime) -> f64 {
        let Some(s) = self.schedule_for(local) else {
            return 0.0;
        };
        let h = local.hour() as f64 + local.minute() as f64 / 60.0 + local.second() as f64 / 3600.0;
        let k = s.times.partition_point(|&t| t <= h).saturating_sub(1);
        s.tariffs.get(k).copied().unwrap_or(0.0)
    }

    /// Demand charge at a local time, $/kW (0 when no schedule applies).
    pub fn demand_charge_usd_per_kw(&self, local: &NaiveDateTime) -> f64 {
        self.schedule_for(local).map_or(0.0, |s| s.demand_charge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn sce_tou_ev_4_prices() {
        let text = include_str!("../../data/acn/sce_tou_ev_4_march_2019.json");
        let t = TouTariff::parse(text, "sce").unwrap_or_else(|e| panic!("{e}"));
        let at = |y, m, d, h| {
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|x| x.and_hms_opt(h, 0, 0))
                .unwrap_or_default()
        };
        // Values from the tariff file: summer weekday 12–18 h 0.26668 $/kWh; winter weekday
        // 8–12 h 0.07492; weekend 0.05623 (summer) / 0.06087 (winter).
        assert_eq!(t.price_usd_per_kwh(&at(2019, 7, 3, 13)), 0.26668); // Wednesday
        assert_eq!(t.price_usd_per_kwh(&at(2019, 3, 5, 9)), 0.07492); // Tuesday
        assert_eq!(t.price_usd_per_kwh(&at(2019, 7, 6, 13)), 0.05623); // Saturday
        assert_eq!(t.price_usd_per_kwh(&at(2019, 1, 6, 13)), 0.06087); // Sunday, wraps new year
        assert_eq!(t.demand_charge_usd_per_kw(&at(2019, 3, 5, 9)), 15.51);
        let e = crate::common::err_text(TouTariff::parse("{\"schedule\": [}", "bad.json"));
        assert!(e.starts_with("bad.json:1:"), "{e}");
    }
}
