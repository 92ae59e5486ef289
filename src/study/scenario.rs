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
use gridsim_models::failure::{FailureParams, InitialState};
use gridsim_models::load::SyntheticLoadParams;
use gridsim_models::load::{LoadScaling, ProfileLoad};
use gridsim_models::profile::{Profile, ProfileReplay, ReplayParams};
use gridsim_models::solar::PvParams;
use gridsim_models::wind::WindParams;
use gridsim_networks::{matpower, Case};
use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// How the case's generators are dispatched at each step (default `case_setpoints`).
    #[serde(default)]
    pub dispatch: DispatchKind,
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
    /// Equipment failure and repair processes (default: none).
    #[serde(default)]
    pub failures: Vec<FailureSpec>,
    /// Base loads that follow regional profiles (default: the case's loads, constant).
    #[serde(default)]
    pub load_profile: Option<LoadProfileSpec>,
    /// Write every run's per-step time series next to the results (as `gridsim run
    /// --series`; default false).
    #[serde(default)]
    pub time_series: bool,
    /// CO2 emission rates of the case's generators, t per MWh of output (default: none, every
    /// generator 0). Later entries override earlier ones for the generators they cover.
    #[serde(default)]
    pub emissions: Vec<EmissionSpec>,
}

/// The CO2 emission rate of a set of generators.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmissionSpec {
    /// The generators.
    pub generators: GeneratorSet,
    /// Their average emission rate, t CO2 per MWh of output (0 ≤ rate ≤ 5).
    pub co2_t_per_mwh: f64,
}

/// A set of the case's generators.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GeneratorSet {
    /// Every generator.
    All,
    /// The generators at one bus (the case's number).
    AtBus {
        /// Bus.
        bus: u32,
    },
    /// Generators by their 1-based row in the case's `mpc.gen`.
    Rows(Vec<usize>),
    /// Generators whose PMAX is this size, to 0.5 MW (e.g. the RTS-79 unit types).
    Sized {
        /// PMAX, MW.
        pmax_mw: f64,
    },
}

impl GeneratorSet {
    /// The 0-based rows of `case` in this set; what is wrong when it names nothing that exists.
    pub fn rows(&self, case: &Case) -> Result<Vec<usize>, String> {
        let n = case.gen.len();
        let v: Vec<usize> = match self {
            GeneratorSet::All => (0..n).collect(),
            GeneratorSet::AtBus { bus } => (0..n).filter(|&g| case.gen.bus[g] == *bus).collect(),
            GeneratorSet::Rows(rows) => {
                if let Some(r) = rows.iter().find(|&&r| r == 0 || r > n) {
                    return Err(format!(
                        "generator row {r} does not exist (the case has rows 1 to {n})"
                    ));
                }
                rows.iter().map(|r| r - 1).collect()
            }
            GeneratorSet::Sized { pmax_mw } => (0..n)
                .filter(|&g| (case.gen.pmax_mw[g] - pmax_mw).abs() < 0.5)
                .collect(),
        };
        if v.is_empty() {
            return Err(format!("{self:?} covers no generator of the case"));
        }
        Ok(v)
    }
}

impl Scenario {
    /// CO2 rate of every generator of `case` (case order), t/MWh; or every problem, by entry.
    pub fn co2_rates(&self, case: &Case) -> Result<Vec<f64>, Vec<String>> {
        let mut rates = vec![0.0; case.gen.len()];
        let mut problems = Vec::new();
        for (k, e) in self.emissions.iter().enumerate() {
            if !(0.0..=5.0).contains(&e.co2_t_per_mwh) {
                problems.push(format!(
                    "emissions[{k}].co2_t_per_mwh: expected 0 to 5 t/MWh (the dirtiest plants emit about 1.3), found {}",
                    e.co2_t_per_mwh
                ));
            }
            match e.generators.rows(case) {
                Ok(rows) => rows.into_iter().for_each(|g| rates[g] = e.co2_t_per_mwh),
                Err(m) => problems.push(format!("emissions[{k}].generators: {m}")),
            }
        }
        if problems.is_empty() {
            Ok(rates)
        } else {
            Err(problems)
        }
    }
}

