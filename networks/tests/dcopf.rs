//! DC OPF and economic dispatch: hand-checked 3-bus cases, every status forced, reuse across
//! solves, and the 16 MATPOWER reference solutions.

use gridsim_networks::opf::{
    DcOpf, DcOpfSettings, EconomicDispatch, HighsOptionValue, OpfStatus, Penalties, QpMethod,
};
use gridsim_networks::{matpower, Case, Network};

/// A 3-bus triangle (every line x = 0.1 p.u., base 100 MVA): G1 at bus 1 (reference), G2 at
/// bus 2, load at bus 3. `rates` are the MVA ratings of lines 1–2, 1–3, 2–3 (0 = unlimited);
/// `gencost` rows are written verbatim.
fn tri(load_mw: f64, rates: [f64; 3], pmax: [f64; 2], gencost: &str) -> Case {
    let text = format!(
        "function mpc = tri\n\
         mpc.version = '2';\n\
         mpc.baseMVA = 100;\n\
         mpc.bus = [\n\
         1 3 0 0 0 0 1 1 0 230 1 1.1 0.9;\n\
         2 2 0 0 0 0 1 1 0 230 1 1.1 0.9;\n\
         3 1 {load_mw} 0 0 0 1 1 0 230 1 1.1 0.9;\n\
         ];\n\
         mpc.gen = [\n\
         1 0 0 100 -100 1 100 1 {p1} 0;\n\
         2 0 0 100 -100 1 100 1 {p2} 0;\n\
         ];\n\
         mpc.branch = [\n\
         1 2 0 0.1 0 {r12} 0 0 0 0 1 -360 360;\n\
         1 3 0 0.1 0 {r13} 0 0 0 0 1 -360 360;\n\
         2 3 0 0.1 0 {r23} 0 0 0 0 1 -360 360;\n\
         ];\n\
         mpc.gencost = [\n{gencost}\n];\n",
        p1 = pmax[0],
        p2 = pmax[1],
        r12 = rates[0],
        r13 = rates[1],
        r23 = rates[2],
    );
    matpower::parse_str(&text, "tri.m").expect("3-bus case parses")
}

const LINEAR_10_30: &str = "2 0 0 2 10 0;\n2 0 0 2 30 0;";

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn solve(case: &Case, settings: DcOpfSettings) -> gridsim_networks::opf::DcOpfResult {
    let net = Network::from_case(case).expect("compiles");
    let mut opf = DcOpf::for_case(case, &net, settings).expect("opf setup");
    opf.solve(&net)
}

/// Line 1–3 rated 80 MW binds. With G1 = a, G2 = 150 − a, the flow on 1–3 is
/// 2/3·a + 1/3·(150 − a) = 50 + a/3 ≤ 80, so a = 90, G2 = 60, cost 10·90 + 30·60 = 2,700 $/h.
/// Prices: bus 1 = 10 (G1 marginal), bus 2 = 30 (G2 marginal); one more MW at bus 3 must come
/// as −1 MW of G1 and +2 MW of G2: 50 $/MWh. One more MW of rating on 1–3 lets G1 take 3 MW
/// from G2: the shadow price is 3·(30 − 10) = 60 $/MWh per MW. θ3 = −0.8 p.u. · 0.1 = −0.08 rad.
#[test]
fn dcopf_binding_line_separates_prices_as_computed_by_hand() {
    let case = tri(150.0, [0.0, 80.0, 0.0], [200.0, 200.0], LINEAR_10_30);
    let r = solve(&case, DcOpfSettings::default());
    assert_eq!(r.status, OpfStatus::Optimal, "{:?}", r.diagnostics);
    assert!(
        close(r.objective_usd_per_h, 2700.0, 1e-6),
        "{}",
        r.objective_usd_per_h
    );
    assert!(
        close(r.pg_mw[0], 90.0, 1e-6) && close(r.pg_mw[1], 60.0, 1e-6),
        "{:?}",
        r.pg_mw
    );
    let lmp = &r.lmp_usd_per_mwh;
    assert!(
        close(lmp[0], 10.0, 1e-6) && close(lmp[1], 30.0, 1e-6) && close(lmp[2], 50.0, 1e-6),
        "{lmp:?}"
    );
    assert!(close(r.branch_pf_mw[1], 80.0, 1e-6), "{:?}", r.branch_pf_mw);
    assert!(
        close(r.branch_mu_usd_per_mwh[1], 60.0, 1e-6),
        "{:?}",
        r.branch_mu_usd_per_mwh
    );
    assert_eq!(r.branch_mu_usd_per_mwh[0], 0.0);
    assert!(
        close(r.va_deg[2], (-0.08f64).to_degrees(), 1e-9),
        "{:?}",
        r.va_deg
    );
    assert_eq!(r.va_deg[0], 0.0);
}

