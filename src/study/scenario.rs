//! Scenario files (RON): what to simulate, which strategies to compare, and their checks.
//!
//! A scenario names a MATPOWER case, a start instant, a horizon and a resolution, the agents at
//! buses of the case (EV fleets, PV plants, wind farms, batteries, synthetic loads), the
//! strategies to compare (each a set of controller choices applied to the same random world),
//! the number of replications and the master seed. Every field is checked: unknown or
//! misspelled fields are syntax errors with their line and column (`deny_unknown_fields`), and
//! [`Scenario::check`] reports every semantic problem — a bus the case lacks, an impossible
//! parameter, a strategy that names nothing — at the line and column of the element concerned.
//!
//! Paths inside a scenario (the case) are relative to the scenario file's folder.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use gridsim_models::battery::{BatteryParams, BatteryRule};
use gridsim_models::ev::{ArrivalParams, EvController, EvFleetParams};
use gridsim_models::load::SyntheticLoadParams;
use gridsim_models::solar::PvParams;
use gridsim_models::wind::WindParams;
use gridsim_networks::{matpower, Case};
use serde::Deserialize;

/// A scenario as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name, used in outputs.
    pub name: String,
    /// MATPOWER case file, relative to the scenario file.
    pub network: PathBuf,
    /// Start of the simulation, UTC (RFC 3339, e.g. `"2019-03-05T08:00:00Z"`).
    pub start_utc: String,
    /// Simulated time, hours.
    pub horizon_h: f64,
    /// Dispatch interval: agents step and the network is solved every this many minutes.
    pub resolution_min: u32,
    /// Power flow solved at each step (default `ac`).
    #[serde(default)]
    pub power_flow: PowerFlowKind,
    /// Replications (default 1).
    #[serde(default = "one")]
    pub replications: u64,
    /// Master seed (default 0).
    #[serde(default)]
    pub seed: u64,
    /// Agents.
    #[serde(default)]
    pub agents: Vec<AgentSpec>,
    /// Strategies compared on common random numbers (default: one, `base`).
    #[serde(default)]
    pub strategies: Vec<StrategySpec>,
}

fn one() -> u64 {
    1
}

/// Which power flow judges each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerFlowKind {
    /// AC Newton–Raphson, warm-started from the previous step.
    #[default]
    Ac,
    /// DC power flow.
    Dc,
}

/// One agent at a bus of the case (the case file's own bus number).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentSpec {
    /// A fleet of EV chargers ([`gridsim_models::ev`]) with generated arrivals.
    EvFleet {
        /// Unique name; also its random stream.
        name: String,
        /// Bus.
        bus: u32,
        /// Chargers, feeder limit, controller.
        fleet: EvFleetParams,
        /// Arrival process.
        arrivals: ArrivalParams,
        /// Price energy with SCE's TOU-EV-4 tariff (shipped; default true).
        #[serde(default = "yes")]
        tou_tariff: bool,
    },
    /// A PV plant ([`gridsim_models::solar`]).
    Pv {
        /// Unique name.
        name: String,
        /// Bus.
        bus: u32,
        /// Plant parameters.
        params: PvParams,
    },
    /// A wind farm ([`gridsim_models::wind`]).
    Wind {
        /// Unique name.
        name: String,
        /// Bus.
        bus: u32,
        /// Farm parameters.
        params: WindParams,
    },
    /// A battery with a rule controller ([`gridsim_models::battery`]).
    Battery {
        /// Unique name.
        name: String,
        /// Bus.
        bus: u32,
        /// Storage parameters.
        params: BatteryParams,
        /// Controller (strategies may replace it).
        rule: Option<RuleSpec>,
    },
    /// A synthetic load added to a bus ([`gridsim_models::load`]).
    SyntheticLoad {
        /// Unique name.
        name: String,
        /// Bus.
        bus: u32,
        /// Load shape parameters.
        params: SyntheticLoadParams,
    },
}

fn yes() -> bool {
    true
}

impl AgentSpec {
    /// The agent's name.
    pub fn name(&self) -> &str {
        match self {
            AgentSpec::EvFleet { name, .. }
            | AgentSpec::Pv { name, .. }
            | AgentSpec::Wind { name, .. }
            | AgentSpec::Battery { name, .. }
            | AgentSpec::SyntheticLoad { name, .. } => name,
        }
    }

