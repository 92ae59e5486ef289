//! EV fleet: arrivals (non-homogeneous Poisson by thinning), ACN-based sessions, chargers behind a
//! feeder limit, and uncontrolled / EDF / LLF charging.
//!
//! **Arrivals.** The rate λ(t) (sessions/h) is piecewise constant by local hour and day type,
//! λ(t) = s · λ_site[day type][hour], from ACN-Data (`data/acn/fit.json`) times a scale s.
//! Arrivals are drawn by thinning (Lewis & Shedler 1979): candidates of a homogeneous process of
//! rate λ_max = max λ, each kept with probability λ(τ)/λ_max.
//!
//! **Session attributes.** Either *empirical*: dwell and energy of a session drawn uniformly
//! from the shipped ACN sample with the same site, day type and local arrival hour (falling back
//! to the day type, then to the site); or *log-normal*: dwell = exp(μ_d + σ_d z₁),
//! energy = exp(μ_e + σ_e z₂), z independent N(0, 1), with the site's maximum-likelihood fit.
//! The vehicle's maximum rate is drawn from a discrete list (ACN-Data does not record it; its
//! chargers deliver up to 6.6 kW).
//!
//! **Charging.** A session occupies one of `chargers` EVSEs from arrival to departure; an arrival
//! that finds none free is *blocked* (counted unmet). In a step [t, t + Δt) a session present for
//! the overlap o_i = min(t + Δt, d_i) − max(t, a_i) may take a rate
//! r_i ≤ c_i = min(rate_max,i, EVSE_max, remaining_i / o_i), so it never receives more than
//! requested nor more than rate × dwell. Controllers:
//! - uncontrolled: r_i = c_i (the feeder limit is not looked at);
//! - earliest deadline first (EDF): sessions by departure, each given min(c_i, L − Σ earlier);
//! - least laxity first (LLF): the same by laxity ℓ_i = (d_i − t) − remaining_i / rate_max,i.
//!
//! With EDF and LLF Σ r_i ≤ L at every instant. Energy of the step e_i = r_i o_i; the fleet's
//! step power is Σ e_i / Δt (a demand: `p_mw` is drawn from the bus).
//!
//! **Metrics.** Energy delivered as % of requested; sessions unmet (delivered < requested −
//! 1e-6 kWh, blocked included); peak of the step power, kW; energy cost Σ P Δt · price(local
//! time) with a time-of-use tariff.

pub mod data;
pub mod tariff;

use crate::common::{AgentError, StepTime, Validator};
use data::{DayType, EvData, SiteData};
use rand::Rng;
use rand_distr::{Distribution, Exp, StandardNormal};
use serde::Deserialize;
use std::sync::Arc;
use tariff::TouTariff;

/// One charging session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Session {
    /// Id, unique within a fleet, in arrival order.
    pub id: u64,
    /// Arrival, seconds since the simulation start.
    pub arrival_s: f64,
    /// Departure, seconds since the simulation start.
    pub departure_s: f64,
    /// Energy the vehicle needs, kWh.
    pub energy_kwh: f64,
    /// Largest rate the vehicle accepts, kW.
    pub max_rate_kw: f64,
}

/// How dwell and energy of generated sessions are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AttributeModel {
    /// Resampled from the ACN sample by site, day type and arrival hour.
    #[default]
    Empirical,
    /// Independent log-normal fits of the site.
    LogNormal,
}

/// A vehicle rate and its weight in the fleet.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateChoice {
    /// Maximum charging rate, kW.
    pub kw: f64,
    /// Relative weight.
    pub weight: f64,
}

/// Parameters of generated arrivals.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalParams {
    /// ACN site whose rates and sessions are used: `caltech` or `jpl` (default `caltech`).
    #[serde(default = "default_site")]
    pub site: String,
    /// Multiplier s of the site's arrival rates (default 1).
    #[serde(default = "one")]
    pub rate_scale: f64,
    /// Dwell/energy model (default `empirical`).
    #[serde(default)]
    pub attributes: AttributeModel,
    /// Vehicle rate mix (default 6.6 kW for all).
    #[serde(default = "default_rates")]
    pub max_rate_kw: Vec<RateChoice>,
}

fn default_site() -> String {
    "caltech".into()
}
fn one() -> f64 {
    1.0
}
fn default_rates() -> Vec<RateChoice> {
    vec![RateChoice {
        kw: 6.6,
        weight: 1.0,
    }]
}

