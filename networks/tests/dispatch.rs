//! Lossless economic dispatch (`dispatch::EconomicDispatch`) against the DC OPF without branch
//! limits (HiGHS / interior point) on shipped cases, hand-checked small cases, every status,
//! and properties over random demands.

use gridsim_networks::case::{CostCurve, GenCost};
use gridsim_networks::dispatch::{
    DispatchResult, DispatchSettings, DispatchStatus, EconomicDispatch, IslandStatus,
};
use gridsim_networks::opf::{self, DcOpfResult, DcOpfSettings, OpfStatus, Penalties};
use gridsim_networks::topology::Topology;
use gridsim_networks::{matpower, Case, Network};
use proptest::prelude::*;

fn case(name: &str) -> Case {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("cases/matpower")
        .join(format!("{name}.m"));
    matpower::read(&path).expect("case reads")
}

/// The reference: the DC OPF with every rating removed (`rateA` = ∞) and no angle limits.
fn reference(case: &Case, net: &Network, penalized: bool) -> DcOpfResult {
    let mut net = net.clone();
    net.br_rate_a_pu.iter_mut().for_each(|r| *r = f64::INFINITY);
    let settings = DcOpfSettings {
        penalized: penalized.then(Penalties::default),
        ..DcOpfSettings::economic_dispatch()
    };
    opf::EconomicDispatch::new(&net, &case.gencost, settings)
        .expect("opf setup")
        .solve(&net)
}

/// Whether generator `g`'s optimal output is unique at price `lambda`: a strictly convex
/// cost, or a price off every slope of a linear or piecewise-linear cost, or fixed limits.
fn pg_unique(case: &Case, g: usize, lambda: f64) -> bool {
    if case.gen.pmin_mw[g] == case.gen.pmax_mw[g] {
        return true;
    }
    let near = |m: f64| (m - lambda).abs() <= 1e-6;
    match &case.gencost[g].curve {
        CostCurve::Polynomial {
            coeffs_high_first: c,
        } => {
            let n = c.len();
            let c2 = if n >= 3 { c[n - 3] } else { 0.0 };
            let c1 = if n >= 2 { c[n - 2] } else { 0.0 };
            c2 > 0.0 || !near(c1)
        }
        CostCurve::PiecewiseLinear { points } => !points
            .windows(2)
            .any(|w| near((w[1].1 - w[0].1) / (w[1].0 - w[0].0))),
    }
}

/// Same cost to 1e-6 relative, same price to 1e-6 $/MWh (and the OPF's LMPs uniform), same
/// output to 1e-5 MW wherever it is unique.
fn assert_matches_reference(name: &str, case: &Case, net: &Network) -> DispatchResult {
    let mut ed = EconomicDispatch::new(net, case).expect("dispatch setup");
    let r = ed.solve(net, None).clone();
    let o = reference(case, net, false);
    assert_eq!(o.status, OpfStatus::Optimal, "{name}: {:?}", o.diagnostics);
    assert_eq!(r.status, DispatchStatus::Balanced, "{name}: {r:?}");
    let rel = (r.cost_usd_per_h - o.generation_cost_usd_per_h).abs()
        / o.generation_cost_usd_per_h.abs().max(1.0);
    assert!(
        rel <= 1e-6,
        "{name}: cost {} vs OPF {} (rel {rel:e})",
        r.cost_usd_per_h,
        o.generation_cost_usd_per_h
    );
    assert_eq!(
        r.lambda_usd_per_mwh.len(),
        o.system_lambda_usd_per_mwh.len()
    );
    for (k, (&l, &lo)) in r
        .lambda_usd_per_mwh
        .iter()
        .zip(&o.system_lambda_usd_per_mwh)
        .enumerate()
    {
        if lo.is_nan() {
            continue; // de-energised island
        }
        assert!(
            (l - lo).abs() <= 1e-6,
            "{name}: island {k}: λ {l} vs OPF {lo} $/MWh"
        );
    }
    // Without limits the OPF's LMP is uniform: every energised bus at its island's λ.
    let topo = Topology::analyze(net);
    for (i, &lmp) in o.lmp_usd_per_mwh.iter().enumerate() {
        if let Some(k) = topo.island_of_bus[i].filter(|&k| topo.islands[k].energized) {
            let lambda = r.lambda_usd_per_mwh[k];
            assert!(
                (lmp - lambda).abs() <= 1e-6,
                "{name}: bus {} LMP {lmp} vs λ {lambda}",
                net.bus_id[i]
            );
        }
    }
    let mut compared = 0;
    for g in 0..net.n_gen() {
        let island = topo.island_of_bus[net.gen_bus[g]];
        let Some(lambda) = island.map(|k| r.lambda_usd_per_mwh[k]) else {
            continue;
        };
        if net.gen_connected(g) && pg_unique(case, g, lambda) {
            compared += 1;
            assert!(
                (r.pg_mw[g] - o.pg_mw[g]).abs() <= 1e-5,
                "{name}: generator {} at bus {}: {} vs OPF {} MW",
                g + 1,
                case.gen.bus[g],
                r.pg_mw[g],
                o.pg_mw[g]
            );
        }
    }
    assert!(compared > 0, "{name}: no unique output compared");
    r
}

