//! DC optimal power flow and economic dispatch on HiGHS, MATPOWER's DC OPF formulation.
//!
//! # Formulation
//!
//! Variables, per-unit on `baseMVA`: the angle `θ_i` of every bus of an energised island
//! (every type-3 bus fixed at the case's angle, as MATPOWER; an island without one has the
//! reference [`crate::topology::Topology`] chose fixed instead) and the output `Pg_g` of every
//! connected generator. With `Bbus`, `Bf`, `Pbusinj`, `Pfinj` from [`crate::ybus::DcMatrices`]
//! (MATPOWER's `makeBdc`) and `Cg` the generator–bus incidence:
//!
//! ```text
//! minimise    Σ_g cost_g(baseMVA · Pg_g)                                   ($/h)
//! subject to  Bbus θ + Pbusinj + Pd + Gs = Cg Pg                           (λ, nodal balance)
//!             −rateA_k/baseMVA ≤ (Bf θ + Pfinj)_k ≤ rateA_k/baseMVA        (μ_k, 0 < rateA < 1e10)
//!             angmin_k ≤ θ_f − θ_t ≤ angmax_k                              (MATPOWER's rule below)
//!             Pmin_g ≤ Pg_g ≤ Pmax_g
//! ```
//!
//! - Polynomial costs `c2 P² + c1 P + c0` (P in MW) give a convex QP (`Q = 2 c2 baseMVA²` on
//!   the diagonal); a polynomial of degree above 2 is refused at setup, as MATPOWER's DC OPF
//!   refuses it (only non-zero coefficients count: `0 P³ + …` is quadratic). The constant terms
//!   `c0` of every connected generator are included in the objective, as in MATPOWER's `f`.
//! - Piecewise-linear costs use MATPOWER's constrained cost variable: one variable `y_g` per
//!   generator, `y_g ≥ m_j (baseMVA·Pg_g − x_j) + c_j` for each segment `j`, and `y_g` in the
//!   objective. (A non-convex curve is thereby replaced by the maximum of its segment lines.)
//! - Angle-difference limits follow MATPOWER's `makeAang`: branch `k` is limited when
//!   `ANGMIN ≠ 0 and ANGMIN > −360°` or `ANGMAX ≠ 0 and ANGMAX < 360°`; a side equal to 0 is
//!   unlimited.
//! - Prices: `LMP_i = ∂f/∂Pd_i`, in $/MWh, i.e. the balance dual divided by `baseMVA`
//!   (MATPOWER's `LAM_P`); the rating shadow price `μ_k` likewise ($/MWh per MW), signed by the
//!   direction that binds.
//!
//! De-energised islands (no connected generator) are not in the model: in strict mode their
//! load makes the problem infeasible (diagnosed before any solve); with [`Penalties`] it is
//! shed. Penalised mode adds, per bus, a shedding variable `0 ≤ s_i ≤ max(Pd_i + Gs_i, 0)` at
//! the value of lost load and a spill variable `0 ≤ c_i ≤ Σ max(Pmin_g, 0) + max(−Pd_i − Gs_i, 0)`
//! at the curtailment price, and (optionally) overload slacks on the ratings.
//!
//! Economic dispatch ([`EconomicDispatch`]) is the same problem without ratings or angle
//! limits: one copper plate per island, whose single price is the island's system lambda.
//!
//! # Solver
//!
//! HiGHS through its C API (see `highs.rs`) for linear and piecewise-linear costs (dual
//! simplex); quadratic costs as below.
//!
//! - Angles enter the model scaled, `φ_i = d_i θ_i` with `d_i` the bus's total series
//!   susceptance, so that every column has coefficients of order one (without it the QP solver
//!   fails on case300's 2,000 p.u. branches).
//! - The objective is scaled to $/h per MW (costs in $/MWh, VOLL 10⁴), so HiGHS's default
//!   tolerances (1e-7) give objective, dispatch and prices matching MATPOWER to ~1e-12
//!   relative, 1e-7 MW and 1e-8 $/MWh; tighter tolerances only stall the dual simplex on
//!   penalised cases.
//! - A QP is solved by the crate's interior-point method ([`QpMethod::InteriorPoint`], see
//!   `ipm.rs`), then *polished*: one exact KKT solve on the active set it identifies (the
//!   crate's sparse LU, iterative refinement), accepted only when every optimality condition
//!   holds to 1e-9; at a degenerate optimum the interior point (KKT residuals ≤ 1e-10) is
//!   kept. HiGHS's active-set QP solver ([`QpMethod::HighsActiveSet`], or the fallback when
//!   the interior point stalls) is polished the same way. Unpolished, its iterates were off by
//!   up to 1e-2 $/MWh (case_ACTIVSg2000), ended in "solve errors" over 1e-9 residuals
//!   (case118, case300), or cycled for minutes on penalised cases.
//! - A [`DcOpf`] keeps its HiGHS instance and its assembled model between solves: when only
//!   bounds changed (loads, generator limits, ratings, reference angles), only bounds are
//!   passed, and an LP hot-starts from HiGHS's last basis (case9241pegase: 15–400 ms instead of
//!   2–6 s). A QP is solved afresh each time (the interior point does not warm-start).
//! - HiGHS keeps one thread pool per OS thread, sized at its first solve there; a solve asking
//!   for another `threads` resets it. The simplex and QP solvers used are serial, so results do
//!   not depend on the thread count.
//!
//! # Outcomes
//!
//! A solve returns a [`DcOpfResult`] whose [`OpfStatus`] is `Optimal`, `Infeasible`,
//! `Unbounded`, `TimeLimit`, `SolverError` or `InvalidInput`, never a panic. `Infeasible` comes
//! with a diagnosis in `diagnostics`: per island, load against the connected generators'
//! limits (`"island of buses 5, 6: load 90 MW, no generation"`,
//! `"island of 24 buses (…): load 3,100 MW above capacity 2,900 MW"`); if every island has the
//! capacity, the transfer limits that cannot all hold, found by re-solving with every rating
//! and angle limit relaxed by a penalised slack.

pub(crate) mod cost;
mod dcopf;
pub mod highs;
mod ipm;
mod model;
mod polish;
mod result;
mod settings;

pub use dcopf::{DcOpf, EconomicDispatch};
pub use highs::HighsOptionValue;
pub use result::{DcOpfResult, OpfStatus};
pub use settings::{DcOpfSettings, Penalties, QpMethod};
