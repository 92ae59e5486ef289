//! Two-state failure/repair processes from MTTF/MTTR, and RTS-GMLC's reliability table.
//!
//! A component alternates between *up* and *down*. Times to failure are drawn from a Weibull law
//! of shape k_f with mean MTTF (k_f = 1: exponential), times to repair likewise with shape k_r and
//! mean MTTR; the Weibull scale for mean m is m/Γ(1 + 1/k). The long-run unavailability of this
//! alternating renewal process is U = MTTR/(MTTF + MTTR) whatever the shapes, and with
//! exponential times the process is the two-state Markov chain with failure rate 1/MTTF and
//! repair rate 1/MTTR.
//!
//! A process starts either in service with a fresh time to failure ([`InitialState::InService`])
//! or in its long-run (stationary) state ([`InitialState::Stationary`]): down with probability
//! U, and the time to the first transition drawn from the equilibrium residual-life law of the
//! current state — the forward recurrence time of a renewal process, whose density is
//! `(1 − F(x))/m` for a law F of mean m. For a Weibull law of scale λ and shape k it is sampled
//! exactly as `V·L`, V uniform on (0, 1) and L the length-biased life `λ·G^{1/k}` with
//! G ~ Gamma(1 + 1/k, 1); for k = 1 this is again the exponential law (memorylessness). A
//! stationary start makes every instant of the horizon statistically alike, so annual indices
//! (LOLE, EENS, unit-hours out) carry no start-up bias; starting in service understates them
//! over the first few MTTRs.
//!
//! The process exposes the time of its next transition (for an event kernel) and can be advanced
//! over a step (for a time-stepped loop), reporting every transition inside the step and the
//! time spent down.

use crate::common::{AgentError, StepTime, Validator};
use rand::Rng;
use rand_distr::{Distribution, Gamma, Weibull};
use serde::Deserialize;

/// Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error < 1e-13 on the range used here).
pub fn gamma(x: f64) -> f64 {
    const P: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    let x = x - 1.0;
    let a = P[0] + (1..9).map(|i| P[i] / (x + i as f64)).sum::<f64>();
    let t = x + 7.5;
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
}

/// Parameters of one component's failure process.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureParams {
    /// Mean time to failure, h.
    pub mttf_h: f64,
    /// Mean time to repair, h.
    pub mttr_h: f64,
    /// Weibull shape of the time to failure (default 1: exponential).
    #[serde(default = "one")]
    pub failure_shape: f64,
    /// Weibull shape of the time to repair (default 1: exponential).
    #[serde(default = "one")]
    pub repair_shape: f64,
}

fn one() -> f64 {
    1.0
}

impl FailureParams {
    /// Reports every impossible value, naming the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        let mut v = Validator::new("failure");
        v.positive("mttf_h", self.mttf_h);
        v.positive("mttr_h", self.mttr_h);
        v.in_range("failure_shape", self.failure_shape, 0.1, 20.0);
        v.in_range("repair_shape", self.repair_shape, 0.1, 20.0);
        v.finish()
    }

    /// Long-run unavailability MTTR/(MTTF + MTTR).
    pub fn unavailability(&self) -> f64 {
        self.mttr_h / (self.mttf_h + self.mttr_h)
    }
}

/// State of a failure process at the start of the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialState {
    /// In service, with a fresh time to failure.
    InService,
    /// Drawn from the process's long-run distribution (module docs).
    #[default]
    Stationary,
}

/// One change of state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// When, s since the start.
    pub t_s: f64,
    /// State after the transition (true = in service).
    pub up: bool,
}

/// What a component did over one step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FailureOutput {
    /// In service at the end of the step.
    pub in_service: bool,
    /// Transitions inside the step, in time order.
    pub transitions: Vec<Transition>,
    /// Time spent out of service in the step, s.
    pub down_s: f64,
}

/// A two-state failure/repair process.
#[derive(Debug, Clone)]
pub struct FailureProcess {
    up: bool,
    next_s: f64,
    to_failure: Weibull<f64>,
    to_repair: Weibull<f64>,
}

fn invalid_law(what: &str, found: String) -> AgentError {
    AgentError::InvalidParameters(vec![crate::common::ParamProblem {
        field: "failure".into(),
        found,
        expected: format!("a valid {what}"),
    }])
}