/// Time series in the RTS-GMLC layout (`Year,Month,Day,Period,<columns>`), shipped or a file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ProfileSource {
    /// RTS-GMLC 2020 regional load, hourly, MW; columns `1`, `2`, `3` (areas).
    #[serde(rename = "rts_gmlc_load_2020")]
    RtsGmlcLoad2020,
    /// RTS-GMLC 2020 PV plants, hourly, MW; columns `101_PV_1`, `215_PV_1`, `319_PV_1`.
    #[serde(rename = "rts_gmlc_pv_2020")]
    RtsGmlcPv2020,
    /// RTS-GMLC 2020 wind farms, hourly, MW; columns `309_WIND_1`, `317_WIND_1`,
    /// `303_WIND_1`, `122_WIND_1`.
    #[serde(rename = "rts_gmlc_wind_2020")]
    RtsGmlcWind2020,
    /// The IEEE RTS-79 load model (`gridsim_models::reliability`): 8,736 hourly values, a
    /// fraction of the annual peak (1.0), one column `system`; week 1 starts on a Monday at
    /// the simulation start (the load profile is played by elapsed time).
    #[serde(rename = "rts79_load")]
    Rts79Load,
    /// GEFCom2014-E hourly load of ISO New England, 2006–2014 (shipped with the forecasters):
    /// columns `load_mw` and `temperature_f`, clock US Eastern standard time (UTC − 5; give
    /// `utc_offset_h: -5.0`), 24 hours a day.
    #[serde(rename = "gefcom2014_load")]
    Gefcom2014Load,
    /// A file (plain or `.gz`), relative to the scenario file.
    File(PathBuf),
}

