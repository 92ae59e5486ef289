//! The Monte Carlo study of a scenario: every replication runs every strategy on the same
//! random world (common random numbers: each agent draws from the stream of (seed,
//! replication, agent name), whatever the strategy), in parallel over replications.

use std::path::Path;
use std::sync::Arc;

use gridsim_models::battery::Battery;
use gridsim_models::ev::data::EvData;
use gridsim_models::ev::tariff::TouTariff;
use gridsim_models::ev::{EvFleet, Session};
use gridsim_models::load::{ProfileLoad, SyntheticLoad};
use gridsim_models::profile::{Profile, ProfileReplay};
use gridsim_models::solar::PvPlant;
use gridsim_models::wind::WindFarm;
use gridsim_networks::Network;
use gridsim_sim::montecarlo::{self, MonteCarloSettings, Replications, StrategyRow};
use gridsim_sim::{SimDuration, SimTime, Simulation};

use super::scenario::{AgentSpec, LoadedScenario, StrategySpec};
use gridsim_models::failure::{FailureParams, InitialState};

use gridsim_networks::dispatch::EconomicDispatch;
use gridsim_networks::opf::{DcOpf, DcOpfSettings, Penalties};

use super::scenario::{DispatchKind, FailingElement};
use super::world::{Agent, AgentModel, Dispatcher, FailureModel, GridModel, GridWorld, Tick};

/// SCE TOU-EV-4 (March 2019), shipped with the ACN data.
const TOU_EV_4: &str = include_str!("../../models/data/acn/sce_tou_ev_4_march_2019.json");

/// Shared, read-only inputs of every run of a study.
pub struct Study {
    scenario: LoadedScenario,
    case: Arc<gridsim_networks::Case>,
    net: Network,
    ev_data: Option<Arc<EvData>>,
    tariff: Arc<TouTariff>,
    /// Profile base loads (bus index, load), when the scenario has a load profile.
    base_loads: Option<Vec<(usize, ProfileLoad)>>,
    /// Profiles of profile agents, by agent name.
    profiles: std::collections::BTreeMap<String, Arc<Profile>>,
    /// Recorded sessions of session-replay EV fleets, by agent name.
    sessions: std::collections::BTreeMap<String, Arc<Vec<Session>>>,
    /// Failing elements: (model name, element, figures, initial state), in specification order.
    failing: Vec<(String, FailingElement, FailureParams, InitialState)>,
    /// CO2 rate of every generator, t/MWh (case order).
    co2_t_per_mwh: Arc<Vec<f64>>,
}