#[test]
fn dispatch_equals_unconstrained_dcopf_on_shipped_cases() {
    for name in ["case9", "case30", "case118", "case300", "case24_ieee_rts"] {
        let c = case(name);
        let net = Network::from_case(&c).expect("compiles");
        assert_matches_reference(name, &c, &net);
    }
}

/// case9's economic dispatch is MATPOWER's uncongested DC OPF: 5,216.03 $/h, λ 24.0442 $/MWh.
#[test]
fn dispatch_of_case9_matches_matpower() {
    let c = case("case9");
    let net = Network::from_case(&c).expect("compiles");
    let r = EconomicDispatch::new(&net, &c)
        .expect("setup")
        .solve(&net, None)
        .clone();
    assert!((r.cost_usd_per_h - 5216.0266077472725).abs() < 1e-6); // $/h
    assert!((r.lambda_usd_per_mwh[0] - 24.044189544746008).abs() < 1e-9); // $/MWh
}

/// Each quadratic cost replaced by the piecewise-linear curve through 5 of its points
/// (4 segments on `[Pmin, Pmax]`): convex, so the OPF's LP and the dispatch must agree.
fn with_pwl_costs(mut c: Case) -> Case {
    for g in 0..c.gen.len() {
        let (lo, hi) = (c.gen.pmin_mw[g], c.gen.pmax_mw[g]);
        let hi = if hi > lo { hi } else { lo + 1.0 };
        let gc = &c.gencost[g];
        let points = (0..=4)
            .map(|j| {
                let p = lo + (hi - lo) * j as f64 / 4.0;
                (p, gc.cost_usd_per_h(p))
            })
            .collect();
        c.gencost[g] = GenCost {
            curve: CostCurve::PiecewiseLinear { points },
            ..gc.clone()
        };
    }
    c
}

#[test]
fn dispatch_with_piecewise_linear_costs_equals_dcopf() {
    for name in ["case30", "case118", "case300"] {
        let c = with_pwl_costs(case(name));
        let net = Network::from_case(&c).expect("compiles");
        assert_matches_reference(&format!("{name} (PWL)"), &c, &net);
    }
}

#[test]
fn dispatch_follows_load_changes_like_the_dcopf() {
    let c = case("case118");
    let mut net = Network::from_case(&c).expect("compiles");
    let mut ed = EconomicDispatch::new(&net, &c).expect("setup");
    let pd0 = net.pd_pu.clone();
    for scale in [0.6, 0.9, 1.2, 1.5] {
        for (p, &p0) in net.pd_pu.iter_mut().zip(&pd0) {
            *p = p0 * scale;
        }
        let reused = ed.solve(&net, None).clone();
        let fresh = assert_matches_reference(&format!("case118 × {scale}"), &c, &net);
        assert_eq!(reused, fresh, "reuse must not change the result");
    }
}