/// The same case with the limit reversed (load at bus 3 fed through 3→1 is impossible, so
/// instead rate line 2–3 and check the sign convention of a to→from binding limit): G2 is
/// cheap, so flow 2→3 binds; the shadow price of a to→from limit is negative.
#[test]
fn dcopf_shadow_price_sign_follows_the_binding_direction() {
    let case = tri(
        150.0,
        [0.0, 0.0, 80.0],
        [200.0, 200.0],
        "2 0 0 2 30 0;\n2 0 0 2 10 0;",
    );
    let r = solve(&case, DcOpfSettings::default());
    assert_eq!(r.status, OpfStatus::Optimal);
    // By symmetry with the first test: G2 = 90, G1 = 60, flow 2→3 = 80 (from end is bus 2).
    assert!(close(r.pg_mw[1], 90.0, 1e-6), "{:?}", r.pg_mw);
    assert!(
        close(r.branch_mu_usd_per_mwh[2], 60.0, 1e-6),
        "{:?}",
        r.branch_mu_usd_per_mwh
    );
    // Reverse the branch's orientation in the case: the same flow is now to→from.
    let mut rev = case.clone();
    rev.branch.from_bus[2] = 3;
    rev.branch.to_bus[2] = 2;
    let r2 = solve(&rev, DcOpfSettings::default());
    assert!(
        close(r2.branch_pf_mw[2], -80.0, 1e-6),
        "{:?}",
        r2.branch_pf_mw
    );
    assert!(
        close(r2.branch_mu_usd_per_mwh[2], -60.0, 1e-6),
        "{:?}",
        r2.branch_mu_usd_per_mwh
    );
    assert!(close(r2.objective_usd_per_h, r.objective_usd_per_h, 1e-6));
}

/// An angle-difference limit θ1 − θ3 ≤ 4° on line 1–3 (x = 0.1) caps its flow at
/// 4°·π/180 / 0.1 = 0.69813 p.u.: with G1 = a, 50 + a/3 ≤ 69.813 MW gives a = 59.4395 MW and
/// a cost of 10 a + 30 (150 − a) = 4,500 − 20 a. ANGMIN = −360° is kept as given (MATPOWER).
#[test]
fn dcopf_angle_difference_limit_binds_like_a_rating() {
    let mut case = tri(150.0, [0.0; 3], [200.0, 200.0], LINEAR_10_30);
    case.branch.angmax_deg[1] = 4.0;
    let r = solve(&case, DcOpfSettings::default());
    assert_eq!(r.status, OpfStatus::Optimal);
    let cap_mw = 4f64.to_radians() / 0.1 * 100.0;
    let a = 3.0 * (cap_mw - 50.0);
    assert!(close(r.pg_mw[0], a, 1e-6), "{:?} vs {a}", r.pg_mw);
    assert!(close(r.objective_usd_per_h, 4500.0 - 20.0 * a, 1e-6));
    assert!(
        close(r.va_deg[0] - r.va_deg[2], 4.0, 1e-9),
        "{:?}",
        r.va_deg
    );
    // Without angle limits (or with ANGMAX = 0, "no limit" in MATPOWER) G1 takes everything.
    let r = solve(
        &case,
        DcOpfSettings {
            enforce_angle_limits: false,
            ..DcOpfSettings::default()
        },
    );
    assert!(close(r.pg_mw[0], 150.0, 1e-6));
    case.branch.angmax_deg[1] = 0.0;
    let r = solve(&case, DcOpfSettings::default());
    assert!(close(r.pg_mw[0], 150.0, 1e-6));
}

/// A rating changed between two solves changes only a row bound: the model is reused and
/// HiGHS hot-starts (1–3 at 80 MW: 2,700 $/h; at 120 MW G1 serves all 150 MW, 100 MW of it
/// through 1–3: 1,500 $/h).
#[test]
fn dcopf_rating_change_between_solves_reuses_the_model() {
    let case = tri(150.0, [0.0, 80.0, 0.0], [200.0, 200.0], LINEAR_10_30);
    let mut net = Network::from_case(&case).expect("compiles");
    let mut opf = DcOpf::for_case(&case, &net, DcOpfSettings::default()).expect("setup");
    let r1 = opf.solve(&net);
    assert!(close(r1.objective_usd_per_h, 2700.0, 1e-6) && !r1.warm_started);
    net.br_rate_a_pu[1] = 1.2;
    let r2 = opf.solve(&net);
    assert!(r2.warm_started);
    assert!(
        close(r2.objective_usd_per_h, 1500.0, 1e-6),
        "{}",
        r2.objective_usd_per_h
    );
    assert!(r2.lmp_usd_per_mwh.iter().all(|&l| close(l, 10.0, 1e-6)));
}

