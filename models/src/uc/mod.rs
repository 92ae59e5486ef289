//! Unit commitment: PGLib-UC model, tight MILP on HiGHS, prices, independent checker.
//!
//! Types in [`model`] are independent of file formats ([`pglib`] is one reader) and of the
//! simulation kernel.
//!
//! # Model (PGLib-UC's MODEL.tex; file field in brackets)
//!
//! Periods `t = 1..T` \[`time_periods`\], demand `D(t)` \[`demand`\], spinning reserve `R(t)`
//! \[`reserves`\]. Thermal unit `g`: `P̲, P̄` \[`power_output_minimum/maximum`\], `RU, RD`
//! \[`ramp_up/down_limit`\], `SU, SD` \[`ramp_startup/shutdown_limit`\], `UT, DT`
//! \[`time_up/down_minimum`\], initial state `U⁰, UT⁰, DT⁰, P⁰` \[`unit_on_t0`, `time_up_t0`,
//! `time_down_t0`, `power_output_t0`\], must-run `U_g` \[`must_run`\], startup categories
//! `(TS^s, CS^s)` hottest first \[`startup`\], convex cost curve `(P^l, CP^l)` with `P¹ = P̲`,
//! `P^L = P̄` \[`piecewise_production`\]. Renewable `w`: `P̲_w(t) ≤ p_w(t) ≤ P̄_w(t)`.
//!
//! # Formulation (three-binary, tight; what [`solve`] builds)
//!
//! Variables per unit and period: `u, v, w ∈ {0,1}` (on, start, shut down), `p ≥ 0` output
//! above `P̲`, `r ≥ 0` reserve, `p_l ∈ [0, P^{l+1} − P^l]` per cost segment; per unit, a
//! matching variable `x(t', t) ∈ [0,1]` for each shutdown period `t'` (and the shutdown before
//! the horizon, at `1 − DT⁰`) and later startup period `t` with `DT ≤ t − t' < TS^S` whose
//! category is cheaper than the coldest. With `SU' = min(SU, P̄)`, `SD' = min(SD, P̄)`,
//! `k_up = min(RU, SU' − P̲)`, `k_dn = min(RD, SD' − P̲)`, `u(0) = U⁰`, `p(0) = U⁰(P⁰ − P̲)`.
//! Renewables cost nothing and meet only the balance, so they enter as one column per period,
//! their total `Σ_w p_w ∈ [Σ_w P̲_w(t), Σ_w P̄_w(t)]`, shared out in the schedule in proportion
//! to each unit's range `P̄_w(t) − P̲_w(t)`:
//!
//! ```text
//! min  Σ_g Σ_t [ Σ_l m_l p_l(t) + CP¹ u(t) + CS^S v(t) ] + Σ_g Σ_{t'<t} (CS^{s(t−t')} − CS^S) x(t', t)
//! Σ_g (p + P̲ u) + Σ_w p_w = D(t)                        (energy price = its dual)
//! Σ_g r ≥ R(t)                                           (reserve price = its dual)
//! u(t) − u(t−1) = v(t) − w(t)
//! Σ_{i=t−UT+1..t} v(i) ≤ u(t),  Σ_{i=t−DT+1..t} w(i) ≤ 1 − u(t)      (windows cut at t = 1)
//! u(t) = 1 for t ≤ UT − UT⁰ (on at t0), u(t) = 0 for t ≤ DT − DT⁰ (off at t0), u ≥ U_g
//! UT > 1: p + r ≤ (P̄−P̲)u − Σ_{i=0..UT−2} K_i v(t−i) − (P̄−SD')w(t+1)      (w(T+1) term dropped)
//!         p     ≤ (P̄−P̲)u − (P̄−SU')v(t) − Σ_{j=1..UT−1} L_j w(t+j)   (when some L_j > 0, j ≥ 2)
//! UT = 1: p + r ≤ (P̄−P̲)u − (P̄−SU')v(t) − (SU'−SD')⁺ w(t+1)
//!         p + r ≤ (P̄−P̲)u − (P̄−SD')w(t+1) − (SD'−SU')⁺ v(t)
//! p = Σ_l p_l,  p_l ≤ (P^{l+1}−P^l)u − Σ_{i=0..I} a_l(i) v(t−i) − Σ_{j=1..J} b_l(j) w(t+j)
//!         (a_l(i), b_l(j): part of segment l above P̲ + K'_i, P̲ + L'_j; I + J ≤ UT − 1, J ≥ 1;
//!         I = J − 1 = 0 and two rows when UT = 1)
//! p(t) + r(t) − p(t−1) ≤ RU u(t) − (RU − k_up) v(t) − [UT > 1] (RU − SD' + P̲)⁺ w(t+1)
//! p(t−1) − p(t) ≤ RD u(t−1) − (RD − k_dn) w(t) − [UT > 1] (RD − SU' + P̲)⁺ v(t−1)
//!         (for t ≥ 2 only when RU, resp. RD, is below P̄ − P̲: otherwise implied by the limits)
//! Σ_{t'} x(t', t) ≤ v(t),   Σ_t x(t', t) ≤ w(t')   (≤ 1 for the shutdown before the horizon)
//! ```
//!
//! `K'_i = SU' − P̲ + i·RU` and `L'_j = SD' − P̲ + (j−1)·RD` are the most a unit can produce
//! above `P̲` `i` periods after it started and `j` periods before it shuts down;
//! `K_i = (P̄ − P̲ − K'_i)⁺`, `L_j = (P̄ − P̲ − L'_j)⁺` (Pan and Guan's multi-period limits, as
//! in Knueven, Ostrowski and Watson's tightened production costs). A start in `t − i` and a
//! shutdown in `t + j` with `i + j < UT` cannot both happen, so each row holds at most one of
//! its events; the shutdown-side rows bound `p` alone because reserve is not ramped down.
//!
//! `m_l` is the slope of segment `l` and `s(k)` the startup category of an off time of `k`
//! hours: the `s` with `TS^s ≤ k < TS^{s+1}`, else the coldest `S`. The matching startup-cost
//! rows (Knueven, Ostrowski and Watson) pair each start with the shutdown before it and are
//! tighter than MODEL.tex's `δ^s(t) ≤ Σ_{i=TS^s}^{TS^{s+1}−1} w(t−i)`, which lets one shutdown
//! discount several starts in the LP relaxation.
//!
//! This is MODEL.tex's feasible set (its λ cost split equals the segment split on a convex
//! curve; its startup-category rules equal "the category of the actual off time" when the
//! hottest lag is at most the minimum down time, as in every PGLib-UC instance), written with
//! the tighter rows of Morales-España et al., Gentile et al., Damcı-Kurt et al. and Knueven,
//! Ostrowski and Watson that EGRET's "tight" model uses.
//!
//! Penalised mode adds per period shed `0 ≤ s ≤ D(t)` and surplus `e ≥ 0` to the balance at
//! [`UcPenalties::shed_usd_per_mwh`] and a shortfall `0 ≤ q ≤ R(t)` to the reserve row at
//! [`UcPenalties::reserve_shortfall_usd_per_mwh`].
//!
//! # Solve
//!
//! Root LP (its value gives the root gap; with a time limit it gets at most half of it;
//! solved on the model with identical units merged when there is one — see below — whose LP
//! has the same optimum and is about half the size), a warm start ([`WarmStart`]; by default
//! a MIP with every commitment the LP holds at 1 fixed on (on the merged model below, every
//! positive integer count), given at most 10 s of a time-limited solve, else the LP's
//! commitment rounded at several thresholds (a merged group's count filled member by
//! member), minimum up/down repaired, dispatched by LP; when the root LP did not finish, a
//! priority list that needs no LP — [`priority_list`] — which is then the schedule: the
//! MIP's own root LP would not finish in the other half of the limit, and HiGHS's presolve of
//! such a model overruns it), HiGHS's MIP with that start, then the dispatch LP with the
//! commitment fixed, whose duals are the prices and whose solution is the schedule returned
//! (reused from the start when HiGHS ends on the start's commitment). The bound reported is
//! the larger of HiGHS's and the root LP's, or, when neither exists, [`merit_order_bound`];
//! the status is the gap of the schedule returned (`Optimal` exactly when it is within the
//! requested gap, or 1e-6 $, up to a 1e-7 relative cost tolerance; the dispatch LP can reach
//! it when HiGHS stopped just short of it), and
//! [`UcResult`] carries each phase's time. HiGHS's optimality claim is checked: when its value
//! of the solution it returns disagrees with the solution's cost (HiGHS 1.16's presolve
//! aggregator can mis-map a start and prune cheaper schedules), the MIP is solved again with
//! that presolve rule off from the solution found, and a diagnostic says so.
//! [`dispatch_commitment`] dispatches a given commitment by one LP (the real-time dispatch
//! under a day-ahead commitment); a property test compares the MILP's optimum with a brute
//! force over every commitment of small generated instances built on it. An infeasible
//! instance is diagnosed by period-level capacity checks, or else by the periods in which the
//! penalised model sheds.
//!
//! A commitment given in [`UcSettings::start_commitment`] (a previous plan) is dispatched and
//! handed to HiGHS in place of the warm start when it admits a dispatch.
//!
//! # How tight the formulation is ([`lagrange`])
//!
//! Pricing the demand and reserve rows out at the root LP's duals leaves one MIP per unit;
//! their sum is the Lagrangian bound, which exceeds the LP value by exactly what the
//! formulation leaves between each unit's LP polytope and the convex hull of its schedules.
//! On the `rts_gmlc` days it equals the LP value to the cent, and a subgradient ascent from
//! there never rises above it: every unit's polytope is tight at those prices, and the root
//! gap is the coupling of the units through demand and reserve — which only branching (or
//! cuts across several units) can close, not any further per-unit row.
//!
//! # Identical units
//!
//! By default ([`UcSettings::aggregate_identical_units`]) the MIP is solved with each group of
//! identical units — equal data and equal initial state as the model sees it
//! ([`aggregate::identical_groups`]) — merged into one unit whose `u, v, w, x` count the
//! group's members (integers `0..=n`) and whose `p, r, p_l` sum their output: every row above
//! summed over the members, i.e. the same rows with `u⁰`, `p⁰`, the `1` of the minimum down
//! time and of the pre-horizon shutdown multiplied by `n`. That model is a relaxation of the
//! one above (its bound is valid) without the `n!` permutations of each group among which the
//! branch and bound would otherwise search. The counts are split back into 0/1 commitments
//! that respect each member's minimum times, restarts paired with the shutdowns the merged
//! matching chose, and the dispatch LP of the original units gives the schedule and its cost.
//! The merged model is exact for the commitment (minimum times) but only a relaxation for the
//! members' ramps and startup/shutdown limits: should the members' dispatch cost more than
//! the merged objective (or have none), the MIP over the individual units continues with the
//! time left, from the better of that schedule and the warm start, and the bound reported is
//! the larger of the two MIPs'. The LP relaxations of the two models have the same optimum:
//! a merged LP solution shared out equally among a group's members (`n` equal shares)
//! satisfies every member's rows, since each merged row is a sum of `n` equal member rows
//! with its constants scaled by `n`; so the root LP is solved on the merged model
//! (`rts_gmlc`: 1.7–1.9 s instead of 2.9–3.7 s); the sub-MIP start fixes counts on that
//! model directly, and the rounded start fills each count member by member. A property test (`uc_prop`) meets such instances among
//! generated ones (a few in a hundred) and checks that the optimum is the individual MIP's. Each `rts_gmlc` day has 56 of its 73 units in
//! 22 such groups.
//!
//! ```
//! use gridsim_models::uc::{pglib, solve, check::check_schedule, UcSettings, UcStatus};
//! let json = r#"{"time_periods": 2, "demand": [10, 20], "reserves": [0, 5],
//!  "thermal_generators": {"a": {"must_run": 0, "power_output_minimum": 5,
//!   "power_output_maximum": 30, "ramp_up_limit": 30, "ramp_down_limit": 30,
//!   "ramp_startup_limit": 30, "ramp_shutdown_limit": 30, "time_up_minimum": 1,
//!   "time_down_minimum": 1, "power_output_t0": 10, "unit_on_t0": 1, "time_up_t0": 3,
//!   "time_down_t0": 0, "startup": [{"lag": 1, "cost": 5}],
//!   "piecewise_production": [{"mw": 5, "cost": 50}, {"mw": 30, "cost": 300}]}},
//!  "renewable_generators": {}}"#;
//! let inst = pglib::read_str(json, "example.json").unwrap();
//! let r = solve(&inst, &UcSettings::default()).unwrap();
//! assert_eq!(r.status, UcStatus::Optimal);
//! // Two periods on: no-load 2 × 50 $, production 10 $/MWh × (5 + 15) MW.
//! assert!((r.objective_usd.unwrap() - 300.0).abs() < 1e-6);
//! assert!(check_schedule(&inst, r.schedule.as_ref().unwrap(), None).is_ok());
//! ```

pub mod aggregate;
pub mod check;
mod diagnose;
pub mod error;
mod formulation;
pub mod lagrange;
pub mod model;
pub mod pglib;
pub mod settings;
mod solve;

pub use check::{check_schedule, CheckReport};
pub use diagnose::capacity_diagnosis;
pub use error::UcError;
pub use lagrange::{lagrangian_bound, Ascent, LagrangianBound};
pub use model::{
    CostBreakdown, CostPoint, RenewableUnit, StartupCategory, ThermalUnit, UcInstance, UcSchedule,
};
pub use settings::{RootLpSolver, UcPenalties, UcSettings, WarmStart};
pub use solve::{
    dispatch_commitment, lp_relaxation, merit_order_bound, priority_list, solve, UcRelaxation,
    UcResult, UcStatus,
};