/// A small copper plate: buses 1 and 2 with one generator each, load at bus 3, base 100 MVA.
/// `gens` rows are `(Pmin, Pmax)` MW; `gencost` rows written verbatim.
fn tri(load_mw: f64, gens: [(f64, f64); 2], gencost: &str) -> Case {
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
         1 0 0 100 -100 1 100 1 {p1max} {p1min};\n\
         2 0 0 100 -100 1 100 1 {p2max} {p2min};\n\
         ];\n\
         mpc.branch = [\n\
         1 2 0 0.1 0 0 0 0 0 0 1 -360 360;\n\
         1 3 0 0.1 0 0 0 0 0 0 1 -360 360;\n\
         2 3 0 0.1 0 0 0 0 0 0 1 -360 360;\n\
         ];\n\
         mpc.gencost = [\n{gencost}\n];\n",
        p1min = gens[0].0,
        p1max = gens[0].1,
        p2min = gens[1].0,
        p2max = gens[1].1,
    );
    matpower::parse_str(&text, "tri.m").expect("3-bus case parses")
}

fn dispatch(c: &Case) -> DispatchResult {
    let net = Network::from_case(c).expect("compiles");
    EconomicDispatch::new(&net, c)
        .expect("setup")
        .solve(&net, None)
        .clone()
}

/// G1: 0.05 P² + 10 P (MC 10 + 0.1 P), G2: 0.1 P² + 12 P (MC 12 + 0.2 P), demand 150 MW.
/// Equal MC: P1 = 10 λ − 100, P2 = 5 λ − 60, 15 λ − 160 = 150, λ = 62/3 $/MWh,
/// P1 = 320/3 MW, P2 = 130/3 MW.
#[test]
fn two_quadratic_units_share_at_equal_incremental_cost() {
    let r = dispatch(&tri(
        150.0,
        [(0.0, 200.0), (0.0, 200.0)],
        "2 0 0 3 0.05 10 0;\n2 0 0 3 0.1 12 0;",
    ));
    assert_eq!(r.status, DispatchStatus::Balanced);
    let (p1, p2) = (320.0 / 3.0, 130.0 / 3.0);
    assert!((r.lambda_usd_per_mwh[0] - 62.0 / 3.0).abs() < 1e-9); // $/MWh
    assert!((r.pg_mw[0] - p1).abs() < 1e-9 && (r.pg_mw[1] - p2).abs() < 1e-9); // MW
    let cost = 0.05 * p1 * p1 + 10.0 * p1 + 0.1 * p2 * p2 + 12.0 * p2;
    assert!((r.cost_usd_per_h - cost).abs() < 1e-9); // $/h
}

/// Same units, G1 capped at 80 MW: G1 at its limit, G2 takes 70 MW at MC 12 + 14 = 26.
#[test]
fn quadratic_unit_at_its_limit_leaves_the_other_marginal() {
    let r = dispatch(&tri(
        150.0,
        [(0.0, 80.0), (0.0, 200.0)],
        "2 0 0 3 0.05 10 0;\n2 0 0 3 0.1 12 0;",
    ));
    assert!((r.pg_mw[0] - 80.0).abs() < 1e-12 && (r.pg_mw[1] - 70.0).abs() < 1e-9); // MW
    assert!((r.lambda_usd_per_mwh[0] - 26.0).abs() < 1e-9); // $/MWh
}

/// Two linear units at the same 20 $/MWh, 100 and 300 MW: 200 MW is split by free range
/// (1:3), 50 and 150 MW, at λ = 20 $/MWh, cost 4,000 $/h.
#[test]
fn linear_tie_is_split_by_free_range() {
    let r = dispatch(&tri(
        200.0,
        [(0.0, 100.0), (0.0, 300.0)],
        "2 0 0 2 20 0;\n2 0 0 2 20 0;",
    ));
    assert_eq!(r.pg_mw, vec![50.0, 150.0]); // exact
    assert_eq!(r.lambda_usd_per_mwh, vec![20.0]);
    assert_eq!(r.cost_usd_per_h, 4000.0);
}