impl Study {
    /// Prepares the study of a checked scenario.
    pub fn new(scenario: LoadedScenario) -> Result<Study, String> {
        let net = Network::from_case(&scenario.case).map_err(|e| e.to_string())?;
        let needs_ev = scenario
            .scenario
            .agents
            .iter()
            .any(|a| matches!(a, AgentSpec::EvFleet { .. }));
        let ev_data = if needs_ev {
            Some(Arc::new(EvData::builtin().map_err(|e| e.to_string())?))
        } else {
            None
        };
        let tariff = Arc::new(
            TouTariff::parse(TOU_EV_4, "models/data/acn/sce_tou_ev_4_march_2019.json")
                .map_err(|e| e.to_string())?,
        );
        let mut failing = Vec::new();
        for spec in &scenario.scenario.failures {
            for (element, params) in spec.resolve(&scenario.case)? {
                // The stream of an element's process is named after the element, so adding
                // another failing element never changes its draws.
                let name = match element {
                    FailingElement::Gen(g) => {
                        format!("failure/gen/{}@{}", g + 1, scenario.case.gen.bus[g])
                    }
                    FailingElement::Branch(k) => format!(
                        "failure/branch/{}:{}-{}",
                        k + 1,
                        scenario.case.branch.from_bus[k],
                        scenario.case.branch.to_bus[k]
                    ),
                };
                if failing.iter().any(|(n, _, _, _)| *n == name) {
                    return Err(format!("failures: {name} is covered by two specifications"));
                }
                failing.push((name, element, params, spec.initial));
            }
        }
        let dir = scenario.dir.clone();
        let base_loads = match &scenario.scenario.load_profile {
            Some(lp) => {
                let p = Arc::new(lp.source.load(&dir, lp.utc_offset_h)?);
                let loads = ProfileLoad::per_bus(&scenario.case, p, &lp.areas, lp.scaling)
                    .map_err(|e| format!("load_profile: {e}"))?;
                let mut v = Vec::with_capacity(loads.len());
                for l in loads {
                    let l = l.with_alignment(lp.alignment);
                    let i = net
                        .bus_index(l.bus)
                        .ok_or_else(|| format!("load_profile: bus {} not in the case", l.bus))?;
                    v.push((i, l));
                }
                Some(v)
            }
            None => None,
        };
        let mut profiles = std::collections::BTreeMap::new();
        let mut sessions = std::collections::BTreeMap::new();
        for a in &scenario.scenario.agents {
            if let AgentSpec::EvSessions {
                name,
                sessions: source,
                ..
            } = a
            {
                let s = source
                    .load(&dir, scenario.start)
                    .map_err(|e| format!("agent {name:?}: sessions: {e}"))?;
                sessions.insert(name.clone(), Arc::new(s));
            }
            if let AgentSpec::Profile {
                name,
                source,
                utc_offset_h,
                ..
            } = a
            {
                let p = source.load(&dir, *utc_offset_h)?;
                profiles.insert(name.clone(), Arc::new(p));
            }
        }
        let co2_t_per_mwh = Arc::new(
            scenario
                .scenario
                .co2_rates(&scenario.case)
                .map_err(|m| m.join("; "))?,
        );
        Ok(Study {
            sessions,
            co2_t_per_mwh,
            base_loads,
            profiles,
            failing,
            case: Arc::new(scenario.case.clone()),
            scenario,
            net,
            ev_data,
            tariff,
        })
    }

    /// The scenario.
    pub fn scenario(&self) -> &LoadedScenario {
        &self.scenario
    }