/// G1: piecewise linear through (0, 0), (100, 1000), (200, 3000): 10 $/MWh up to 100 MW, then
/// 20 $/MWh. G2: 15 $/MWh. Load 150: G1 = 100, G2 = 50, cost 1,000 + 750, price 15. Load 250
/// with G2 limited to 100: G1 = 150 on its second segment, cost 2,000 + 1,500, price 20.
#[test]
fn dcopf_piecewise_linear_cost_by_hand() {
    let gc = "1 0 0 3 0 0 100 1000 200 3000;\n2 0 0 2 15 0 0 0 0 0;";
    let r = solve(
        &tri(150.0, [0.0; 3], [200.0, 200.0], gc),
        DcOpfSettings::default(),
    );
    assert_eq!(r.status, OpfStatus::Optimal);
    assert!(
        close(r.objective_usd_per_h, 1750.0, 1e-6),
        "{}",
        r.objective_usd_per_h
    );
    assert!(
        close(r.pg_mw[0], 100.0, 1e-6) && close(r.pg_mw[1], 50.0, 1e-6),
        "{:?}",
        r.pg_mw
    );
    assert!(
        r.lmp_usd_per_mwh.iter().all(|&l| close(l, 15.0, 1e-6)),
        "{:?}",
        r.lmp_usd_per_mwh
    );
    let r = solve(
        &tri(250.0, [0.0; 3], [200.0, 100.0], gc),
        DcOpfSettings::default(),
    );
    assert!(
        close(r.objective_usd_per_h, 3500.0, 1e-6),
        "{}",
        r.objective_usd_per_h
    );
    assert!(close(r.pg_mw[0], 150.0, 1e-6), "{:?}", r.pg_mw);
    assert!(
        r.lmp_usd_per_mwh.iter().all(|&l| close(l, 20.0, 1e-6)),
        "{:?}",
        r.lmp_usd_per_mwh
    );
    assert!(close(r.generation_cost_usd_per_h, 3500.0, 1e-6));
}

/// Quadratic costs 0.01 P² + 10 P + 5 and 0.02 P² + 10 P + 5: equal marginal costs
/// 0.02 P1 + 10 = 0.04 P2 + 10 with P1 + P2 = 150 give P1 = 100, P2 = 50, λ = 12 $/MWh and a
/// cost of 100 + 1,000 + 5 + 50 + 500 + 5 = 1,660 $/h (constant terms included).
#[test]
fn opf_economic_dispatch_quadratic_by_hand_with_system_lambda() {
    let case = tri(
        150.0,
        [10.0, 10.0, 10.0],
        [200.0, 200.0],
        "2 0 0 3 0.01 10 5;\n2 0 0 3 0.02 10 5;",
    );
    let net = Network::from_case(&case).expect("compiles");
    let mut ed =
        EconomicDispatch::new(&net, &case.gencost, DcOpfSettings::default()).expect("setup");
    let r = ed.solve(&net);
    assert_eq!(r.status, OpfStatus::Optimal, "{:?}", r.diagnostics);
    assert!(
        close(r.objective_usd_per_h, 1660.0, 1e-6),
        "{}",
        r.objective_usd_per_h
    );
    assert!(
        close(r.pg_mw[0], 100.0, 1e-5) && close(r.pg_mw[1], 50.0, 1e-5),
        "{:?}",
        r.pg_mw
    );
    assert_eq!(r.system_lambda_usd_per_mwh.len(), 1);
    assert!(
        close(r.system_lambda_usd_per_mwh[0], 12.0, 1e-6),
        "{:?}",
        r.system_lambda_usd_per_mwh
    );
    assert!(r.lmp_usd_per_mwh.iter().all(|&l| close(l, 12.0, 1e-6)));
    // The 10 MW ratings are ignored by the dispatch (they would bind in the OPF).
    assert!(r.branch_pf_mw.iter().any(|f| f.abs() > 10.0));
}