/// G1 piecewise linear through (0, 0), (50, 500), (100, 1500): 10 $/MWh up to 50 MW, then
/// 20. G2 linear at 15 $/MWh up to 100 MW.
/// - 50 MW: exactly G1's kink; any λ in [10, 15] clears, the lowest (10) is reported.
/// - 120 MW: G1 at 50, G2 marginal with 70, λ 15, cost 500 + 1,050 = 1,550 $/h.
/// - 160 MW: G2 full at 100, G1 marginal on its upper segment with 60, λ 20,
///   cost 700 + 1,500 = 2,200 $/h.
#[test]
fn piecewise_linear_segment_boundary_by_hand() {
    let pwl = "1 0 0 3 0 0 50 500 100 1500;\n2 0 0 2 15 0 0 0 0 0;";
    let cases = [
        (50.0, [50.0, 0.0], 10.0, 500.0),
        (120.0, [50.0, 70.0], 15.0, 1550.0),
        (160.0, [60.0, 100.0], 20.0, 2200.0),
    ];
    for (d, pg, lambda, cost) in cases {
        let r = dispatch(&tri(d, [(0.0, 100.0), (0.0, 100.0)], pwl));
        assert_eq!(r.status, DispatchStatus::Balanced, "{d} MW");
        for (p, p_expected) in r.pg_mw.iter().zip(pg) {
            assert!((p - p_expected).abs() < 1e-9, "{d} MW: {:?}", r.pg_mw); // MW
        }
        assert!((r.lambda_usd_per_mwh[0] - lambda).abs() < 1e-12, "{d} MW"); // $/MWh
        assert!((r.cost_usd_per_h - cost).abs() < 1e-9, "{d} MW"); // $/h
                                                                   // Same cost as the OPF (which may pick another price at the kink).
        let c = tri(d, [(0.0, 100.0), (0.0, 100.0)], pwl);
        let net = Network::from_case(&c).expect("compiles");
        let o = reference(&c, &net, false);
        assert!((o.generation_cost_usd_per_h - cost).abs() < 1e-6, "{d} MW"); // $/h
    }
}

/// Demand 350 MW above the 300 MW available: both units at Pmax, 50 MW shed, priced at
/// VOLL — as the penalised OPF.
#[test]
fn demand_above_capacity_is_shed_at_voll() {
    let c = tri(
        350.0,
        [(0.0, 100.0), (0.0, 200.0)],
        "2 0 0 2 10 0;\n2 0 0 2 20 0;",
    );
    let r = dispatch(&c);
    assert_eq!(r.status, DispatchStatus::Imbalanced);
    assert_eq!(r.island_status, vec![IslandStatus::Shed]);
    assert_eq!(r.pg_mw, vec![100.0, 200.0]);
    assert_eq!(r.shed_mw, vec![50.0]);
    assert_eq!(r.excess_mw, vec![0.0]);
    assert_eq!(r.lambda_usd_per_mwh, vec![10_000.0]);
    let net = Network::from_case(&c).expect("compiles");
    let o = reference(&c, &net, true);
    assert!((o.total_shed_mw() - 50.0).abs() < 1e-6); // MW
    assert!((o.system_lambda_usd_per_mwh[0] - 10_000.0).abs() < 1e-6); // $/MWh
    assert!((o.generation_cost_usd_per_h - r.cost_usd_per_h).abs() < 1e-6); // $/h
}

/// Demand 30 MW below Σ Pmin = 40 + 50: both at Pmin, 60 MW excess, priced at minus the
/// curtailment price — as the penalised OPF.
#[test]
fn demand_below_minimum_output_is_excess() {
    let c = tri(
        30.0,
        [(40.0, 100.0), (50.0, 200.0)],
        "2 0 0 2 10 0;\n2 0 0 2 20 0;",
    );
    let r = dispatch(&c);
    assert_eq!(r.status, DispatchStatus::Imbalanced);
    assert_eq!(r.island_status, vec![IslandStatus::Excess]);
    assert_eq!(r.pg_mw, vec![40.0, 50.0]);
    assert_eq!(r.excess_mw, vec![60.0]);
    assert_eq!(r.lambda_usd_per_mwh, vec![-1_000.0]);
    let net = Network::from_case(&c).expect("compiles");
    let o = reference(&c, &net, true);
    let curtailed: f64 = o.curtailed_mw.iter().sum();
    assert!((curtailed - 60.0).abs() < 1e-6); // MW
    assert!((o.system_lambda_usd_per_mwh[0] + 1_000.0).abs() < 1e-6); // $/MWh
}