    /// Runs replication `rep` of strategy `strategy`: its metrics in a fixed order; writes the
    /// per-step files `files` asks for.
    pub fn run_one(
        &self,
        rep: u64,
        strategy: &StrategySpec,
        files: &RunFiles,
    ) -> Result<Vec<(String, f64)>, String> {
        let sc = &self.scenario;
        let every = SimDuration::from_minutes(i64::from(sc.scenario.resolution_min));
        let n_steps = sc.n_steps();
        let merit_order = || -> Result<Box<EconomicDispatch>, String> {
            Ok(Box::new(
                EconomicDispatch::new(&self.net, &self.case)
                    .map_err(|e| format!("dispatch: {e}"))?,
            ))
        };
        let dispatch = match sc.scenario.dispatch {
            DispatchKind::CaseSetpoints => None,
            DispatchKind::Economic => Some(Dispatcher::MeritOrder(merit_order()?)),
            DispatchKind::DcOpf => {
                let settings = DcOpfSettings {
                    penalized: Some(Penalties::default()),
                    threads: 1,
                    ..DcOpfSettings::default()
                };
                Some(Dispatcher::DcOpf(
                    Box::new(
                        DcOpf::for_case(&self.case, &self.net, settings)
                            .map_err(|e| format!("dispatch: {e}"))?,
                    ),
                    merit_order()?,
                ))
            }
        };
        let world = GridWorld::new(
            self.case.clone(),
            self.net.clone(),
            sc.scenario.power_flow,
            dispatch,
            sc.start,
            sc.dt_s(),
            self.tariff.clone(),
        );
        let mut world = world;
        world.set_co2_rates(self.co2_t_per_mwh.clone());
        match sc.scenario.dispatch {
            DispatchKind::CaseSetpoints => {}
            DispatchKind::Economic => world.declare_sums(&["dispatch_failed_steps"]),
            DispatchKind::DcOpf => {
                world.declare_sums(&["dispatch_failed_steps", "opf_penalty_usd"])
            }
        }
        if self
            .failing
            .iter()
            .any(|f| matches!(f.1, FailingElement::Gen(_)))
        {
            world.declare_sums(&["gen_outage_h", "gen_outage_mwh"]);
        }
        if self
            .failing
            .iter()
            .any(|f| matches!(f.1, FailingElement::Branch(_)))
        {
            world.declare_sums(&["branch_outage_h"]);
        }
        if let Some(w) = files.writer(files.series, "series", &strategy.name, rep)? {
            world.stream_series(w)?;
        }
        if let Some(w) = files.writer(files.snapshots, "snapshots", &strategy.name, rep)? {
            world.stream_snapshots(w)?;
        }
        let mut sim: Simulation<GridWorld, Tick> = Simulation::new(world, sc.scenario.seed, rep);
        for spec in &sc.scenario.agents {
            let bus = self.net.bus_index(spec.bus()).ok_or_else(|| {
                format!(
                    "agent {:?}: bus {} not in the case",
                    spec.name(),
                    spec.bus()
                )
            })?;
            let (kind, agent) = self.agent(spec, strategy)?;
            let model = AgentModel {
                kind,
                bus,
                agent,
                every,
                n_steps,
                taken: 0,
            };
            sim.add_model(spec.name(), model)
                .map_err(|e| e.to_string())?;
        }
        if let Some(loads) = &self.base_loads {
            let model = AgentModel {
                kind: "base_load",
                bus: 0,
                agent: Agent::BaseLoads(loads.clone()),
                every,
                n_steps,
                taken: 0,
            };
            sim.add_model("base_loads", model)
                .map_err(|e| e.to_string())?;
        }
        for (name, element, params, initial) in &self.failing {
            let model = FailureModel {
                element: element.clone(),
                params: params.clone(),
                initial: *initial,
                process: None,
                every,
            };
            sim.add_model(name, model).map_err(|e| e.to_string())?;
        }
        sim.add_model("grid", GridModel { every })
            .map_err(|e| e.to_string())?;
        let end = SimTime::from_ms(0)
            .checked_add(SimDuration::from_ms(every.as_ms() * n_steps as i64))
            .ok_or("the horizon overflows the simulation clock")?;
        sim.run_until(end).map_err(|e| e.to_string())?;
        let (mut world, _) = sim.into_parts();
        world.finish_series()?;
        let mut m = world.into_metrics();
        if let (Some(req), Some(del)) =
            (m_get(&m, "ev_requested_kwh"), m_get(&m, "ev_delivered_kwh"))
        {
            m.set(
                "ev_delivered_pct",
                if req > 0.0 { 100.0 * del / req } else { 100.0 },
            );
        }
        Ok(m.into_pairs())
    }