#[test]
fn dcopf_infeasible_capacity_is_diagnosed_per_island() {
    let case = tri(3100.0, [0.0; 3], [1500.0, 1400.0], LINEAR_10_30);
    let r = solve(&case, DcOpfSettings::default());
    assert_eq!(r.status, OpfStatus::Infeasible);
    assert!(r.objective_usd_per_h.is_nan());
    assert_eq!(
        r.diagnostics,
        vec!["island of buses 1, 2, 3: load 3,100 MW above capacity 2,900 MW".to_string()]
    );
}

/// Lines 1–3 and 2–3 rated 80 MW each can bring at most 160 MW to bus 3: a 250 MW load is
/// infeasible although 400 MW of generation is connected. The diagnosis names both lines.
#[test]
fn dcopf_infeasible_transfer_names_the_binding_lines() {
    let case = tri(250.0, [0.0, 80.0, 80.0], [200.0, 200.0], LINEAR_10_30);
    let r = solve(&case, DcOpfSettings::default());
    assert_eq!(r.status, OpfStatus::Infeasible);
    let text = r.diagnostics.join("\n");
    assert!(text.contains("transfer limits cannot all hold"), "{text}");
    assert!(text.contains("branch 2 (1–3): rating 80 MW"), "{text}");
    assert!(text.contains("branch 3 (2–3): rating 80 MW"), "{text}");
    assert!(!text.contains("branch 1 (1–2)"), "{text}");
}

/// Penalised mode sheds exactly the 200 MW that capacity lacks, at bus 3, priced at VOLL.
#[test]
fn dcopf_penalised_sheds_exactly_the_excess() {
    let case = tri(600.0, [0.0; 3], [200.0, 200.0], LINEAR_10_30);
    let pen = Penalties::default();
    let r = solve(
        &case,
        DcOpfSettings {
            penalized: Some(pen.clone()),
            ..DcOpfSettings::default()
        },
    );
    assert_eq!(r.status, OpfStatus::Optimal, "{:?}", r.diagnostics);
    assert!(
        close(r.load_shed_mw[2], 200.0, 1e-6),
        "{:?}",
        r.load_shed_mw
    );
    assert!(close(r.total_shed_mw(), 200.0, 1e-6));
    assert!(close(r.pg_mw[0], 200.0, 1e-6) && close(r.pg_mw[1], 200.0, 1e-6));
    assert!(
        close(r.lmp_usd_per_mwh[2], pen.voll_usd_per_mwh, 1e-6),
        "{:?}",
        r.lmp_usd_per_mwh
    );
    let expected = 10.0 * 200.0 + 30.0 * 200.0 + 200.0 * pen.voll_usd_per_mwh;
    assert!(
        close(r.objective_usd_per_h, expected, 1e-6),
        "{}",
        r.objective_usd_per_h
    );
    assert!(close(
        r.penalty_usd_per_h,
        200.0 * pen.voll_usd_per_mwh,
        1e-6
    ));
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.starts_with("load shed: 200 MW (bus 3 200 MW)")),
        "{:?}",
        r.diagnostics
    );
}

/// Penalised mode also sheds what the transfer limits cannot deliver: 250 − 160 = 90 MW.
#[test]
fn dcopf_penalised_sheds_what_the_lines_cannot_carry() {
    let case = tri(250.0, [0.0, 80.0, 80.0], [200.0, 200.0], LINEAR_10_30);
    let r = solve(
        &case,
        DcOpfSettings {
            penalized: Some(Penalties::default()),
            ..DcOpfSettings::default()
        },
    );
    assert_eq!(r.status, OpfStatus::Optimal);
    assert!(close(r.load_shed_mw[2], 90.0, 1e-6), "{:?}", r.load_shed_mw);
    assert!(r.branch_overload_mw.iter().all(|&o| o == 0.0));
}

/// With an overload price below VOLL, the OPF overloads lines 1–3 and 2–3 by the 90 MW they
/// cannot carry instead of shedding.
#[test]
fn dcopf_penalised_overload_price_is_used_when_cheaper_than_shedding() {
    let case = tri(250.0, [0.0, 80.0, 80.0], [200.0, 200.0], LINEAR_10_30);
    let pen = Penalties {
        overload_usd_per_mwh: Some(100.0),
        ..Penalties::default()
    };
    let r = solve(
        &case,
        DcOpfSettings {
            penalized: Some(pen),
            ..DcOpfSettings::default()
        },
    );
    assert_eq!(r.status, OpfStatus::Optimal);
    assert!(close(r.total_shed_mw(), 0.0, 1e-6), "{:?}", r.load_shed_mw);
    let over: f64 = r.branch_overload_mw.iter().sum();
    assert!(close(over, 90.0, 1e-6), "{:?}", r.branch_overload_mw);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.starts_with("ratings exceeded")),
        "{:?}",
        r.diagnostics
    );
}