#[test]
fn settings_set_the_scarcity_prices() {
    let c = tri(
        350.0,
        [(0.0, 100.0), (0.0, 200.0)],
        "2 0 0 2 10 0;\n2 0 0 2 20 0;",
    );
    let net = Network::from_case(&c).expect("compiles");
    let settings = DispatchSettings {
        voll_usd_per_mwh: 3_000.0,
        ..DispatchSettings::default()
    };
    let mut ed = EconomicDispatch::with_settings(&net, &c, settings).expect("setup");
    assert_eq!(ed.solve(&net, None).lambda_usd_per_mwh, vec![3_000.0]);
    let bad = DispatchSettings {
        voll_usd_per_mwh: f64::NAN,
        curtailment_usd_per_mwh: f64::INFINITY,
    };
    assert_eq!(bad.validate().expect_err("invalid").len(), 2);
    assert!(EconomicDispatch::with_settings(&net, &c, bad).is_err());
}

/// case9 with bus 5 (90 MW) cut off: its island has no generator, its load is shed; the rest
/// (225 MW) is dispatched as the DC OPF dispatches it.
#[test]
fn island_without_generators_sheds_its_load() {
    let c = case("case9");
    let mut net = Network::from_case(&c).expect("compiles");
    net.br_in_service[1] = false; // 4–5
    net.br_in_service[2] = false; // 5–6
    let mut ed = EconomicDispatch::new(&net, &c).expect("setup");
    let r = ed.solve(&net, None).clone();
    assert_eq!(r.status, DispatchStatus::Imbalanced);
    assert_eq!(r.island_bus_id, vec![1, 5]);
    assert_eq!(
        r.island_status,
        vec![IslandStatus::Balanced, IslandStatus::NoGeneration]
    );
    assert_eq!(r.shed_mw[1], 90.0);
    assert!(r.lambda_usd_per_mwh[1].is_nan());
    assert!((r.pg_mw.iter().sum::<f64>() - 225.0).abs() < 1e-9); // MW
    let o = reference(&c, &net, true);
    assert!((o.total_shed_mw() - 90.0).abs() < 1e-6); // MW
    assert!((o.system_lambda_usd_per_mwh[0] - r.lambda_usd_per_mwh[0]).abs() < 1e-6); // $/MWh
    assert!((o.generation_cost_usd_per_h - r.cost_usd_per_h).abs() < 1e-6); // $/h
                                                                            // Restoring the lines restores the single-island dispatch.
    net.br_in_service[1] = true;
    net.br_in_service[2] = true;
    let back = ed.solve(&net, None).clone();
    assert_eq!(back, dispatch(&c));
}

/// Two energised islands balance separately, each against its own load, with its own price.
#[test]
fn each_island_balances_its_own_demand() {
    let c = case("case9");
    let mut net = Network::from_case(&c).expect("compiles");
    // case9 branches: 1–4, 4–5, 5–6, 3–6, 6–7, 7–8, 8–2, 8–9, 9–4. Cut 6–7 and 8–9:
    // {2, 7, 8} (G2, 100 MW at bus 7) and {1, 3, 4, 5, 6, 9} (G1, G3, 215 MW).
    net.br_in_service[4] = false;
    net.br_in_service[7] = false;
    let r = EconomicDispatch::new(&net, &c)
        .expect("setup")
        .solve(&net, None)
        .clone();
    assert_eq!(r.status, DispatchStatus::Balanced);
    assert_eq!(r.island_bus_id, vec![1, 2]);
    assert!((r.demand_mw[0] - 215.0).abs() < 1e-9 && (r.demand_mw[1] - 100.0).abs() < 1e-9);
    assert!((r.pg_mw[1] - 100.0).abs() < 1e-9); // G2 alone serves its island, MW
    assert!((r.pg_mw[0] + r.pg_mw[2] - 215.0).abs() < 1e-9); // MW
    let o = reference(&c, &net, false);
    assert_eq!(o.status, OpfStatus::Optimal);
    for k in 0..2 {
        assert!((o.system_lambda_usd_per_mwh[k] - r.lambda_usd_per_mwh[k]).abs() < 1e-6);
    }
    assert!((o.generation_cost_usd_per_h - r.cost_usd_per_h).abs() < 1e-6);
}