/// Generates sessions from an ACN site's arrival rates and sample (module docs).
#[derive(Debug, Clone)]
pub struct ArrivalGenerator {
    params: ArrivalParams,
    site: SiteData,
    lambda_max_per_h: f64,
    next_candidate_s: Option<f64>,
    next_id: u64,
    utc_offset_h: f64,
}

impl ArrivalGenerator {
    /// A generator for `params.site` of `data`; local time is UTC + `utc_offset_h`.
    pub fn new(
        params: ArrivalParams,
        data: &EvData,
        utc_offset_h: f64,
    ) -> Result<Self, AgentError> {
        let mut v = Validator::new("arrivals");
        v.non_negative("rate_scale", params.rate_scale);
        v.check(
            !params.max_rate_kw.is_empty(),
            "max_rate_kw",
            "an empty list",
            "at least one rate",
        );
        for (i, r) in params.max_rate_kw.iter().enumerate() {
            v.positive(&format!("max_rate_kw[{i}].kw"), r.kw);
            v.positive(&format!("max_rate_kw[{i}].weight"), r.weight);
        }
        let site = data.sites.get(&params.site).cloned();
        v.check(
            site.is_some(),
            "site",
            format!("`{}`", params.site),
            &format!("one of {:?}", data.sites.keys().collect::<Vec<_>>()),
        );
        v.finish()?;
        let Some(site) = site else {
            return Err(AgentError::InvalidParameters(Vec::new()));
        };
        let r = &site.fit.arrivals_per_h;
        let lambda_max_per_h = params.rate_scale
            * r.weekday
                .iter()
                .chain(&r.weekend)
                .copied()
                .fold(0.0, f64::max);
        Ok(Self {
            params,
            site,
            lambda_max_per_h,
            next_candidate_s: None,
            next_id: 0,
            utc_offset_h,
        })
    }

    fn local(&self, t: &StepTime, at_s: f64) -> chrono::NaiveDateTime {
        let ms = ((at_s - t.t_s + self.utc_offset_h * 3600.0) * 1000.0).round() as i64;
        (t.utc + chrono::Duration::milliseconds(ms)).naive_utc()
    }

    fn rate_per_h(&self, local: &chrono::NaiveDateTime) -> (f64, DayType, usize) {
        use chrono::{Datelike, Timelike};
        let dt = if local.weekday().number_from_monday() >= 6 {
            DayType::Weekend
        } else {
            DayType::Weekday
        };
        let h = local.hour() as usize;
        let r = &self.site.fit.arrivals_per_h;
        let v = match dt {
            DayType::Weekday => r.weekday.get(h),
            DayType::Weekend => r.weekend.get(h),
        };
        (self.params.rate_scale * v.copied().unwrap_or(0.0), dt, h)
    }

    fn draw_rate_kw(&self, rng: &mut impl Rng) -> f64 {
        let total: f64 = self.params.max_rate_kw.iter().map(|r| r.weight).sum();
        let mut u = rng.random::<f64>() * total;
        for r in &self.params.max_rate_kw {
            if u < r.weight {
                return r.kw;
            }
            u -= r.weight;
        }
        self.params.max_rate_kw.last().map_or(6.6, |r| r.kw)
    }

    fn draw_attributes(&self, day_type: DayType, hour: usize, rng: &mut impl Rng) -> (f64, f64) {
        match self.params.attributes {
            AttributeModel::LogNormal => {
                let (d, e) = (&self.site.fit.dwell_h, &self.site.fit.energy_kwh);
                let z1: f64 = rng.sample(StandardNormal);
                let z2: f64 = rng.sample(StandardNormal);
                (
                    (d.mu_ln + d.sigma_ln * z1).exp(),
                    (e.mu_ln + e.sigma_ln * z2).exp(),
                )
            }
            AttributeModel::Empirical => {
                let s = &self.site.sample;
                let lo_t = s.partition_point(|x| x.day_type < day_type);
                let hi_t = s.partition_point(|x| x.day_type <= day_type);
                let same = &s[lo_t..hi_t];
                let lo = same.partition_point(|x| x.arrival_h < hour as f64);
                let hi = same.partition_point(|x| x.arrival_h < hour as f64 + 1.0);
                let pool = if hi > lo {
                    &same[lo..hi]
                } else if !same.is_empty() {
                    same
                } else {
                    &s[..]
                };
                if pool.is_empty() {
                    return (0.0, 0.0);
                }
                let k = rng.random_range(0..pool.len());
                (pool[k].dwell_h, pool[k].energy_kwh)
            }
        }
    }

