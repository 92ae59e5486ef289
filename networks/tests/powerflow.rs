//! Power flow invariants and statuses: balance at every bus, Ybus symmetry, per-unit round
//! trip, islands, and a test forcing every `PfStatus`.

use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, Start};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::network::PerUnit;
use gridsim_networks::ybus::Ybus;
use gridsim_networks::{matpower, Case, Network, PfStatus, PowerFlowResult};
use proptest::prelude::*;

fn case(name: &str) -> Case {
    let path = format!("{}/cases/matpower/{name}.m", env!("CARGO_MANIFEST_DIR"));
    matpower::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn net(name: &str) -> Network {
    Network::from_case(&case(name)).expect("compiles")
}

/// Largest nodal power imbalance (MW or MVAr) of an AC solution, recomputed from the result
/// alone: generation − load − shunt − Σ branch flows leaving the bus.
fn max_bus_imbalance(net: &Network, res: &PowerFlowResult) -> f64 {
    let pu = net.per_unit();
    let nb = net.n_bus();
    let mut p = vec![0.0; nb];
    let mut q = vec![0.0; nb];
    for i in 0..nb {
        if !res.energized[i] {
            continue;
        }
        let v2 = res.vm_pu[i] * res.vm_pu[i];
        p[i] -= pu.to_mw(net.pd_pu[i]) + pu.to_mw(net.gs_pu[i]) * v2;
        q[i] -= pu.to_mw(net.qd_pu[i]) - pu.to_mw(net.bs_pu[i]) * v2;
    }
    for g in 0..net.n_gen() {
        p[net.gen_bus[g]] += res.pg_mw[g];
        q[net.gen_bus[g]] += res.qg_mvar[g];
    }
    for k in 0..net.n_branch() {
        p[net.br_from[k]] -= res.pf_mw[k];
        q[net.br_from[k]] -= res.qf_mvar[k];
        p[net.br_to[k]] -= res.pt_mw[k];
        q[net.br_to[k]] -= res.qt_mvar[k];
    }
    (0..nb)
        .filter(|&i| res.energized[i])
        .map(|i| p[i].abs().max(q[i].abs()))
        .fold(0.0, f64::max)
}

#[test]
fn power_balances_at_every_bus_after_convergence() {
    for name in ["case9", "case30", "case118", "case300", "case2383wp"] {
        let n = net(name);
        for qlim in [false, true] {
            let settings = AcPfSettings {
                enforce_q_lims: qlim,
                ..Default::default()
            };
            let res = AcPowerFlow::new(&n, settings).solve(&n, Start::Case);
            assert_eq!(res.status, PfStatus::Converged, "{name} qlim={qlim}");
            // Tolerance: 1e-8 p.u. mismatch × baseMVA, plus rounding.
            let imb = max_bus_imbalance(&n, &res);
            assert!(
                imb < 1e-8 * n.base_mva + 1e-7,
                "{name} qlim={qlim}: imbalance {imb} MW"
            );
        }
    }
}

#[test]
fn q_limits_are_respected_when_enforced() {
    for name in ["case14", "case118", "case300", "case2383wp"] {
        let c = case(name);
        let n = Network::from_case(&c).expect("compiles");
        let res = AcPowerFlow::new(
            &n,
            AcPfSettings {
                enforce_q_lims: true,
                ..Default::default()
            },
        )
        .solve(&n, Start::Case);
        assert_eq!(res.status, PfStatus::Converged);
        for g in 0..c.gen.len() {
            if c.gen.in_service[g] {
                assert!(
                    res.qg_mvar[g] <= c.gen.qmax_mvar[g] + 1e-4,
                    "{name} gen {g}"
                );
                assert!(
                    res.qg_mvar[g] >= c.gen.qmin_mvar[g] - 1e-4,
                    "{name} gen {g}"
                );
            }
        }
    }
}

#[test]
fn ybus_is_symmetric_without_phase_shifters() {
    for name in ["case30", "case118", "case1354pegase"] {
        let mut n = net(name);
        n.br_shift_rad.iter_mut().for_each(|s| *s = 0.0);
        let y = Ybus::build(&n);
        for i in 0..y.n {
            for p in y.row_ptr[i]..y.row_ptr[i + 1] {
                let j = y.col_idx[p];
                assert!(
                    (y.get(i, j) - y.get(j, i)).norm() <= 1e-12 * y.get(i, j).norm().max(1.0),
                    "{name} ({i},{j})"
                );
            }
        }
    }
}

#[test]
fn ybus_is_not_symmetric_with_a_phase_shifter() {
    let mut n = net("case9");
    n.br_shift_rad[1] = 0.1;
    let y = Ybus::build(&n);
    let (f, t) = (n.br_from[1], n.br_to[1]);
    assert!((y.get(f, t) - y.get(t, f)).norm() > 1e-3);
}

proptest! {
    #[test]
    fn per_unit_round_trip(base in 1.0f64..1e4, mw in -1e5f64..1e5, deg in -360.0f64..360.0) {
        let pu = PerUnit { base_mva: base };
        prop_assert!((pu.to_mw(pu.to_pu(mw)) - mw).abs() <= 1e-12 * mw.abs().max(1.0));
        prop_assert!((PerUnit::rad_to_deg(PerUnit::deg_to_rad(deg)) - deg).abs() <= 1e-12 * deg.abs().max(1.0));
    }

    /// Scaling all loads and generation of case30 by a common factor still converges and balances.
    #[test]
    fn balance_holds_under_load_scaling(scale in 0.5f64..1.3) {
        let mut n = net("case30");
        n.pd_pu.iter_mut().for_each(|p| *p *= scale);
        n.qd_pu.iter_mut().for_each(|q| *q *= scale);
        n.pg_pu.iter_mut().for_each(|p| *p *= scale);
        let res = AcPowerFlow::new(&n, AcPfSettings::default()).solve(&n, Start::Case);
        prop_assert_eq!(res.status, PfStatus::Converged);
        prop_assert!(max_bus_imbalance(&n, &res) < 1e-6);
    }
}

#[test]
fn warm_start_converges_in_fewer_iterations() {
    let n = net("case1354pegase");
    let mut pf = AcPowerFlow::new(&n, AcPfSettings::default());
    let cold = pf.solve(&n, Start::Case);
    assert!(cold.status.is_converged());
    let va: Vec<f64> = cold
        .va_deg
        .iter()
        .map(|&d| PerUnit::deg_to_rad(d))
        .collect();
    let mut m = n.clone();
    m.pd_pu.iter_mut().for_each(|p| *p *= 1.01);
    let warm = pf.solve(
        &m,
        Start::Warm {
            vm_pu: &cold.vm_pu,
            va_rad: &va,
        },
    );
    let cold_m = AcPowerFlow::new(&m, AcPfSettings::default()).solve(&m, Start::Case);
    assert!(warm.status.is_converged());
    assert!(
        warm.iterations < cold_m.iterations,
        "warm {} vs cold {}",
        warm.iterations,
        cold_m.iterations
    );
    for i in 0..m.n_bus() {
        assert!((warm.vm_pu[i] - cold_m.vm_pu[i]).abs() < 1e-7);
    }
}

#[test]
fn status_max_iterations_when_the_limit_is_too_low() {
    let n = net("case300");
    let res = AcPowerFlow::new(
        &n,
        AcPfSettings {
            max_iter: 1,
            ..Default::default()
        },
    )
    .solve(&n, Start::Case);
    assert_eq!(res.status, PfStatus::MaxIterations);
    assert_eq!(res.iterations, 1);
    assert!(res.max_mismatch_pu > 1e-8);
}

#[test]
fn status_diverged_under_impossible_load() {
    let mut n = net("case9");
    n.pd_pu.iter_mut().for_each(|p| *p *= 50.0);
    let res = AcPowerFlow::new(
        &n,
        AcPfSettings {
            max_iter: 30,
            ..Default::default()
        },
    )
    .solve(&n, Start::Case);
    assert!(
        matches!(
            res.status,
            PfStatus::Diverged | PfStatus::MaxIterations | PfStatus::Singular
        ),
        "{:?}",
        res.status
    );
    assert!(!res.status.is_converged());
}

#[test]
fn status_singular_when_parallel_branches_cancel_exactly() {
    // Bus 5 (idx 4) hangs on two parallel branches to bus 4 (idx 3) with reactances +x and −x:
    // their admittances cancel, so bus 5's Jacobian column is exactly zero. That must be
    // reported as singular, never as NaN voltages.
    let mut n = net("case9");
    for k in [1, 2] {
        n.br_from[k] = 3;
        n.br_to[k] = 4;
        n.br_r_pu[k] = 0.0;
        n.br_b_pu[k] = 0.0;
    }
    n.br_x_pu[1] = 0.1;
    n.br_x_pu[2] = -0.1;
    let res = AcPowerFlow::new(&n, AcPfSettings::default()).solve(&n, Start::Case);
    assert_eq!(res.status, PfStatus::Singular);
    let dc = DcPowerFlow::new(&n).solve(&n);
    assert_eq!(dc.status, PfStatus::Singular);
}

#[test]
fn status_q_limits_infeasible_when_every_generator_is_over_its_limit() {
    let mut n = net("case9");
    for g in 0..n.n_gen() {
        n.qmax_pu[g] = -5.0;
        n.qmin_pu[g] = -6.0;
    }
    let res = AcPowerFlow::new(
        &n,
        AcPfSettings {
            enforce_q_lims: true,
            ..Default::default()
        },
    )
    .solve(&n, Start::Case);
    assert_eq!(res.status, PfStatus::QLimitsInfeasible);
    assert!(res
        .diagnostics
        .iter()
        .any(|d| d.contains("exceed their reactive limits")));
}

#[test]
fn status_no_energized_island_without_generators() {
    let mut n = net("case9");
    n.gen_in_service.iter_mut().for_each(|s| *s = false);
    let ac = AcPowerFlow::new(&n, AcPfSettings::default()).solve(&n, Start::Case);
    assert_eq!(ac.status, PfStatus::NoEnergizedIsland);
    assert!((ac.unserved_mw - 315.0).abs() < 1e-9);
    let dc = DcPowerFlow::new(&n).solve(&n);
    assert_eq!(dc.status, PfStatus::NoEnergizedIsland);
}

#[test]
fn island_without_generation_is_reported_and_the_rest_solves() {
    let mut n = net("case9");
    // Cut bus 5 (idx 4, 90 MW) off: branches 4-5 (k=1) and 5-6 (k=2).
    n.br_in_service[1] = false;
    n.br_in_service[2] = false;
    for res in [
        AcPowerFlow::new(&n, AcPfSettings::default()).solve(&n, Start::Case),
        DcPowerFlow::new(&n).solve(&n),
    ] {
        assert_eq!(res.status, PfStatus::Converged);
        assert_eq!(res.n_islands, 2);
        assert_eq!(res.n_energized_islands, 1);
        assert!(!res.energized[4]);
        assert_eq!(res.vm_pu[4], 0.0);
        assert!((res.unserved_mw - 90.0).abs() < 1e-9);
        assert!(res.diagnostics.iter().any(|d| d.contains("no generation")));
        assert_eq!(res.pf_mw[1], 0.0);
    }
}

#[test]
fn two_energized_islands_each_with_its_own_slack() {
    let mut n = net("case9");
    // Cut generator bus 2 (idx 1) with its line 8-2 (k=6) and give it a local load.
    n.br_in_service[6] = false;
    n.pd_pu[1] = 0.5;
    let res = AcPowerFlow::new(&n, AcPfSettings::default()).solve(&n, Start::Case);
    assert_eq!(res.status, PfStatus::Converged);
    assert_eq!(res.n_energized_islands, 2);
    // Gen 2 is the slack of its island: it serves exactly the local load.
    assert!((res.pg_mw[1] - 50.0).abs() < 1e-6, "{}", res.pg_mw[1]);
    let dc = DcPowerFlow::new(&n).solve(&n);
    assert!((dc.pg_mw[1] - 50.0).abs() < 1e-9);
}

#[test]
fn repeated_solves_reuse_the_pattern_and_agree() {
    let n = net("case118");
    let mut pf = AcPowerFlow::new(&n, AcPfSettings::default());
    let a = pf.solve(&n, Start::Case);
    let b = pf.solve(&n, Start::Case);
    assert_eq!(a, b);
}

#[test]
fn branch_outage_through_update_network_matches_a_fresh_solver() {
    let mut n = net("case118");
    let mut pf = AcPowerFlow::new(&n, AcPfSettings::default());
    let _ = pf.solve(&n, Start::Case);
    n.br_in_service[10] = false;
    pf.update_network(&n);
    let reused = pf.solve(&n, Start::Case);
    let fresh = AcPowerFlow::new(&n, AcPfSettings::default()).solve(&n, Start::Case);
    assert!(reused.status.is_converged());
    for i in 0..n.n_bus() {
        assert!((reused.vm_pu[i] - fresh.vm_pu[i]).abs() < 1e-10);
        assert!((reused.va_deg[i] - fresh.va_deg[i]).abs() < 1e-8);
    }
}

#[test]
fn dc_flows_are_lossless_and_balance() {
    let n = net("case300");
    let res = DcPowerFlow::new(&n).solve(&n);
    assert!(res.status.is_converged());
    let pg: f64 = res.pg_mw.iter().sum();
    let pd: f64 =
        n.pd_pu.iter().sum::<f64>() * n.base_mva + n.gs_pu.iter().sum::<f64>() * n.base_mva;
    assert!((pg - pd).abs() < 1e-8, "{pg} vs {pd}");
    for k in 0..n.n_branch() {
        assert_eq!(res.pf_mw[k], -res.pt_mw[k]);
    }
}

fn fd(variant: gridsim_networks::FdVariant) -> AcPfSettings {
    AcPfSettings {
        algorithm: gridsim_networks::PfAlgorithm::FastDecoupled(variant),
        ..Default::default()
    }
}

/// Fast-decoupled XB and BX reach Newton's solution (the solution is unique): voltages within
/// 1e-7 p.u. / 1e-6 degrees, with and without reactive limits, and balance at every bus.
#[test]
fn fast_decoupled_reaches_the_newton_solution() {
    use gridsim_networks::FdVariant;
    for name in ["case9", "case30", "case118", "case300", "case69"] {
        let n = net(name);
        for qlim in [false, true] {
            let newton = AcPowerFlow::new(
                &n,
                AcPfSettings {
                    enforce_q_lims: qlim,
                    ..Default::default()
                },
            )
            .solve(&n, Start::Case);
            for variant in [FdVariant::Xb, FdVariant::Bx] {
                let settings = AcPfSettings {
                    enforce_q_lims: qlim,
                    ..fd(variant)
                };
                let res = AcPowerFlow::new(&n, settings).solve(&n, Start::Case);
                assert_eq!(res.status, PfStatus::Converged, "{name} {variant:?} {qlim}");
                assert!(
                    res.max_mismatch_pu < 1e-7,
                    "{name}: {}",
                    res.max_mismatch_pu
                );
                // Linear convergence: more iterations than Newton (summed over the reactive-limit
                // rounds), but not many.
                assert!(
                    res.iterations >= newton.iterations && res.iterations <= 60,
                    "{name} {variant:?} {qlim}: {} vs {}",
                    res.iterations,
                    newton.iterations
                );
                for i in 0..n.n_bus() {
                    assert!(
                        (res.vm_pu[i] - newton.vm_pu[i]).abs() < 1e-7,
                        "{name} bus {i}"
                    );
                    assert!(
                        (res.va_deg[i] - newton.va_deg[i]).abs() < 1e-6,
                        "{name} bus {i}"
                    );
                }
                assert!(max_bus_imbalance(&n, &res) < 1e-5, "{name} {variant:?}");
            }
        }
    }
}

/// The fast-decoupled iteration limit forces `MaxIterations`; a warm start from the solution
/// converges at once with the factorised matrices reused.
#[test]
fn fast_decoupled_iteration_limit_and_warm_start() {
    use gridsim_networks::FdVariant;
    let n = net("case118");
    let settings = AcPfSettings {
        fd_max_iter: 2,
        ..fd(FdVariant::Xb)
    };
    let res = AcPowerFlow::new(&n, settings).solve(&n, Start::Case);
    assert_eq!(res.status, PfStatus::MaxIterations);
    assert_eq!(res.iterations, 2);
    assert!(res.max_mismatch_pu > 1e-8);

    let mut pf = AcPowerFlow::new(&n, fd(FdVariant::Xb));
    let first = pf.solve(&n, Start::Case);
    assert_eq!(first.status, PfStatus::Converged);
    let va: Vec<f64> = first.va_deg.iter().map(|d| d.to_radians()).collect();
    let again = pf.solve(
        &n,
        Start::Warm {
            vm_pu: &first.vm_pu,
            va_rad: &va,
        },
    );
    assert_eq!(again.status, PfStatus::Converged);
    assert!(again.iterations <= 1, "{}", again.iterations);
}

/// Settings with no fast-decoupled iterations are rejected.
#[test]
fn fast_decoupled_settings_are_validated() {
    let bad = AcPfSettings {
        fd_max_iter: 0,
        ..Default::default()
    };
    assert!(bad.validate().is_err());
    assert!(AcPfSettings::default().validate().is_ok());
}