/// The Weibull law of mean `mean_h` hours and `shape`, in seconds, and its scale.
fn weibull_with_mean(mean_h: f64, shape: f64) -> Result<(Weibull<f64>, f64), AgentError> {
    let scale_s = mean_h * 3600.0 / gamma(1.0 + 1.0 / shape);
    Weibull::new(scale_s, shape)
        .map(|w| (w, scale_s))
        .map_err(|e| {
            invalid_law(
                &format!("Weibull law ({e})"),
                format!("scale {scale_s} s, shape {shape}"),
            )
        })
}

/// A draw of the equilibrium residual life of a Weibull(scale, shape) renewal process (module
/// docs).
fn residual_life_s((scale_s, shape): (f64, f64), rng: &mut impl Rng) -> Result<f64, AgentError> {
    let g = Gamma::new(1.0 + 1.0 / shape, 1.0)
        .map_err(|e| invalid_law(&format!("Gamma law ({e})"), format!("shape {shape}")))?;
    let life = scale_s * g.sample(rng).powf(1.0 / shape);
    let v: f64 = rng.random();
    Ok(v * life)
}

impl FailureProcess {
    /// A component in service at time `start_s`, its first failure drawn from `rng`.
    pub fn new(
        params: &FailureParams,
        start_s: f64,
        rng: &mut impl Rng,
    ) -> Result<Self, AgentError> {
        Self::starting(params, start_s, InitialState::InService, rng)
    }

    /// A component whose state at `start_s` is `initial` (module docs), drawn from `rng`.
    pub fn starting(
        params: &FailureParams,
        start_s: f64,
        initial: InitialState,
        rng: &mut impl Rng,
    ) -> Result<Self, AgentError> {
        params.validate()?;
        let (to_failure, f_scale) = weibull_with_mean(params.mttf_h, params.failure_shape)?;
        let (to_repair, r_scale) = weibull_with_mean(params.mttr_h, params.repair_shape)?;
        let failure_law = (f_scale, params.failure_shape);
        let repair_law = (r_scale, params.repair_shape);
        let (up, first_s) = match initial {
            InitialState::InService => (true, to_failure.sample(rng)),
            InitialState::Stationary => {
                let down = rng.random::<f64>() < params.unavailability();
                let law = if down { repair_law } else { failure_law };
                (!down, residual_life_s(law, rng)?)
            }
        };
        Ok(Self {
            up,
            next_s: start_s + first_s,
            to_failure,
            to_repair,
        })
    }

    /// In service now.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Time of the next transition, s since the start.
    pub fn next_transition_s(&self) -> f64 {
        self.next_s
    }

    /// Performs the pending transition and draws the one after; returns it.
    pub fn transition(&mut self, rng: &mut impl Rng) -> Transition {
        let t_s = self.next_s;
        self.up = !self.up;
        let d = if self.up {
            self.to_failure.sample(rng)
        } else {
            self.to_repair.sample(rng)
        };
        self.next_s = t_s + d;
        Transition { t_s, up: self.up }
    }

    /// Advances over [t, t + dt_s), performing every transition inside it.
    pub fn step(&mut self, t: &StepTime, dt_s: f64, rng: &mut impl Rng) -> FailureOutput {
        let end = t.t_s + dt_s.max(0.0);
        let mut out = FailureOutput::default();
        let mut since = t.t_s;
        while self.next_s < end {
            let was_up = self.up;
            let tr = self.transition(rng);
            if !was_up {
                out.down_s += tr.t_s.max(t.t_s) - since;
            }
            since = tr.t_s.max(t.t_s);
            out.transitions.push(tr);
        }
        if !self.up {
            out.down_s += end - since;
        }
        out.in_service = self.up;
        out
    }
}

/// Kind of element in a reliability table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ElementKind {
    /// A generator.
    Gen,
    /// A line or transformer.
    Branch,
}

/// One row of a reliability table.
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityEntry {
    /// Element kind.
    pub kind: ElementKind,
    /// Element name (RTS-GMLC `GEN UID` or branch `UID`).
    pub uid: String,
    /// Generator bus, or branch from-bus.
    pub from_bus: u32,
    /// Branch to-bus (`None` for generators).
    pub to_bus: Option<u32>,
    /// Failure process parameters (exponential).
    pub params: FailureParams,
}

/// A table `kind,uid,from_bus,to_bus,mttf_h,mttr_h`, as shipped for RTS-GMLC.
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityTable {
    /// Rows in file order.
    pub entries: Vec<ReliabilityEntry>,
}

impl ReliabilityTable {
    /// RTS-GMLC's generator and branch figures shipped in `models/data/rts-gmlc/reliability.csv`.
    pub fn rts_gmlc() -> Result<Self, AgentError> {
        Self::parse(
            include_str!("../data/rts-gmlc/reliability.csv"),
            "reliability.csv",
        )
    }