/// Quadratic costs (the interior-point path): a transfer-limited QP is diagnosed like an LP,
/// and penalised it sheds the same 90 MW.
#[test]
fn dcopf_quadratic_costs_transfer_limit_strict_and_penalised() {
    let gc = "2 0 0 3 0.01 10 0;\n2 0 0 3 0.02 30 0;";
    let case = tri(250.0, [0.0, 80.0, 80.0], [200.0, 200.0], gc);
    let r = solve(&case, DcOpfSettings::default());
    assert_eq!(r.status, OpfStatus::Infeasible, "{:?}", r.diagnostics);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.contains("branch 2 (1–3): rating 80 MW")),
        "{:?}",
        r.diagnostics
    );
    let r = solve(
        &case,
        DcOpfSettings {
            penalized: Some(Penalties::default()),
            ..DcOpfSettings::default()
        },
    );
    assert_eq!(r.status, OpfStatus::Optimal, "{:?}", r.diagnostics);
    assert!(close(r.load_shed_mw[2], 90.0, 1e-6), "{:?}", r.load_shed_mw);
    assert!(
        close(
            r.lmp_usd_per_mwh[2],
            Penalties::default().voll_usd_per_mwh,
            1e-6
        ),
        "{:?}",
        r.lmp_usd_per_mwh
    );
}

/// A penalised QP under heavy shortage (case39 at 160 % load): every MW is accounted for
/// (generation + shed − curtailed = load) and at least the capacity shortfall is shed.
#[test]
fn dcopf_penalised_qp_under_heavy_shortage_balances() {
    let c = case("case39");
    let mut net = Network::from_case(&c).expect("compiles");
    for (i, pd) in c.bus.pd_mw.iter().enumerate() {
        net.pd_pu[i] = pd * 1.6 / c.base_mva;
    }
    let settings = DcOpfSettings {
        penalized: Some(Penalties::default()),
        ..DcOpfSettings::default()
    };
    let r = DcOpf::for_case(&c, &net, settings)
        .expect("setup")
        .solve(&net);
    assert_eq!(r.status, OpfStatus::Optimal, "{:?}", r.diagnostics);
    let load: f64 = (0..c.bus.len())
        .map(|i| (net.pd_pu[i] + net.gs_pu[i]) * c.base_mva)
        .sum();
    let gen: f64 = r.pg_mw.iter().sum();
    let balance = gen + r.total_shed_mw() - r.curtailed_mw.iter().sum::<f64>() - load;
    assert!(balance.abs() < 1e-6, "{balance}");
    let capacity: f64 = c.gen.pmax_mw.iter().sum();
    assert!(r.total_shed_mw() >= load - capacity - 1e-6);
}

/// A minimum output the load cannot absorb is curtailed at the curtailment price.
#[test]
fn dcopf_penalised_curtails_forced_generation() {
    let mut case = tri(50.0, [0.0; 3], [200.0, 200.0], LINEAR_10_30);
    case.gen.pmin_mw[0] = 80.0;
    let strict = solve(&case, DcOpfSettings::default());
    assert_eq!(strict.status, OpfStatus::Infeasible);
    assert_eq!(
        strict.diagnostics,
        vec!["island of buses 1, 2, 3: load 50 MW below the minimum generation 80 MW".to_string()]
    );
    let pen = Penalties::default();
    let r = solve(
        &case,
        DcOpfSettings {
            penalized: Some(pen.clone()),
            ..DcOpfSettings::default()
        },
    );
    assert_eq!(r.status, OpfStatus::Optimal);
    assert!(close(r.curtailed_mw[0], 30.0, 1e-6), "{:?}", r.curtailed_mw);
    assert!(close(r.pg_mw[0], 80.0, 1e-6) && close(r.pg_mw[1], 0.0, 1e-6));
    assert!(close(
        r.objective_usd_per_h,
        800.0 + 30.0 * pen.curtailment_usd_per_mwh,
        1e-6
    ));
}