    /// Sessions arriving in [t, t + dt_s), in arrival order.
    pub fn arrivals(&mut self, t: &StepTime, dt_s: f64, rng: &mut impl Rng) -> Vec<Session> {
        let mut out = Vec::new();
        if !(self.lambda_max_per_h > 0.0) {
            return out;
        }
        let Ok(exp) = Exp::new(self.lambda_max_per_h / 3600.0) else {
            return out;
        };
        let end = t.t_s + dt_s;
        let mut c = match self.next_candidate_s {
            Some(c) => c,
            None => t.t_s + exp.sample(rng),
        };
        while c < end {
            let local = self.local(t, c);
            let (lam, day_type, hour) = self.rate_per_h(&local);
            if rng.random::<f64>() * self.lambda_max_per_h < lam {
                let (dwell_h, energy_kwh) = self.draw_attributes(day_type, hour, rng);
                let max_rate_kw = self.draw_rate_kw(rng);
                if dwell_h > 0.0 {
                    out.push(Session {
                        id: self.next_id,
                        arrival_s: c,
                        departure_s: c + dwell_h * 3600.0,
                        energy_kwh,
                        max_rate_kw,
                    });
                    self.next_id += 1;
                }
            }
            c += exp.sample(rng);
        }
        self.next_candidate_s = Some(c);
        out
    }
}

/// Charging controllers (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EvController {
    /// Every EV at its full rate from arrival.
    #[default]
    Uncontrolled,
    /// Earliest deadline first under the feeder limit.
    EarliestDeadlineFirst,
    /// Least laxity first under the feeder limit.
    LeastLaxityFirst,
}

/// What a controller sees of one session at a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Demand {
    /// Session id (ties are broken by id).
    pub id: u64,
    /// Highest rate allowed this step c_i, kW.
    pub cap_kw: f64,
    /// Vehicle's maximum rate, kW (for laxity).
    pub max_rate_kw: f64,
    /// Departure, s since start.
    pub departure_s: f64,
    /// Energy still needed, kWh.
    pub remaining_kwh: f64,
}

/// Rates (kW) for each demand, in the order given; `limit_kw` is ignored by `Uncontrolled`.
pub fn allocate(controller: EvController, demands: &[Demand], t_s: f64, limit_kw: f64) -> Vec<f64> {
    let mut rates = vec![0.0; demands.len()];
    let mut order: Vec<usize> = (0..demands.len()).collect();
    match controller {
        EvController::Uncontrolled => {
            for (r, d) in rates.iter_mut().zip(demands) {
                *r = d.cap_kw.max(0.0);
            }
            return rates;
        }
        EvController::EarliestDeadlineFirst => {
            order.sort_by(|&a, &b| {
                demands[a]
                    .departure_s
                    .total_cmp(&demands[b].departure_s)
                    .then(demands[a].id.cmp(&demands[b].id))
            });
        }
        EvController::LeastLaxityFirst => {
            let lax = |d: &Demand| {
                (d.departure_s - t_s) / 3600.0 - d.remaining_kwh / d.max_rate_kw.max(1e-9)
            };
            order.sort_by(|&a, &b| {
                lax(&demands[a])
                    .total_cmp(&lax(&demands[b]))
                    .then(demands[a].id.cmp(&demands[b].id))
            });
        }
    }
    let mut left = limit_kw.max(0.0);
    for i in order {
        let r = demands[i].cap_kw.max(0.0).min(left);
        rates[i] = r;
        left -= r;
    }
    rates
}

/// Parameters of a fleet of chargers behind one feeder or transformer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvFleetParams {
    /// Number of EVSEs.
    pub chargers: usize,
    /// Largest rate of one EVSE, kW (default 6.6).
    #[serde(default = "default_evse")]
    pub evse_max_kw: f64,
    /// Feeder/transformer limit on the sum of charging rates, kW (needed by EDF and LLF).
    #[serde(default)]
    pub feeder_limit_kw: Option<f64>,
    /// Controller (default `uncontrolled`).
    #[serde(default)]
    pub controller: EvController,
    /// Local time = UTC + this, hours (default −8, Pacific standard time of the ACN sites).
    #[serde(default = "default_offset")]
    pub utc_offset_h: f64,
}