impl ProfileSource {
    /// The profile's text and the name errors give it.
    pub fn text(&self, dir: &Path) -> Result<(String, String), String> {
        use std::io::Read;
        let shipped = |bytes: &[u8], name: &str| -> Result<(String, String), String> {
            let mut s = String::new();
            flate2::read::GzDecoder::new(bytes)
                .read_to_string(&mut s)
                .map_err(|e| format!("{name}: {e}"))?;
            Ok((s, name.to_string()))
        };
        match self {
            ProfileSource::RtsGmlcLoad2020 => shipped(
                include_bytes!("../../models/data/rts-gmlc/load_regional_2020_hourly.csv.gz"),
                "models/data/rts-gmlc/load_regional_2020_hourly.csv.gz",
            ),
            ProfileSource::RtsGmlcPv2020 => shipped(
                include_bytes!("../../models/data/rts-gmlc/pv_2020_hourly.csv.gz"),
                "models/data/rts-gmlc/pv_2020_hourly.csv.gz",
            ),
            ProfileSource::RtsGmlcWind2020 => shipped(
                include_bytes!("../../models/data/rts-gmlc/wind_2020_hourly.csv.gz"),
                "models/data/rts-gmlc/wind_2020_hourly.csv.gz",
            ),
            ProfileSource::Rts79Load | ProfileSource::Gefcom2014Load => Err(
                "this profile is built from its own tables, not read from RTS-GMLC-layout text"
                    .into(),
            ),
            ProfileSource::File(p) => {
                let path = dir.join(p);
                gridsim_models::profile::read_text(&path)
                    .map(|t| (t, path.display().to_string()))
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// The parsed profile (times in the file are local, UTC + `utc_offset_h`).
    pub fn load(&self, dir: &Path, utc_offset_h: f64) -> Result<Profile, String> {
        if *self == ProfileSource::Rts79Load {
            // 2018-01-01 was a Monday, as week 1 of the RTS-79 year begins.
            let start = chrono::NaiveDate::from_ymd_opt(2018, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .ok_or("RTS-79 start date")?
                .and_utc()
                - chrono::Duration::seconds((utc_offset_h * 3600.0).round() as i64);
            return Ok(Profile {
                start,
                step_s: 3600.0,
                columns: vec!["system".into()],
                values: vec![gridsim_models::reliability::rts79_hourly_load_fraction()],
            });
        }
        if *self == ProfileSource::Gefcom2014Load {
            return gefcom2014_load(utc_offset_h);
        }
        let (text, name) = self.text(dir)?;
        Profile::parse(&text, &name, utc_offset_h).map_err(|e| e.to_string())
    }
}

/// Recorded EV sessions to replay. Sessions arriving before the simulation start are left out.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SessionSource {
    /// The 994 sessions of ACN's Caltech garage in March 2019 (shipped; ACN-Sim's periods of
    /// 5 minutes counted from the simulation start, which should be 2019-03-01 08:00 UTC).
    CaltechMarch2019,
    /// An ACN-Sim periods CSV (`arrival_period`, `departure_period`, `requested_energy_kWh`,
    /// `battery_max_power_kW`; period k starts k · `period_min` after the simulation start).
    Periods {
        /// File (plain or `.gz`), relative to the scenario file.
        file: PathBuf,
        /// Period length, minutes.
        period_min: f64,
    },
    /// An ACN-Data sessions CSV (`connectionTime`, `disconnectTime`, `kWhDelivered`; absolute
    /// times), every vehicle accepting at most `max_rate_kw`.
    AcnData {
        /// File (plain or `.gz`), relative to the scenario file.
        file: PathBuf,
        /// Largest rate a vehicle accepts, kW.
        max_rate_kw: f64,
    },
}

impl SessionSource {
    /// The sessions, times in seconds after `start`, arrivals before it left out.
    pub fn load(
        &self,
        dir: &Path,
        start: DateTime<Utc>,
    ) -> Result<Vec<gridsim_models::ev::Session>, String> {
        use gridsim_models::ev::data;
        let all = match self {
            SessionSource::CaltechMarch2019 => {
                use std::io::Read;
                let gz = include_bytes!("../../models/data/acn/caltech_mar2019_sessions.csv.gz");
                let mut text = String::new();
                flate2::read::GzDecoder::new(&gz[..])
                    .read_to_string(&mut text)
                    .map_err(|e| format!("caltech_mar2019_sessions.csv.gz: {e}"))?;
                data::parse_period_sessions(
                    &text,
                    "models/data/acn/caltech_mar2019_sessions.csv.gz",
                    300.0,
                )
            }
            SessionSource::Periods { file, period_min } => {
                if !(*period_min > 0.0) {
                    return Err(format!(
                        "period_min: expected a positive number of minutes, found {period_min}"
                    ));
                }
                data::read_period_sessions(&dir.join(file), period_min * 60.0)
            }
            SessionSource::AcnData { file, max_rate_kw } => {
                data::read_acn_sessions(&dir.join(file), start, *max_rate_kw)
            }
        }
        .map_err(|e| e.to_string())?;
        Ok(all.into_iter().filter(|s| s.arrival_s >= 0.0).collect())
    }
}

/// The GEFCom2014-E load shipped with the forecasters as a profile (`load_mw`,
/// `temperature_f`), its first row 2006-01-01 00:00 on the file's clock (UTC + `utc_offset_h`).
fn gefcom2014_load(utc_offset_h: f64) -> Result<Profile, String> {
    use std::io::Read;
    const NAME: &str = "models/forecast/data/load_e.csv.gz";
    let gz = include_bytes!("../../models/forecast/data/load_e.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .map_err(|e| format!("{NAME}: {e}"))?;
    let (mut load, mut temp) = (Vec::new(), Vec::new());
    for (k, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let num = |c: usize| -> Result<f64, String> {
            f.get(c)
                .and_then(|x| x.trim().parse().ok())
                .ok_or_else(|| format!("{NAME}:{}: field {} is not a number", k + 1, c + 1))
        };
        load.push(num(2)?);
        temp.push(num(3)?);
    }
    let start = chrono::NaiveDate::from_ymd_opt(2006, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or("GEFCom2014 start date")?
        .and_utc()
        - chrono::Duration::seconds((utc_offset_h * 3600.0).round() as i64);
    Ok(Profile {
        start,
        step_s: 3600.0,
        columns: vec!["load_mw".into(), "temperature_f".into()],
        values: vec![load, temp],
    })
}

/// Base loads that follow regional profiles: each bus of a mapped area draws
/// `P_case · v(t) / V` ([`gridsim_models::load`] has the rule), replacing its constant load.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadProfileSpec {
    /// The profile.
    pub source: ProfileSource,
    /// Area number of the case → profile column.
    pub areas: BTreeMap<u32, String>,
    /// `share_of_region` (RTS-GMLC's rule) or `peak_equals_case` (default).
    #[serde(default = "peak_equals_case")]
    pub scaling: LoadScaling,
    /// The file's clock: UTC + this, hours (default 0).
    #[serde(default)]
    pub utc_offset_h: f64,
    /// `elapsed` (default: the profile's first row at the simulation start, repeating) or
    /// `calendar` (the row containing each step's UTC instant; the ends held).
    #[serde(default)]
    pub alignment: gridsim_models::profile::Alignment,
}

fn peak_equals_case() -> LoadScaling {
    LoadScaling::PeakEqualsCase
}

/// Which elements of the case fail and repair, and with which figures.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    /// The elements.
    pub elements: FailureElements,
    /// Their failure and repair figures.
    pub params: FailureSource,
    /// State at the start: `stationary` (default: each element down with its long-run
    /// probability, so annual indices carry no start-up bias) or `in_service`.
    #[serde(default)]
    pub initial: InitialState,
}

/// Elements of a failure specification (generators and branches in service in the case).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FailureElements {
    /// Every generator with a positive PMAX.
    Generators,
    /// Every branch.
    Branches,
    /// The generators at one bus.
    GeneratorsAt {
        /// Bus (the case's number).
        bus: u32,
    },
    /// The branches between two buses (either direction).
    BranchesBetween {
        /// One end.
        from: u32,
        /// The other end.
        to: u32,
    },
}

/// Failure and repair figures.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FailureSource {
    /// The IEEE Reliability Test System (1979) generating-unit table by unit size (12, 20, 50,
    /// 76, 100, 155, 197, 350, 400 MW; generators only, PMAX must be one of these).
    Rts79,
    /// RTS-GMLC's branch figures (`models/data/rts-gmlc/reliability.csv`, from its
    /// `branch.csv`: MTTF from the permanent outage rate, MTTR its duration), matched by the
    /// buses at the ends — RTS-GMLC's own numbers (101…325), or a 24-bus RTS's 1…24 read as
    /// RTS-GMLC's area-1 buses 101…124 — parallel branches in file order. Branches only: for
    /// generating units use `rts79`, whose figures RTS-GMLC keeps for the RTS unit types.
    RtsGmlc,
    /// The same figures for every element.
    Given(FailureParams),
}

pub use gridsim_models::reliability::RTS79_UNITS;

/// One element that fails, resolved against the case.
#[derive(Debug, Clone, PartialEq)]
pub enum FailingElement {
    /// Generator row (0-based, case order).
    Gen(usize),
    /// Branch row (0-based, case order).
    Branch(usize),
}

impl FailureSpec {
    /// The elements of `case` this specification covers, each with its figures; or what is wrong.
    pub fn resolve(&self, case: &Case) -> Result<Vec<(FailingElement, FailureParams)>, String> {
        let gens: Vec<usize> = match &self.elements {
            FailureElements::Generators => (0..case.gen.len())
                .filter(|&g| case.gen.in_service[g] && case.gen.pmax_mw[g] > 0.0)
                .collect(),
            FailureElements::GeneratorsAt { bus } => {
                let v: Vec<usize> = (0..case.gen.len())
                    .filter(|&g| case.gen.bus[g] == *bus && case.gen.in_service[g])
                    .collect();
                if v.is_empty() {
                    return Err(format!("failures: no generator in service at bus {bus}"));
                }
                v
            }
            _ => Vec::new(),
        };
        let branches: Vec<usize> = match &self.elements {
            FailureElements::Branches => (0..case.branch.len())
                .filter(|&k| case.branch.in_service[k])
                .collect(),
            FailureElements::BranchesBetween { from, to } => {
                let v: Vec<usize> = (0..case.branch.len())
                    .filter(|&k| {
                        let (f, t) = (case.branch.from_bus[k], case.branch.to_bus[k]);
                        case.branch.in_service[k]
                            && ((f == *from && t == *to) || (f == *to && t == *from))
                    })
                    .collect();
                if v.is_empty() {
                    return Err(format!(
                        "failures: no branch in service between buses {from} and {to}"
                    ));
                }
                v
            }
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        let gmlc = match self.params {
            FailureSource::RtsGmlc => Some(
                gridsim_models::failure::ReliabilityTable::rts_gmlc()
                    .map_err(|e| format!("failures: {e}"))?,
            ),
            _ => None,
        };
        for g in gens {
            let params = match &self.params {
                FailureSource::RtsGmlc => {
                    return Err(format!(
                        "failures: rts_gmlc gives branch figures only (generator {} at bus {}); use rts79 for generating units",
                        g + 1,
                        case.gen.bus[g]
                    ))
                }
                FailureSource::Given(p) => p.clone(),
                FailureSource::Rts79 => {
                    let pmax = case.gen.pmax_mw[g];
                    let Some(&(_, mttf_h, mttr_h)) =
                        RTS79_UNITS.iter().find(|u| (u.0 - pmax).abs() < 0.5)
                    else {
                        return Err(format!(
                            "failures: generator {} at bus {} has PMAX {pmax} MW, not an RTS-79 unit size \
                             (12, 20, 50, 76, 100, 155, 197, 350 or 400 MW); give its figures with given(...)",
                            g + 1,
                            case.gen.bus[g]
                        ));
                    };
                    FailureParams {
                        mttf_h,
                        mttr_h,
                        failure_shape: 1.0,
                        repair_shape: 1.0,
                    }
                }
            };
            out.push((FailingElement::Gen(g), params));
        }
        for k in branches {
            let params = match (&self.params, &gmlc) {
                (FailureSource::RtsGmlc, Some(table)) => rts_gmlc_branch(case, k, table)?,
                (FailureSource::Given(p), _) => p.clone(),
                _ => {
                    return Err("failures: rts79 gives generating-unit figures only; give branch figures with rts_gmlc or given(...)".into())
                }
            };
            out.push((FailingElement::Branch(k), params));
        }
        Ok(out)
    }
}

/// RTS-GMLC's figures for branch row `k` of `case` ([`FailureSource::RtsGmlc`]).
fn rts_gmlc_branch(
    case: &Case,
    k: usize,
    table: &gridsim_models::failure::ReliabilityTable,
) -> Result<FailureParams, String> {
    let (f, t) = (case.branch.from_bus[k], case.branch.to_bus[k]);
    let (gf, gt) = if f < 100 && t < 100 {
        (f + 100, t + 100)
    } else {
        (f, t)
    };
    // The position of this branch among the case's branches between the same buses.
    let nth = (0..k)
        .filter(|&j| {
            let (a, b) = (case.branch.from_bus[j], case.branch.to_bus[j]);
            (a == f && b == t) || (a == t && b == f)
        })
        .count();
    let entries = table.branches_between(gf, gt);
    entries
        .get(nth)
        .or(entries.last())
        .map(|e| e.params.clone())
        .ok_or_else(|| {
            format!(
                "failures: RTS-GMLC has no branch between buses {gf} and {gt} (branch {} of the case, {f}-{t})",
                k + 1
            )
        })
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

/// How generators are dispatched before each power flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispatchKind {
    /// Generators keep the case's setpoints; the reference bus of each island takes the rest.
    #[default]
    CaseSetpoints,
    /// Lossless economic dispatch per island (`networks::dispatch`, merit order on the case's
    /// costs, generators in service only); demand above the available capacity is shed,
    /// spread over the island's loads in proportion; the reference bus takes the losses.
    Economic,
    /// DC optimal power flow on HiGHS (`networks::opf::DcOpf`): the case's costs, branch
    /// ratings (`RATE_A`) and angle limits, penalised so that every step has a dispatch —
    /// load shed at 10,000 $/MWh where supply or the network cannot serve it, surplus
    /// injection spilled at 1,000 $/MWh (renewables first, then units' forced minimum output,
    /// which the reference bus absorbs). HiGHS runs on one thread per step. A step whose OPF
    /// the solver fails on is counted in `dispatch_failed_steps` and dispatched in merit order.
    DcOpf,
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
    /// A fleet of EV chargers replaying recorded sessions (same controllers and metrics as
    /// `ev_fleet`).
    EvSessions {
        /// Unique name.
        name: String,
        /// Bus.
        bus: u32,
        /// Chargers, feeder limit, controller.
        fleet: EvFleetParams,
        /// The sessions.
        sessions: SessionSource,
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
    /// A generator (generation positive) or demand (`demand: true`) that replays one column
    /// of a profile ([`gridsim_models::profile`]), e.g. a PV or wind plant of RTS-GMLC.
    Profile {
        /// Unique name.
        name: String,
        /// Bus.
        bus: u32,
        /// The profile.
        source: ProfileSource,
        /// Column, scale, alignment, interpolation.
        params: ReplayParams,
        /// A demand rather than a generation (default false).
        #[serde(default)]
        demand: bool,
        /// The file's clock: UTC + this, hours (default 0).
        #[serde(default)]
        utc_offset_h: f64,
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
            | AgentSpec::EvSessions { name, .. }
            | AgentSpec::Pv { name, .. }
            | AgentSpec::Wind { name, .. }
            | AgentSpec::Battery { name, .. }
            | AgentSpec::Profile { name, .. }
            | AgentSpec::SyntheticLoad { name, .. } => name,
        }
    }

    /// The agent's bus (external number).
    pub fn bus(&self) -> u32 {
        match self {
            AgentSpec::EvFleet { bus, .. }
            | AgentSpec::EvSessions { bus, .. }
            | AgentSpec::Pv { bus, .. }
            | AgentSpec::Wind { bus, .. }
            | AgentSpec::Battery { bus, .. }
            | AgentSpec::Profile { bus, .. }
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
    /// The scenario file's folder (paths inside it are relative to it).
    pub dir: PathBuf,
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
                AgentSpec::EvSessions {
                    fleet, sessions, ..
                } => match (fleet.validate(), &start) {
                    (Err(e), _) => Err(e),
                    (Ok(()), Ok(start)) => {
                        let loaded = sessions.load(dir, *start).and_then(|s| {
                            gridsim_models::ev::EvFleet::replay(fleet.clone(), s, None)
                                .map(|_| ())
                                .map_err(|e| e.to_string())
                        });
                        if let Err(e) = loaded {
                            at(&needle, format!("agent {:?}: sessions: {e}", a.name()));
                        }
                        Ok(())
                    }
                    (Ok(()), Err(_)) => Ok(()),
                },
                AgentSpec::Pv { params, .. } => {
                    gridsim_models::solar::PvPlant::new(params.clone()).map(|_| ())
                }
                AgentSpec::Wind { params, .. } => params.validate(),
                AgentSpec::Battery { params, rule, .. } => params
                    .validate()
                    .and_then(|()| rule.as_ref().map_or(Ok(()), |r| r.rule().validate())),
                AgentSpec::SyntheticLoad { params, .. } => params.validate(),
                AgentSpec::Profile {
                    source,
                    params,
                    utc_offset_h,
                    ..
                } => match source.load(dir, *utc_offset_h) {
                    Ok(p) => ProfileReplay::new(params.clone(), std::sync::Arc::new(p)).map(|_| ()),
                    Err(e) => {
                        at(&needle, format!("agent {:?}: {e}", a.name()));
                        Ok(())
                    }
                },
            };
            if let Err(e) = verdict {
                at(&needle, format!("agent {:?}: {e}", a.name()));
            }
        }
        if let (Some(lp), Some(case)) = (&self.load_profile, &case) {
            match lp.source.load(dir, lp.utc_offset_h) {
                Ok(p) => {
                    if let Err(e) =
                        ProfileLoad::per_bus(case, std::sync::Arc::new(p), &lp.areas, lp.scaling)
                    {
                        at("load_profile", format!("load_profile: {e}"));
                    }
                }
                Err(e) => at("load_profile", format!("load_profile: {e}")),
            }
        }
        if let Some(case) = &case {
            if let Err(ms) = self.co2_rates(case) {
                for m in ms {
                    at("emissions", m);
                }
            }
        }
        for (k, f) in self.failures.iter().enumerate() {
            let mut problems_here = Vec::new();
            if let FailureSource::Given(p) = &f.params {
                if let Err(e) = p.validate() {
                    problems_here.push(format!("failures[{k}]: {e}"));
                }
            }
            if let Some(case) = &case {
                if let Err(e) = f.resolve(case) {
                    problems_here.push(e);
                }
            }
            for m in problems_here {
                at("failures", m);
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
            if s.name.is_empty()
                || !s
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                at(
                    &needle,
                    format!(
                        "strategy {:?}: expected a name of letters, digits, '_', '-' or '.' (it names files and columns)",
                        s.name
                    ),
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
                    if let AgentSpec::EvFleet { name, fleet, .. }
                    | AgentSpec::EvSessions { name, fleet, .. } = a
                    {
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
                dir: dir.to_path_buf(),
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