/// Buses 4 and 5 hang together on one line, away from the triangle, with 90 MW of load and no
/// generator: strict mode says so; penalised mode sheds those 90 MW and dispatches the rest.
#[test]
fn dcopf_island_without_generation() {
    let mut case = tri(150.0, [0.0; 3], [200.0, 200.0], LINEAR_10_30);
    for (id, pd) in [(4u32, 40.0), (5, 50.0)] {
        let b = &mut case.bus;
        b.id.push(id);
        b.bus_type.push(gridsim_networks::BusType::Pq);
        b.pd_mw.push(pd);
        b.qd_mvar.push(0.0);
        b.gs_mw.push(0.0);
        b.bs_mvar.push(0.0);
        b.area.push(1);
        b.vm_pu.push(1.0);
        b.va_deg.push(0.0);
        b.base_kv.push(230.0);
        b.zone.push(1);
        b.vmax_pu.push(1.1);
        b.vmin_pu.push(0.9);
        b.extra.push(vec![]);
    }
    let br = &mut case.branch;
    br.from_bus.push(4);
    br.to_bus.push(5);
    for v in [
        &mut br.r_pu,
        &mut br.b_pu,
        &mut br.rate_a_mva,
        &mut br.rate_b_mva,
        &mut br.rate_c_mva,
        &mut br.tap_ratio,
        &mut br.shift_deg,
    ] {
        v.push(0.0);
    }
    br.x_pu.push(0.1);
    br.in_service.push(true);
    br.angmin_deg.push(-360.0);
    br.angmax_deg.push(360.0);
    br.extra.push(vec![]);
    let r = solve(&case, DcOpfSettings::default());
    assert_eq!(r.status, OpfStatus::Infeasible);
    assert_eq!(
        r.diagnostics,
        vec!["island of buses 4, 5: load 90 MW, no generation".to_string()]
    );
    let voll = Penalties::default().voll_usd_per_mwh;
    let r = solve(
        &case,
        DcOpfSettings {
            penalized: Some(Penalties::default()),
            ..DcOpfSettings::default()
        },
    );
    assert_eq!(r.status, OpfStatus::Optimal);
    assert_eq!(r.load_shed_mw, vec![0.0, 0.0, 0.0, 40.0, 50.0]);
    assert!(close(r.pg_mw[0], 150.0, 1e-6));
    assert!(
        close(r.objective_usd_per_h, 1500.0 + 90.0 * voll, 1e-6),
        "{}",
        r.objective_usd_per_h
    );
    assert_eq!(r.system_lambda_usd_per_mwh.len(), 2);
    assert!(r.system_lambda_usd_per_mwh[1].is_nan());
    assert_eq!(r.lmp_usd_per_mwh[3], voll);
    assert_eq!(r.branch_pf_mw[3], 0.0);
}

#[test]
fn dcopf_refuses_a_cubic_cost_like_matpower() {
    let case = tri(
        150.0,
        [0.0; 3],
        [200.0, 200.0],
        "2 0 0 4 0.001 0.01 10 0;\n2 0 0 2 30 0 0 0;",
    );
    let net = Network::from_case(&case).expect("compiles");
    let err = DcOpf::for_case(&case, &net, DcOpfSettings::default()).expect_err("cubic refused");
    let msg = err.to_string();
    assert!(
        msg.contains("generator 1 at bus 1") && msg.contains("degree 3"),
        "{msg}"
    );
}

#[test]
fn dcopf_out_of_service_generator_reports_zero() {
    let mut case = tri(150.0, [0.0; 3], [200.0, 200.0], LINEAR_10_30);
    case.gen.in_service[0] = false;
    case.gen.pg_mw[0] = 77.0;
    let r = solve(&case, DcOpfSettings::default());
    assert_eq!(r.status, OpfStatus::Optimal);
    assert_eq!(r.pg_mw[0], 0.0);
    assert!(close(r.pg_mw[1], 150.0, 1e-6));
    assert!(close(r.objective_usd_per_h, 4500.0, 1e-6));
}

/// An unlimited generator selling at a negative price to an unlimited dispatchable load
/// (a generator with Pmin = −∞ that pays 5 $/MWh): the cost falls without bound.
#[test]
fn dcopf_status_unbounded_is_forced() {
    let case = tri(0.0, [0.0; 3], [200.0, 0.0], "2 0 0 2 -10 0;\n2 0 0 2 5 0;");
    let mut net = Network::from_case(&case).expect("compiles");
    net.pmax_pu[0] = f64::INFINITY;
    net.pmin_pu[1] = f64::NEG_INFINITY;
    let mut opf = DcOpf::for_case(&case, &net, DcOpfSettings::default()).expect("setup");
    let r = opf.solve(&net);
    assert_eq!(r.status, OpfStatus::Unbounded, "{:?}", r.diagnostics);
}