fn default_evse() -> f64 {
    6.6
}
fn default_offset() -> f64 {
    -8.0
}

impl EvFleetParams {
    /// Reports impossible values.
    pub fn validate(&self) -> Result<(), AgentError> {
        let mut v = Validator::new("ev_fleet");
        v.check(
            self.chargers > 0,
            "chargers",
            self.chargers,
            "at least one charger",
        );
        v.positive("evse_max_kw", self.evse_max_kw);
        if let Some(l) = self.feeder_limit_kw {
            v.non_negative("feeder_limit_kw", l);
        }
        v.check(
            self.controller == EvController::Uncontrolled || self.feeder_limit_kw.is_some(),
            "feeder_limit_kw",
            "none",
            "a limit for the EDF and LLF controllers",
        );
        v.in_range("utc_offset_h", self.utc_offset_h, -14.0, 14.0);
        v.finish()
    }
}

/// Running totals of a fleet.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvMetrics {
    /// Sessions closed (departed, blocked, or open at [`EvFleet::finish`]).
    pub sessions: u64,
    /// Closed sessions that got less than they needed (blocked included).
    pub sessions_unmet: u64,
    /// Arrivals that found every charger busy.
    pub sessions_blocked: u64,
    /// Energy needed by the closed sessions, kWh.
    pub energy_requested_kwh: f64,
    /// Energy delivered to the closed sessions, kWh.
    pub energy_delivered_kwh: f64,
    /// Highest step-average fleet power, kW.
    pub peak_kw: f64,
    /// Energy cost under the tariff, $.
    pub energy_cost_usd: f64,
}

impl EvMetrics {
    /// Energy delivered as a percentage of requested (100 when nothing was requested).
    pub fn delivered_pct(&self) -> f64 {
        if self.energy_requested_kwh > 0.0 {
            100.0 * self.energy_delivered_kwh / self.energy_requested_kwh
        } else {
            100.0
        }
    }
}

/// What the fleet did in one step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvStepOutput {
    /// Average power drawn over the step, MW (a demand).
    pub p_mw: f64,
    /// Reactive power, MVAr (0).
    pub q_mvar: f64,
    /// Highest instantaneous sum of rates in the step, kW.
    pub rate_sum_kw: f64,
    /// Energy delivered in the step, kWh.
    pub energy_kwh: f64,
    /// Sessions plugged in during the step.
    pub active: usize,
    /// Arrivals in the step.
    pub arrivals: usize,
}

#[derive(Debug, Clone)]
enum Source {
    Generated(Box<ArrivalGenerator>),
    Replay { sessions: Vec<Session>, next: usize },
}

#[derive(Debug, Clone, Copy)]
struct Plugged {
    session: Session,
    delivered_kwh: f64,
}

/// A fleet of chargers, its arriving sessions and its controller.
#[derive(Debug, Clone)]
pub struct EvFleet {
    params: EvFleetParams,
    source: Source,
    plugged: Vec<Plugged>,
    tariff: Option<Arc<TouTariff>>,
    metrics: EvMetrics,
    closed: Vec<(Session, f64)>,
    keep_closed: bool,
}

const UNMET_TOL_KWH: f64 = 1e-6;

impl EvFleet {
    fn with_source(
        params: EvFleetParams,
        source: Source,
        tariff: Option<Arc<TouTariff>>,
    ) -> Result<Self, AgentError> {
        params.validate()?;
        Ok(Self {
            params,
            source,
            plugged: Vec::new(),
            tariff,
            metrics: EvMetrics::default(),
            closed: Vec::new(),
            keep_closed: false,
        })
    }

    /// A fleet fed by generated arrivals.
    pub fn generated(
        params: EvFleetParams,
        arrivals: ArrivalParams,
        data: &EvData,
        tariff: Option<Arc<TouTariff>>,
    ) -> Result<Self, AgentError> {
        let g = ArrivalGenerator::new(arrivals, data, params.utc_offset_h)?;
        Self::with_source(params, Source::Generated(Box::new(g)), tariff)
    }