/// An unavailable unit is dispatched as the OPF dispatches the case with it out of service.
#[test]
fn unavailable_unit_is_like_an_out_of_service_one() {
    let c = case("case30");
    let mut net = Network::from_case(&c).expect("compiles");
    let mut available = vec![true; net.n_gen()];
    available[0] = false;
    let mut ed = EconomicDispatch::new(&net, &c).expect("setup");
    let r = ed.solve(&net, Some(&available)).clone();
    assert_eq!(r.pg_mw[0], 0.0);
    net.gen_in_service[0] = false;
    let o = reference(&c, &net, false);
    assert!(
        (o.generation_cost_usd_per_h - r.cost_usd_per_h).abs() < 1e-6 * o.generation_cost_usd_per_h
    );
    assert!((o.system_lambda_usd_per_mwh[0] - r.lambda_usd_per_mwh[0]).abs() < 1e-6);
    assert_eq!(ed.solve(&net, None), &r, "mask and in-service flag agree");
}

/// Negative load (agents injecting) counts against the island's demand.
#[test]
fn negative_load_reduces_demand() {
    let c = tri(
        100.0,
        [(0.0, 200.0), (0.0, 200.0)],
        "2 0 0 2 10 0;\n2 0 0 2 20 0;",
    );
    let mut net = Network::from_case(&c).expect("compiles");
    net.pd_pu[1] = -0.3; // 30 MW injected at bus 2
    let r = EconomicDispatch::new(&net, &c)
        .expect("setup")
        .solve(&net, None)
        .clone();
    assert_eq!(r.demand_mw, vec![70.0]);
    assert_eq!(r.pg_mw, vec![70.0, 0.0]);
}

#[test]
fn copper_plate_ignores_topology() {
    let c = case("case9");
    let mut net = Network::from_case(&c).expect("compiles");
    net.br_in_service[4] = false;
    net.br_in_service[7] = false;
    let mut ed = EconomicDispatch::new(&net, &c).expect("setup");
    let r = ed.solve_copper_plate(&net, 315.0, None).clone();
    assert_eq!(r.status, DispatchStatus::Balanced);
    assert_eq!(r.island_bus_id, vec![1]);
    let whole = dispatch(&c);
    assert!((r.cost_usd_per_h - whole.cost_usd_per_h).abs() < 1e-9);
    assert!((r.lambda_usd_per_mwh[0] - whole.lambda_usd_per_mwh[0]).abs() < 1e-12);
    let bad = ed.solve_copper_plate(&net, f64::NAN, None);
    assert_eq!(bad.status, DispatchStatus::InvalidInput);
}

#[test]
fn invalid_input_is_a_status_with_every_problem() {
    let c = case("case9");
    let mut net = Network::from_case(&c).expect("compiles");
    let mut ed = EconomicDispatch::new(&net, &c).expect("setup");
    let r = ed.solve(&net, Some(&[true, true])).clone();
    assert_eq!(r.status, DispatchStatus::InvalidInput);
    assert!(
        r.diagnostics[0].contains("2 entries for 3 generators"),
        "{r:?}"
    );
    net.pd_pu[4] = f64::NAN;
    net.pmin_pu[2] = 3.0; // 300 MW, above Pmax 270 MW
    let r = ed.solve(&net, None).clone();
    assert_eq!(r.status, DispatchStatus::InvalidInput);
    assert_eq!(r.diagnostics.len(), 2, "{:?}", r.diagnostics);
    assert!(r.diagnostics[0].contains("bus 5"));
    assert!(r.diagnostics[1].contains("generator 3 at bus 3"));
    assert!(r.cost_usd_per_h.is_nan());
    let other = Network::from_case(&case("case30")).expect("compiles");
    assert_eq!(ed.solve(&other, None).status, DispatchStatus::InvalidInput);
    // An unavailable unit's limits are not checked.
    net.pd_pu[4] = 0.9;
    assert_eq!(
        ed.solve(&net, Some(&[true, true, false])).status,
        DispatchStatus::Balanced
    );
}

#[test]
fn setup_refuses_unusable_costs_with_the_generator_named() {
    let mut c = case("case9");
    c.gencost[1].curve = CostCurve::Polynomial {
        coeffs_high_first: vec![-0.1, 1.0, 0.0],
    };
    let net = Network::from_case(&c).expect("compiles");
    let e = EconomicDispatch::new(&net, &c).expect_err("non-convex");
    assert!(e.to_string().contains("generator 2 at bus 2"), "{e}");
    c.gencost.truncate(1);
    assert!(EconomicDispatch::new(&net, &c).is_err());
}