fn case(name: &str) -> Case {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("cases/matpower")
        .join(format!("{name}.m"));
    matpower::read(&path).expect("case reads")
}

#[test]
fn dcopf_status_time_limit_is_forced() {
    let c = case("case2383wp");
    let net = Network::from_case(&c).expect("compiles");
    let mut opf = DcOpf::for_case(
        &c,
        &net,
        DcOpfSettings {
            time_limit_s: 0.0,
            ..DcOpfSettings::default()
        },
    )
    .expect("setup");
    let r = opf.solve(&net);
    assert_eq!(r.status, OpfStatus::TimeLimit, "{:?}", r.diagnostics);
}

#[test]
fn dcopf_status_solver_error_is_forced() {
    // HiGHS's active-set QP solver alone, with its null-space limit set to 0: it must give up.
    let c = case("case30");
    let net = Network::from_case(&c).expect("compiles");
    let settings = DcOpfSettings {
        qp_method: QpMethod::HighsActiveSet,
        highs_options: vec![("qp_nullspace_limit".into(), HighsOptionValue::Int(0))],
        ..DcOpfSettings::default()
    };
    let mut opf = DcOpf::for_case(&c, &net, settings).expect("setup");
    let r = opf.solve(&net);
    assert_eq!(r.status, OpfStatus::SolverError, "{:?}", r.diagnostics);
    assert!(!r.diagnostics.is_empty());
}

/// Both QP methods reach the same optimum (the polish makes them exact).
#[test]
fn dcopf_qp_methods_agree() {
    for name in ["case30", "case118", "case300"] {
        let c = case(name);
        let net = Network::from_case(&c).expect("compiles");
        let run = |qp_method| {
            DcOpf::for_case(
                &c,
                &net,
                DcOpfSettings {
                    qp_method,
                    ..DcOpfSettings::default()
                },
            )
            .expect("setup")
            .solve(&net)
        };
        let (a, b) = (run(QpMethod::InteriorPoint), run(QpMethod::HighsActiveSet));
        assert!(
            a.status.is_optimal() && b.status.is_optimal(),
            "{name}: {:?} {:?}",
            a.diagnostics,
            b.diagnostics
        );
        let rel = (a.objective_usd_per_h - b.objective_usd_per_h).abs() / a.objective_usd_per_h;
        assert!(rel < 1e-12, "{name}: {rel}");
        let dl = a
            .lmp_usd_per_mwh
            .iter()
            .zip(&b.lmp_usd_per_mwh)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(dl < 1e-8, "{name}: {dl}");
    }
}

#[test]
fn dcopf_status_invalid_input_is_forced() {
    let c = case("case9");
    let mut net = Network::from_case(&c).expect("compiles");
    let mut opf = DcOpf::for_case(&c, &net, DcOpfSettings::default()).expect("setup");
    net.pd_pu[4] = f64::NAN;
    let r = opf.solve(&net);
    assert_eq!(r.status, OpfStatus::InvalidInput);
    assert_eq!(
        r.diagnostics,
        vec!["bus 5: non-finite load, shunt or angle".to_string()]
    );
    let other = Network::from_case(&case("case14")).expect("compiles");
    assert_eq!(opf.solve(&other).status, OpfStatus::InvalidInput);
}

/// A time series: one object, loads changed between solves. Each warm solve must equal a cold
/// solve of the same network. LPs hot-start from HiGHS's last basis; QPs (case118) are solved
/// afresh by the active-set solver but reuse the assembled model.
#[test]
fn dcopf_reuse_across_a_load_series_matches_cold_solves() {
    for (name, lp) in [("case118", false), ("case5", true), ("case2383wp", true)] {
        let c = case(name);
        let mut net = Network::from_case(&c).expect("compiles");
        let mut warm = DcOpf::for_case(&c, &net, DcOpfSettings::default()).expect("setup");
        for step in 0..4 {
            let scale = 1.0 + 0.02 * step as f64;
            for (i, pd) in c.bus.pd_mw.iter().enumerate() {
                net.pd_pu[i] = pd * scale / c.base_mva;
            }
            let rw = warm.solve(&net);
            let mut cold_opf = DcOpf::for_case(&c, &net, DcOpfSettings::default()).expect("setup");
            let rc = cold_opf.solve(&net);
            assert_eq!(rw.status, rc.status, "{name} step {step}");
            assert_eq!(rw.warm_started, lp && step > 0, "{name} step {step}");
            if rc.status.is_optimal() {
                let rel = (rw.objective_usd_per_h - rc.objective_usd_per_h).abs()
                    / rc.objective_usd_per_h.abs().max(1.0);
                assert!(
                    rel < 1e-9,
                    "{name} step {step}: {} vs {}",
                    rw.objective_usd_per_h,
                    rc.objective_usd_per_h
                );
                let dl = rw
                    .lmp_usd_per_mwh
                    .iter()
                    .zip(&rc.lmp_usd_per_mwh)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                assert!(dl < 1e-6, "{name} step {step}: LMPs differ by {dl}");
            }
        }
    }
}