    /// A fleet replaying sessions (any order; they are sorted by arrival).
    pub fn replay(
        params: EvFleetParams,
        mut sessions: Vec<Session>,
        tariff: Option<Arc<TouTariff>>,
    ) -> Result<Self, AgentError> {
        let mut v = Validator::new("sessions");
        for s in &sessions {
            v.check(
                s.departure_s > s.arrival_s,
                &format!("[{}].departure_s", s.id),
                s.departure_s,
                "a time after arrival_s",
            );
            v.non_negative(&format!("[{}].energy_kwh", s.id), s.energy_kwh);
            v.positive(&format!("[{}].max_rate_kw", s.id), s.max_rate_kw);
        }
        v.finish()?;
        sessions.sort_by(|a, b| a.arrival_s.total_cmp(&b.arrival_s).then(a.id.cmp(&b.id)));
        Self::with_source(params, Source::Replay { sessions, next: 0 }, tariff)
    }

    /// Keep every closed session with its delivered energy (for tests and session reports).
    pub fn keep_closed_sessions(&mut self, keep: bool) {
        self.keep_closed = keep;
    }

    /// Closed sessions with delivered kWh, when kept.
    pub fn closed_sessions(&self) -> &[(Session, f64)] {
        &self.closed
    }

    /// Totals so far.
    pub fn metrics(&self) -> &EvMetrics {
        &self.metrics
    }

    /// Parameters.
    pub fn params(&self) -> &EvFleetParams {
        &self.params
    }

    fn close(&mut self, s: Session, delivered_kwh: f64, blocked: bool) {
        let m = &mut self.metrics;
        m.sessions += 1;
        m.energy_requested_kwh += s.energy_kwh;
        m.energy_delivered_kwh += delivered_kwh;
        if blocked {
            m.sessions_blocked += 1;
        }
        if delivered_kwh < s.energy_kwh - UNMET_TOL_KWH {
            m.sessions_unmet += 1;
        }
        if self.keep_closed {
            self.closed.push((s, delivered_kwh));
        }
    }

    /// One step of `dt_s` seconds from `t` (module docs).
    pub fn step(&mut self, t: &StepTime, dt_s: f64, rng: &mut impl Rng) -> EvStepOutput {
        let (t0, t1) = (t.t_s, t.t_s + dt_s.max(0.0));
        let new: Vec<Session> = match &mut self.source {
            Source::Generated(g) => g.arrivals(t, dt_s, rng),
            Source::Replay { sessions, next } => {
                let start = *next;
                while *next < sessions.len() && sessions[*next].arrival_s < t1 {
                    *next += 1;
                }
                sessions[start..*next].to_vec()
            }
        };
        let arrivals = new.len();
        for s in new {
            if self.plugged.len() < self.params.chargers {
                self.plugged.push(Plugged {
                    session: s,
                    delivered_kwh: 0.0,
                });
            } else {
                self.close(s, 0.0, true);
            }
        }
        let overlap_h: Vec<f64> = self
            .plugged
            .iter()
            .map(|p| {
                ((t1.min(p.session.departure_s) - t0.max(p.session.arrival_s)) / 3600.0).max(0.0)
            })
            .collect();
        let demands: Vec<Demand> = self
            .plugged
            .iter()
            .zip(&overlap_h)
            .map(|(p, &o)| {
                let remaining_kwh = (p.session.energy_kwh - p.delivered_kwh).max(0.0);
                let rate = p.session.max_rate_kw.min(self.params.evse_max_kw);
                let cap_kw = if o > 0.0 {
                    rate.min(remaining_kwh / o)
                } else {
                    0.0
                };
                Demand {
                    id: p.session.id,
                    cap_kw,
                    max_rate_kw: rate,
                    departure_s: p.session.departure_s,
                    remaining_kwh,
                }
            })
            .collect();
        let limit = self.params.feeder_limit_kw.unwrap_or(f64::INFINITY);
        let rates = allocate(self.params.controller, &demands, t0, limit);
        let mut energy_kwh = 0.0;
        for ((p, &r), &o) in self.plugged.iter_mut().zip(&rates).zip(&overlap_h) {
            let e = (r * o).min((p.session.energy_kwh - p.delivered_kwh).max(0.0));
            p.delivered_kwh += e;
            energy_kwh += e;
        }
        let rate_sum_kw: f64 = rates.iter().sum();
        let active = self.plugged.len();
        let mut k = 0;
        while k < self.plugged.len() {
            if self.plugged[k].session.departure_s <= t1 {
                let p = self.plugged.remove(k);
                self.close(p.session, p.delivered_kwh, false);
            } else {
                k += 1;
            }
        }
        let dt_h = dt_s / 3600.0;
        let p_kw = if dt_h > 0.0 { energy_kwh / dt_h } else { 0.0 };
        self.metrics.peak_kw = self.metrics.peak_kw.max(p_kw);
        if let Some(tar) = &self.tariff {
            let local = (t.utc
                + chrono::Duration::milliseconds((self.params.utc_offset_h * 3.6e6).round() as i64))
            .naive_utc();
            self.metrics.energy_cost_usd += energy_kwh * tar.price_usd_per_kwh(&local);
        }
        EvStepOutput {
            p_mw: p_kw / 1000.0,
            q_mvar: 0.0,
            rate_sum_kw,
            energy_kwh,
            active,
            arrivals,
        }
    }