    fn agent(
        &self,
        spec: &AgentSpec,
        strategy: &StrategySpec,
    ) -> Result<(&'static str, Agent), String> {
        let named = |e: gridsim_models::common::AgentError| format!("agent {:?}: {e}", spec.name());
        Ok(match spec {
            AgentSpec::EvFleet {
                fleet,
                arrivals,
                tou_tariff,
                ..
            } => {
                let mut fleet = fleet.clone();
                if let Some(c) = strategy.ev_controller {
                    fleet.controller = c;
                }
                let data = self.ev_data.as_ref().ok_or("EV data not loaded")?;
                let tariff = tou_tariff.then(|| self.tariff.clone());
                let f = EvFleet::generated(fleet, arrivals.clone(), data, tariff).map_err(named)?;
                ("ev", Agent::Ev(Box::new(f)))
            }
            AgentSpec::EvSessions {
                name,
                fleet,
                tou_tariff,
                ..
            } => {
                let mut fleet = fleet.clone();
                if let Some(c) = strategy.ev_controller {
                    fleet.controller = c;
                }
                let s = self
                    .sessions
                    .get(name)
                    .ok_or_else(|| format!("agent {name:?}: sessions not loaded"))?;
                let tariff = tou_tariff.then(|| self.tariff.clone());
                let f = EvFleet::replay(fleet, s.as_ref().clone(), tariff).map_err(named)?;
                ("ev", Agent::Ev(Box::new(f)))
            }
            AgentSpec::Pv { params, .. } => (
                "pv",
                Agent::Pv(Box::new(PvPlant::new(params.clone()).map_err(named)?)),
            ),
            AgentSpec::Wind { params, .. } => (
                "wind",
                Agent::Wind(Box::new(WindFarm::new(params.clone()).map_err(named)?)),
            ),
            AgentSpec::Battery { params, rule, .. } => {
                let rule = if strategy.batteries_idle {
                    None
                } else {
                    strategy
                        .battery_rule
                        .as_ref()
                        .or(rule.as_ref())
                        .map(super::scenario::RuleSpec::rule)
                };
                (
                    "battery",
                    Agent::Battery(Box::new(Battery::new(params.clone()).map_err(named)?), rule),
                )
            }
            AgentSpec::Profile {
                name,
                params,
                demand,
                ..
            } => {
                let p = self
                    .profiles
                    .get(name)
                    .ok_or_else(|| format!("agent {name:?}: profile not loaded"))?;
                (
                    "profile",
                    Agent::Profile(
                        Box::new(ProfileReplay::new(params.clone(), p.clone()).map_err(named)?),
                        *demand,
                    ),
                )
            }
            AgentSpec::SyntheticLoad { params, .. } => (
                "load",
                Agent::Load(Box::new(SyntheticLoad::new(params.clone()).map_err(named)?)),
            ),
        })
    }

    /// Runs replications `start..end` of every strategy with `threads` workers, streaming
    /// `replications.csv` to `out` in replication order and each run's per-step files as
    /// `files` asks (see [`Study::run_one`]).
    pub fn run(
        &self,
        start: u64,
        end: u64,
        threads: usize,
        files: &RunFiles,
        out: impl std::io::Write,
    ) -> Result<Replications, String> {
        let settings = MonteCarloSettings {
            threads,
            start,
            end,
            progress: true,
        };
        montecarlo::run(&settings, out, |rep| -> Result<Vec<StrategyRow>, String> {
            self.scenario
                .strategies
                .iter()
                .map(|s| {
                    Ok(StrategyRow::new(
                        s.name.clone(),
                        self.run_one(rep, s, files)?,
                    ))
                })
                .collect()
        })
        .map_err(|e| e.to_string())
    }
}

/// Per-step files of every run, written as the run goes into `dir`:
/// `series/<strategy>/rep<NNNNNN>.csv` (the step's figures, [`super::world::SERIES_HEADER`])
/// and `snapshots/<strategy>/rep<NNNNNN>.csv` (every bus's demand and every generator's
/// output as given to the power flow: the input `gridsim pf --snapshots` replays).
#[derive(Debug, Clone, Default)]
pub struct RunFiles {
    /// Folder of the study's outputs.
    pub dir: std::path::PathBuf,
    /// Write the time series.
    pub series: bool,
    /// Write the power-flow snapshots.
    pub snapshots: bool,
}

impl RunFiles {
    /// A CSV writer for `kind/<strategy>/rep<NNNNNN>.csv`, when `on`.
    fn writer(
        &self,
        on: bool,
        kind: &str,
        strategy: &str,
        rep: u64,
    ) -> Result<Option<csv::Writer<std::io::BufWriter<std::fs::File>>>, String> {
        if !on {
            return Ok(None);
        }
        let folder = self.dir.join(kind).join(strategy);
        std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        let path = folder.join(format!("rep{rep:06}.csv"));
        let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Some(csv::Writer::from_writer(std::io::BufWriter::new(
            file,
        ))))
    }
}

fn m_get(m: &super::world::Metrics, name: &str) -> Option<f64> {
    m.get(name)
}

/// Writes `summary.csv` for `table` into `dir`.
pub fn write_summary(table: &Replications, dir: &Path) -> Result<String, String> {
    let summary = table.summary();
    let path = dir.join("summary.csv");
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    summary
        .write_csv(std::io::BufWriter::new(file))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(summary.to_table())
}