/// Switching a branch out changes the structure: the model is rebuilt, and the result equals a
/// fresh object's.
#[test]
fn dcopf_reuse_after_a_branch_outage_matches_a_fresh_solve() {
    let c = case("case30");
    let mut net = Network::from_case(&c).expect("compiles");
    let mut opf = DcOpf::for_case(&c, &net, DcOpfSettings::default()).expect("setup");
    let r0 = opf.solve(&net);
    assert!(r0.status.is_optimal());
    net.br_in_service[10] = false;
    let r1 = opf.solve(&net);
    let r2 = DcOpf::for_case(&c, &net, DcOpfSettings::default())
        .expect("setup")
        .solve(&net);
    assert_eq!(r1.status, r2.status);
    assert!(
        (r1.objective_usd_per_h - r2.objective_usd_per_h).abs()
            < 1e-6 * r2.objective_usd_per_h.abs()
    );
    assert_eq!(r1.branch_pf_mw[10], 0.0);
}

#[test]
fn dcopf_results_do_not_depend_on_thread_count() {
    let c = case("case300");
    let net = Network::from_case(&c).expect("compiles");
    let run = |threads| {
        DcOpf::for_case(
            &c,
            &net,
            DcOpfSettings {
                threads,
                ..DcOpfSettings::default()
            },
        )
        .expect("setup")
        .solve(&net)
    };
    let (a, b) = (run(1), run(4));
    assert_eq!(
        a.objective_usd_per_h.to_bits(),
        b.objective_usd_per_h.to_bits()
    );
    assert_eq!(a.pg_mw, b.pg_mw);
    assert_eq!(a.lmp_usd_per_mwh, b.lmp_usd_per_mwh);
}

/// Economic dispatch of case9: no line binds in its DC OPF, so the dispatch and the single
/// system lambda equal MATPOWER's DC OPF (24.0442 $/MWh, 5,216.03 $/h).
#[test]
fn economic_dispatch_of_case9_equals_its_uncongested_dcopf() {
    let c = case("case9");
    let net = Network::from_case(&c).expect("compiles");
    let r = EconomicDispatch::new(&net, &c.gencost, DcOpfSettings::default())
        .expect("setup")
        .solve(&net);
    assert_eq!(r.status, OpfStatus::Optimal);
    assert!(
        (r.objective_usd_per_h - 5216.0266077472725).abs() < 1e-5,
        "{}",
        r.objective_usd_per_h
    );
    assert!(
        (r.system_lambda_usd_per_mwh[0] - 24.044189544746008).abs() < 1e-6,
        "{:?}",
        r.system_lambda_usd_per_mwh
    );
}

/// An operating point of case24_ieee_rts met in a reliability study (the RTS-79 load at
/// 1,873 MW, units on forced outage): with the default penalties (10,000 $/MWh next to
/// quadratic costs of a few $/MWh) the interior point's complementarity floors at 2.4e-12,
/// just above its 1e-12 tolerance, with both residuals met. It is accepted once stalled and
/// polished: the penalised optimum sheds nothing and equals the strict one (1e-9 relative).
#[test]
fn dcopf_penalised_accepts_a_complementarity_floor() {
    let case = matpower::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/case24_mu_floor.m"
    ))
    .expect("case");
    let strict = solve(&case, DcOpfSettings::default());
    let penalised = solve(
        &case,
        DcOpfSettings {
            penalized: Some(Penalties::default()),
            ..DcOpfSettings::default()
        },
    );
    assert_eq!(strict.status, OpfStatus::Optimal);
    assert_eq!(
        penalised.status,
        OpfStatus::Optimal,
        "{:?}",
        penalised.diagnostics
    );
    assert!(penalised.total_shed_mw() < 1e-9);
    assert!(close(
        penalised.objective_usd_per_h,
        strict.objective_usd_per_h,
        1e-9 * strict.objective_usd_per_h
    ));
}