    /// The agent's bus (external number).
    pub fn bus(&self) -> u32 {
        match self {
            AgentSpec::EvFleet { bus, .. }
            | AgentSpec::Pv { bus, .. }
            | AgentSpec::Wind { bus, .. }
            | AgentSpec::Battery { bus, .. }
            | AgentSpec::SyntheticLoad { bus, .. } => *bus,
        }
    }
}

/// A battery rule as written in a scenario: `peak_shaving(feeder_limit_mw: 6.3,
/// charge_below_mw: 5.7)` or `price_threshold(charge_below_usd_per_mwh: 150.0,
/// discharge_above_usd_per_mwh: 300.0)` ([`BatteryRule`] has the equations).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleSpec {
    /// Charge at full power below one price, discharge above another.
    PriceThreshold {
        /// Charge when the price is below this, $/MWh.
        charge_below_usd_per_mwh: f64,
        /// Discharge when the price is above this, $/MWh.
        discharge_above_usd_per_mwh: f64,
    },
    /// Discharge to hold the feeder's net load at a limit, recharge below another level.
    PeakShaving {
        /// Feeder limit, MW.
        feeder_limit_mw: f64,
        /// Recharge while the net load is below this, MW.
        charge_below_mw: f64,
    },
}

impl RuleSpec {
    /// The rule controller.
    pub fn rule(&self) -> BatteryRule {
        match *self {
            RuleSpec::PriceThreshold {
                charge_below_usd_per_mwh,
                discharge_above_usd_per_mwh,
            } => BatteryRule::PriceThreshold {
                charge_below_usd_per_mwh,
                discharge_above_usd_per_mwh,
            },
            RuleSpec::PeakShaving {
                feeder_limit_mw,
                charge_below_mw,
            } => BatteryRule::PeakShaving {
                feeder_limit_mw,
                charge_below_mw,
            },
        }
    }
}

/// A strategy: controller choices applied to every agent they concern.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategySpec {
    /// Unique name (a column of the summary).
    pub name: String,
    /// EV charging controller of every fleet (default: each fleet's own).
    #[serde(default)]
    pub ev_controller: Option<EvController>,
    /// Battery rule of every battery (default: each battery's own; `none` via `no_battery_rule`).
    #[serde(default)]
    pub battery_rule: Option<RuleSpec>,
    /// Leave batteries idle (a no-storage baseline).
    #[serde(default)]
    pub batteries_idle: bool,
}

/// A problem in a scenario file, located.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioProblem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Why a scenario cannot be used: every problem found, with the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// The scenario file.
    pub path: PathBuf,
    /// The problems, in file order.
    pub problems: Vec<ScenarioProblem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, p) in self.problems.iter().enumerate() {
            if k > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                p.line,
                p.column,
                p.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// A scenario read and checked, with its case loaded.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// The scenario as written.
    pub scenario: Scenario,
    /// Its start instant.
    pub start: DateTime<Utc>,
    /// Its case.
    pub case: Case,
    /// The strategies (the written ones, or `base`).
    pub strategies: Vec<StrategySpec>,
}

impl LoadedScenario {
    /// Number of steps of the horizon.
    pub fn n_steps(&self) -> u64 {
        (self.scenario.horizon_h * 60.0 / f64::from(self.scenario.resolution_min)).round() as u64
    }

    /// Step length, seconds.
    pub fn dt_s(&self) -> f64 {
        f64::from(self.scenario.resolution_min) * 60.0
    }
}