#[test]
fn same_input_same_bits() {
    let c = case("case300");
    let net = Network::from_case(&c).expect("compiles");
    let a = EconomicDispatch::new(&net, &c)
        .expect("setup")
        .solve(&net, None)
        .clone();
    let mut ed = EconomicDispatch::new(&net, &c).expect("setup");
    for _ in 0..3 {
        assert_eq!(ed.solve(&net, None), &a);
    }
}

fn check_invariants(r: &DispatchResult, net: &Network) -> Result<(), TestCaseError> {
    prop_assert_ne!(r.status, DispatchStatus::InvalidInput);
    let mut gen_sum = vec![0.0; r.demand_mw.len()];
    let topo = Topology::analyze(net);
    for g in 0..net.n_gen() {
        let (lo, hi) = (net.pmin_pu[g] * net.base_mva, net.pmax_pu[g] * net.base_mva);
        let p = r.pg_mw[g];
        if p != 0.0 {
            prop_assert!(
                lo - 1e-9 <= p && p <= hi + 1e-9,
                "gen {g}: {p} ∉ [{lo}, {hi}]"
            );
            let k = topo.island_of_bus[net.gen_bus[g]].expect("in service");
            gen_sum[k] += p;
        }
    }
    for (k, (&d, &gen_mw)) in r.demand_mw.iter().zip(&gen_sum).enumerate() {
        let balance = gen_mw + r.shed_mw[k] - r.excess_mw[k] - d;
        prop_assert!(
            balance.abs() <= 1e-9 * d.abs().max(1.0),
            "island {k}: {balance}"
        );
        prop_assert!(r.shed_mw[k] >= 0.0 && r.excess_mw[k] >= 0.0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Σ Pg + shed − excess = demand and Pmin ≤ Pg ≤ Pmax, for random loads (including
    /// negative ones and loads beyond capacity) and random availability on case118.
    #[test]
    fn balance_and_limits_hold_for_random_demand(
        scale in -0.2f64..2.5,
        noise in proptest::collection::vec(-0.5f64..0.5, 118),
        mask in proptest::collection::vec(proptest::bool::weighted(0.85), 54),
    ) {
        let c = case("case118");
        let mut net = Network::from_case(&c).expect("compiles");
        for (p, e) in net.pd_pu.iter_mut().zip(&noise) {
            *p = *p * scale + e;
        }
        let mut ed = EconomicDispatch::new(&net, &c).expect("setup");
        let r = ed.solve(&net, Some(&mask)).clone();
        check_invariants(&r, &net)?;
        for (&p, &on) in r.pg_mw.iter().zip(&mask) {
            if !on {
                prop_assert_eq!(p, 0.0);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The dispatch's cost equals the OPF's for random feasible loads (PWL and quadratic).
    #[test]
    fn cost_equals_dcopf_for_random_loads(scale in 0.3f64..1.6, pwl in any::<bool>()) {
        let c = if pwl { with_pwl_costs(case("case30")) } else { case("case30") };
        let mut net = Network::from_case(&c).expect("compiles");
        net.pd_pu.iter_mut().for_each(|p| *p *= scale);
        let r = EconomicDispatch::new(&net, &c).expect("setup").solve(&net, None).clone();
        let o = reference(&c, &net, false);
        if o.status == OpfStatus::Optimal {
            prop_assert_eq!(r.status, DispatchStatus::Balanced);
            let rel = (r.cost_usd_per_h - o.generation_cost_usd_per_h).abs()
                / o.generation_cost_usd_per_h.abs().max(1.0);
            prop_assert!(rel <= 1e-6, "cost {} vs {}", r.cost_usd_per_h, o.generation_cost_usd_per_h);
            prop_assert!((r.lambda_usd_per_mwh[0] - o.system_lambda_usd_per_mwh[0]).abs() <= 1e-6);
        } else {
            prop_assert_ne!(r.status, DispatchStatus::Balanced);
        }
    }
}