    /// Closes the sessions still plugged in at the end of the horizon and returns the totals.
    pub fn finish(&mut self) -> EvMetrics {
        for p in std::mem::take(&mut self.plugged) {
            self.close(p.session, p.delivered_kwh, false);
        }
        self.metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: u64, cap: f64, dep_h: f64, rem: f64) -> Demand {
        Demand {
            id,
            cap_kw: cap,
            max_rate_kw: cap,
            departure_s: dep_h * 3600.0,
            remaining_kwh: rem,
        }
    }

    #[test]
    fn edf_and_llf_orders_by_hand() {
        // A: leaves at 2 h, needs 2 kWh at 6.6 kW → laxity 2 − 0.303 = 1.697 h.
        // B: leaves at 3 h, needs 19.8 kWh at 6.6 kW → laxity 3 − 3 = 0 h.
        let ds = [d(0, 6.6, 2.0, 2.0), d(1, 6.6, 3.0, 19.8)];
        // Limit 8 kW: EDF serves A fully (6.6) then B 1.4; LLF serves B fully then A 1.4.
        let edf = allocate(EvController::EarliestDeadlineFirst, &ds, 0.0, 8.0);
        let llf = allocate(EvController::LeastLaxityFirst, &ds, 0.0, 8.0);
        assert!((edf[0] - 6.6).abs() < 1e-12 && (edf[1] - 1.4).abs() < 1e-12);
        assert!((llf[1] - 6.6).abs() < 1e-12 && (llf[0] - 1.4).abs() < 1e-12);
        assert_eq!(
            allocate(EvController::Uncontrolled, &ds, 0.0, 8.0),
            vec![6.6, 6.6]
        );
    }

    #[test]
    fn replay_delivers_by_hand() {
        let params = EvFleetParams {
            chargers: 1,
            evse_max_kw: 6.6,
            feeder_limit_kw: None,
            controller: EvController::Uncontrolled,
            utc_offset_h: 0.0,
        };
        // Session 1: 0.5 h to 2 h, needs 5 kWh at 4 kW → full. Session 2 arrives at 1 h: blocked.
        let s = vec![
            Session {
                id: 1,
                arrival_s: 1800.0,
                departure_s: 7200.0,
                energy_kwh: 5.0,
                max_rate_kw: 4.0,
            },
            Session {
                id: 2,
                arrival_s: 3600.0,
                departure_s: 9000.0,
                energy_kwh: 3.0,
                max_rate_kw: 4.0,
            },
        ];
        let mut f = EvFleet::replay(params, s, None).unwrap_or_else(|e| panic!("{e}"));
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
        let t0 = StepTime::new(chrono::DateTime::UNIX_EPOCH, 0.0);
        let o = f.step(&t0, 3600.0, &mut rng);
        // 0.5 h at 4 kW = 2 kWh in the first hour, average 2 kW.
        assert!((o.energy_kwh - 2.0).abs() < 1e-12 && (o.p_mw - 0.002).abs() < 1e-15);
        let o = f.step(&t0.advanced(3600.0), 3600.0, &mut rng);
        // 3 kWh left at 4 kW: cap = 3 kW over the hour.
        assert!((o.energy_kwh - 3.0).abs() < 1e-12);
        let m = f.finish();
        assert_eq!(
            (m.sessions, m.sessions_blocked, m.sessions_unmet),
            (2, 1, 1)
        );
        assert!((m.delivered_pct() - 62.5).abs() < 1e-9);
        assert!((m.peak_kw - 3.0).abs() < 1e-12);
    }
}