/// Reads `path` and checks it (syntax, then every semantic rule); loads its case.
pub fn load(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    let fail = |problems| ScenarioError {
        path: path.to_path_buf(),
        problems,
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(vec![ScenarioProblem {
            line: 1,
            column: 1,
            message: format!("cannot read the file: {e}"),
        }])
    })?;
    let scenario: Scenario = ron::from_str(&text).map_err(|e| {
        fail(vec![ScenarioProblem {
            line: e.position.line,
            column: e.position.col,
            message: e.code.to_string(),
        }])
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    scenario.check(&text, dir).map_err(fail)
}

impl Scenario {
    /// Every semantic problem, located in `text` (the file the scenario was read from); the
    /// loaded scenario when there is none. Case paths are relative to `dir`.
    pub fn check(self, text: &str, dir: &Path) -> Result<LoadedScenario, Vec<ScenarioProblem>> {
        let mut problems = Vec::new();
        let mut at = |needle: &str, message: String| {
            let (line, column) = locate(text, needle);
            problems.push(ScenarioProblem {
                line,
                column,
                message,
            });
        };
        let start = DateTime::parse_from_rfc3339(&self.start_utc).map(|d| d.with_timezone(&Utc));
        if let Err(e) = &start {
            at(
                "start_utc",
                format!(
                    "start_utc: expected an RFC 3339 instant such as \"2019-03-05T08:00:00Z\", found {:?} ({e})",
                    self.start_utc
                ),
            );
        }
        if !(self.horizon_h > 0.0 && self.horizon_h.is_finite()) {
            at(
                "horizon_h",
                format!(
                    "horizon_h: expected a positive number of hours, found {}",
                    self.horizon_h
                ),
            );
        }
        if self.resolution_min == 0 {
            at(
                "resolution_min",
                "resolution_min: expected at least 1 minute, found 0".into(),
            );
        } else {
            let steps = self.horizon_h * 60.0 / f64::from(self.resolution_min);
            if (steps - steps.round()).abs() > 1e-9 {
                at(
                    "resolution_min",
                    format!(
                        "resolution_min: expected a divisor of the horizon ({} h), found {} min",
                        self.horizon_h, self.resolution_min
                    ),
                );
            }
        }
        if self.replications == 0 {
            at(
                "replications",
                "replications: expected at least 1, found 0".into(),
            );
        }
        let case_path = dir.join(&self.network);
        let case = match matpower::read(&case_path) {
            Ok(c) => Some(c),
            Err(e) => {
                at("network", format!("network: {e}"));
                None
            }
        };
        let mut names: Vec<&str> = Vec::new();
        for a in &self.agents {
            let needle = format!("\"{}\"", a.name());
            if names.contains(&a.name()) {
                at(
                    &needle,
                    format!("agent {:?}: the name is used twice", a.name()),
                );
            }
            names.push(a.name());
            if let Some(case) = &case {
                if !case.bus.id.contains(&a.bus()) {
                    at(
                        &needle,
                        format!(
                            "agent {:?}: bus {} does not exist in {}",
                            a.name(),
                            a.bus(),
                            self.network.display()
                        ),
                    );
                }
            }
            let verdict = match a {
                AgentSpec::EvFleet { fleet, .. } => fleet.validate(),
                AgentSpec::Pv { params, .. } => {
                    gridsim_models::solar::PvPlant::new(params.clone()).map(|_| ())
                }
                AgentSpec::Wind { params, .. } => params.validate(),
                AgentSpec::Battery { params, rule, .. } => params
                    .validate()
                    .and_then(|()| rule.as_ref().map_or(Ok(()), |r| r.rule().validate())),
                AgentSpec::SyntheticLoad { params, .. } => params.validate(),
            };
            if let Err(e) = verdict {
                at(&needle, format!("agent {:?}: {e}", a.name()));
            }
        }
        let strategies = if self.strategies.is_empty() {
            vec![StrategySpec {
                name: "base".into(),
                ev_controller: None,
                battery_rule: None,
                batteries_idle: false,
            }]
        } else {
            self.strategies.clone()
        };
        let mut seen: Vec<&str> = Vec::new();
        for s in &strategies {
            let needle = format!("\"{}\"", s.name);
            if seen.contains(&s.name.as_str()) {
                at(
                    &needle,
                    format!("strategy {:?}: the name is used twice", s.name),
                );
            }
            seen.push(&s.name);
            if let Some(rule) = &s.battery_rule {
                if let Err(e) = rule.rule().validate() {
                    at(&needle, format!("strategy {:?}: {e}", s.name));
                }
            }
            if s.ev_controller
                .is_some_and(|c| c != EvController::Uncontrolled)
            {
                for a in &self.agents {
                    if let AgentSpec::EvFleet { name, fleet, .. } = a {
                        if fleet.feeder_limit_kw.is_none() {
                            at(
                                &needle,
                                format!(
                                    "strategy {:?}: its EV controller needs a feeder_limit_kw on fleet {name:?}",
                                    s.name
                                ),
                            );
                        }
                    }
                }
            }
        }
        problems.sort_by_key(|p| (p.line, p.column));
        match (problems.is_empty(), start, case) {
            (true, Ok(start), Some(case)) => Ok(LoadedScenario {
                scenario: self,
                start,
                case,
                strategies,
            }),
            _ => Err(problems),
        }
    }
}

/// 1-based line and column of the first occurrence of `needle` in `text` (1:1 if absent).
fn locate(text: &str, needle: &str) -> (usize, usize) {
    let Some(pos) = text.find(needle) else {
        return (1, 1);
    };
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