    /// Parses the table; `file` names the source in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, AgentError> {
        let err = |line: u64, column: u64, expected: &str, found: &str| AgentError::Data {
            file: file.into(),
            line,
            column,
            expected: expected.into(),
            found: found.into(),
        };
        let mut lines = text.lines().enumerate();
        let head = lines.next().map(|(_, l)| l.trim()).unwrap_or("");
        if head != "kind,uid,from_bus,to_bus,mttf_h,mttr_h" {
            return Err(err(
                1,
                1,
                "header `kind,uid,from_bus,to_bus,mttf_h,mttr_h`",
                &format!("`{head}`"),
            ));
        }
        let mut entries = Vec::new();
        for (i, line) in lines {
            let ln = i as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() != 6 {
                return Err(err(
                    ln,
                    f.len() as u64 + 1,
                    "6 fields",
                    &f.len().to_string(),
                ));
            }
            let kind = match f[0] {
                "gen" => ElementKind::Gen,
                "branch" => ElementKind::Branch,
                other => return Err(err(ln, 1, "`gen` or `branch`", &format!("`{other}`"))),
            };
            let from_bus = f[2]
                .parse()
                .map_err(|_| err(ln, 3, "a bus number", &format!("`{}`", f[2])))?;
            let to_bus = match (kind, f[3]) {
                (ElementKind::Gen, "") => None,
                (_, s) => Some(
                    s.parse()
                        .map_err(|_| err(ln, 4, "a bus number", &format!("`{s}`")))?,
                ),
            };
            let num = |c: usize| -> Result<f64, AgentError> {
                f[c].parse::<f64>()
                    .ok()
                    .filter(|v| *v > 0.0)
                    .ok_or_else(|| {
                        err(
                            ln,
                            c as u64 + 1,
                            "a positive number of hours",
                            &format!("`{}`", f[c]),
                        )
                    })
            };
            let params = FailureParams {
                mttf_h: num(4)?,
                mttr_h: num(5)?,
                failure_shape: 1.0,
                repair_shape: 1.0,
            };
            entries.push(ReliabilityEntry {
                kind,
                uid: f[1].to_string(),
                from_bus,
                to_bus,
                params,
            });
        }
        Ok(Self { entries })
    }

    /// Entries of generators at `bus`, in file order.
    pub fn gens_at(&self, bus: u32) -> Vec<&ReliabilityEntry> {
        self.entries
            .iter()
            .filter(|e| e.kind == ElementKind::Gen && e.from_bus == bus)
            .collect()
    }

    /// Entries of branches between `a` and `b` (either direction), in file order.
    pub fn branches_between(&self, a: u32, b: u32) -> Vec<&ReliabilityEntry> {
        self.entries
            .iter()
            .filter(|e| {
                e.kind == ElementKind::Branch
                    && ((e.from_bus == a && e.to_bus == Some(b))
                        || (e.from_bus == b && e.to_bus == Some(a)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Fraction of `n` processes down at each of `at_h`.
    fn fraction_down(
        params: &FailureParams,
        initial: InitialState,
        at_h: &[f64],
        n: usize,
    ) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut down = vec![0usize; at_h.len()];
        for _ in 0..n {
            let mut p = FailureProcess::starting(params, 0.0, initial, &mut rng).unwrap();
            for (k, &h) in at_h.iter().enumerate() {
                while p.next_transition_s() <= h * 3600.0 {
                    p.transition(&mut rng);
                }
                down[k] += usize::from(!p.is_up());
            }
        }
        down.iter().map(|&d| d as f64 / n as f64).collect()
    }

    #[test]
    fn a_stationary_start_is_unavailable_with_probability_u_at_every_instant() {
        // U = 25 / (100 + 25) = 0.2; with 20,000 processes the fraction down has σ = 0.0028:
        // every instant within 4σ = 0.0113 of U, for exponential and non-exponential laws.
        let at_h = [0.0, 12.0, 37.0, 150.0, 500.0];
        for (fs, rs) in [(1.0, 1.0), (2.0, 3.0), (0.7, 1.5)] {
            let params = FailureParams {
                mttf_h: 100.0,
                mttr_h: 25.0,
                failure_shape: fs,
                repair_shape: rs,
            };
            for (h, f) in at_h.iter().zip(fraction_down(
                &params,
                InitialState::Stationary,
                &at_h,
                20_000,
            )) {
                assert!(
                    (f - 0.2).abs() < 0.0113,
                    "shapes ({fs}, {rs}) at {h} h: {f}"
                );
            }
        }
        // Starting in service is biased low early on: at 12 h (exponential) P(down) =
        // U(1 − e^{−(λ+μ)t}) = 0.2·(1 − e^{−0.05·12}) = 0.0902 (σ = 0.0020; 4σ = 0.0081).
        let params = FailureParams {
            mttf_h: 100.0,
            mttr_h: 25.0,
            failure_shape: 1.0,
            repair_shape: 1.0,
        };
        let f = fraction_down(&params, InitialState::InService, &[12.0], 20_000)[0];
        assert!((f - 0.0902).abs() < 0.0081, "{f}");
    }

    #[test]
    fn gamma_known_values() {
        // Γ(5) = 24, Γ(1.5) = √π/2, Γ(0.5) = √π.
        assert!((gamma(5.0) - 24.0).abs() < 1e-11);
        assert!((gamma(1.5) - std::f64::consts::PI.sqrt() / 2.0).abs() < 1e-14);
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-13);
    }

    /// Unavailability over 10⁷ h (≈ 20,000 cycles of 500 h): the estimator's standard deviation
    /// is ≈ 0.0009 for exponential times (delta method: √(0.81·50² + 0.01·450²)/500/√20000), so
    /// the tolerance 0.005 on U = 50/500 = 0.1 is over 5σ. Same with Weibull shapes 2 and 1.5.
    #[test]
    fn steady_state_unavailability() {
        for (kf, kr) in [(1.0, 1.0), (2.0, 1.5)] {
            let p = FailureParams {
                mttf_h: 450.0,
                mttr_h: 50.0,
                failure_shape: kf,
                repair_shape: kr,
            };
            let mut rng = ChaCha8Rng::seed_from_u64(17);
            let mut f = FailureProcess::new(&p, 0.0, &mut rng).unwrap_or_else(|e| panic!("{e}"));
            let (dt, n) = (3600.0 * 24.0, 10_000_000 / 24);
            let mut down = 0.0;
            let mut t = StepTime::new(chrono::DateTime::UNIX_EPOCH, 0.0);
            for _ in 0..n {
                down += f.step(&t, dt, &mut rng).down_s;
                t = t.advanced(dt);
            }
            let u = down / (n as f64 * dt);
            assert!(
                (u - p.unavailability()).abs() < 0.005,
                "shapes {kf}/{kr}: U = {u}"
            );
        }
    }

    #[test]
    fn step_accounts_down_time_by_hand() {
        let p = FailureParams {
            mttf_h: 1.0,
            mttr_h: 1.0,
            failure_shape: 1.0,
            repair_shape: 1.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut f = FailureProcess::new(&p, 0.0, &mut rng).unwrap_or_else(|e| panic!("{e}"));
        // Walk transitions by hand and compare the step's account over a long step.
        let mut g = f.clone();
        let mut rng2 = rng.clone();
        let end = 50.0 * 3600.0;
        let (mut down, mut last, mut up) = (0.0, 0.0, true);
        while g.next_transition_s() < end {
            let tr = g.transition(&mut rng2);
            if !up {
                down += tr.t_s - last;
            }
            last = tr.t_s;
            up = tr.up;
        }
        if !up {
            down += end - last;
        }
        let o = f.step(
            &StepTime::new(chrono::DateTime::UNIX_EPOCH, 0.0),
            end,
            &mut rng,
        );
        assert!((o.down_s - down).abs() < 1e-6);
        assert_eq!(o.in_service, up);
    }

    #[test]
    fn rts_gmlc_table() {
        let t = ReliabilityTable::rts_gmlc().unwrap_or_else(|e| panic!("{e}"));
        // gen.csv: 101_CT_1 MTTF 450 h, MTTR 50 h; branch.csv A1 101–102: 0.24 outages/yr, 16 h.
        let g = t.gens_at(101);
        assert_eq!(g[0].uid, "101_CT_1");
        assert_eq!((g[0].params.mttf_h, g[0].params.mttr_h), (450.0, 50.0));
        let b = t.branches_between(102, 101);
        assert_eq!(b[0].uid, "A1");
        assert!((b[0].params.mttf_h - (8760.0 / 0.24 - 16.0)).abs() < 1e-2);
        assert_eq!(b[0].params.mttr_h, 16.0);
        let e = ReliabilityTable::parse(
            "kind,uid,from_bus,to_bus,mttf_h,mttr_h\ngen,x,1,,-3,2\n",
            "r.csv",
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("r.csv:2:5: expected a positive number of hours, found `-3`")
        );
    }
}
