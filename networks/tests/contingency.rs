//! N-1 contingency analysis: DC screening against re-solved DC power flows (islanding outages included), AC N-1 against individually solved outages, statuses, determinism across thread counts, and the JSON report.

use std::sync::LazyLock;

use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, Start};
use gridsim_networks::case::BusType;
use gridsim_networks::contingency::{
    ac_n1, dc_n1, AcContingencyAnalysis, AcMetrics, AcN1Settings, DcContingencyAnalysis,
    DcN1Settings, DcOutageMethod, OutageStatus,
};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::{matpower, Network, NetworkError, PfStatus};
use proptest::prelude::*;

fn net(name: &str) -> Network {
    let path = format!("{}/cases/matpower/{name}.m", env!("CARGO_MANIFEST_DIR"));
    let case = matpower::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Network::from_case(&case).expect("compiles")
}

static CASE118: LazyLock<Network> = LazyLock::new(|| net("case118"));
static CASE300: LazyLock<Network> = LazyLock::new(|| net("case300"));

/// Checks the screening's post-outage flows and unserved load for outage `o` against a DC
/// power flow of the network without `o`. Returns the method used.
fn check_dc_outage(n: &Network, dca: &DcContingencyAnalysis<'_>, o: usize) -> DcOutageMethod {
    let got = dca.post_outage_flows(o).expect("in range");
    let mut out = n.clone();
    out.br_in_service[o] = false;
    let post = DcPowerFlow::new(&out).solve(&out);
    assert_eq!(got.status, OutageStatus::from(post.status), "outage {o}");
    assert_eq!(
        got.islanding,
        post.n_islands > dca.base().n_islands,
        "outage {o}: islanding"
    );
    for m in 0..n.n_branch() {
        // Tolerance: 1e-8 MW.
        assert!(
            (got.pf_mw[m] - post.pf_mw[m]).abs() < 1e-8,
            "outage {o} ({:?}), branch {m}: screened {} vs re-solved {}",
            got.method,
            got.pf_mw[m],
            post.pf_mw[m]
        );
    }
    // Tolerance: 1e-9 MW (sums in another order).
    let unserved = post.unserved_mw - dca.base().unserved_mw;
    assert!(
        (got.unserved_mw - unserved).abs() < 1e-9,
        "outage {o}: unserved {} vs {unserved}",
        got.unserved_mw
    );
    got.method
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn dc_screening_equals_resolved_dc_case118(o in 0usize..186) {
        let n = &*CASE118;
        let dca = DcContingencyAnalysis::new(n, DcN1Settings::default()).expect("prepares");
        prop_assume!(n.branch_connected(o));
        check_dc_outage(n, &dca, o);
    }

    #[test]
    fn dc_screening_equals_resolved_dc_case300(o in 0usize..411) {
        let n = &*CASE300;
        let dca = DcContingencyAnalysis::new(n, DcN1Settings::default()).expect("prepares");
        prop_assume!(n.branch_connected(o));
        check_dc_outage(n, &dca, o);
    }
}

#[test]
fn every_dc_outage_of_small_cases_equals_resolved_dc_including_islanding() {
    for name in ["case9", "case30", "case33bw", "case118", "case300"] {
        let n = net(name);
        let dca = DcContingencyAnalysis::new(&n, DcN1Settings::default()).expect("prepares");
        let mut split = 0;
        for o in (0..n.n_branch()).filter(|&o| n.branch_connected(o)) {
            if check_dc_outage(&n, &dca, o) == DcOutageMethod::IslandSplit {
                split += 1;
            }
        }
        if matches!(name, "case9" | "case33bw" | "case118" | "case300") {
            assert!(split > 0, "{name}: no islanding outage exercised");
        }
    }
}

#[test]
fn islanding_feeder_outage_reports_unserved_load_dc_and_ac() {
    // case33bw is radial: taking out 6-7 (row 5) de-energises buses 7-18.
    let n = net("case33bw");
    let o = 5;
    assert_eq!((n.bus_id[n.br_from[o]], n.bus_id[n.br_to[o]]), (6, 7));
    let downstream_mw: f64 = (6..18).map(|i| n.pd_pu[i] * n.base_mva).sum();
    let dc = dc_n1(&n, Some(&[o]), &DcN1Settings::default()).expect("runs");
    let r = &dc.outages[0];
    assert!(r.islanding);
    assert_eq!(r.method, DcOutageMethod::IslandSplit);
    assert_eq!((r.from_bus, r.to_bus), (6, 7));
    // Tolerance: 1e-12 MW.
    assert!(
        (r.unserved_mw - downstream_mw).abs() < 1e-12,
        "{} vs {downstream_mw}",
        r.unserved_mw
    );
    let ac = ac_n1(&n, Some(&[o]), &AcN1Settings::default()).expect("runs");
    let r = &ac.outages[0];
    assert_eq!(r.status, OutageStatus::Converged);
    assert!(r.islanding);
    assert!(
        (r.unserved_mw - downstream_mw).abs() < 1e-9,
        "{} vs {downstream_mw}",
        r.unserved_mw
    );
    let m = r.metrics.as_ref().expect("converged");
    // Less load: the remaining feeder's lowest voltage rises above the base case's.
    let base = ac.base_metrics.as_ref().expect("base converged");
    assert!(m.vm_min_pu > base.vm_min_pu);
}

#[test]
fn islanding_generator_outage_gives_its_island_a_new_slack() {
    // case9: 8-2 (row 6) leaves generator 2 alone on bus 2: an energised island without load.
    let n = net("case9");
    let dc = dc_n1(&n, None, &DcN1Settings::default()).expect("runs");
    assert_eq!(dc.summary.n_islanding, 3);
    let r = &dc.outages[6];
    assert_eq!((r.branch_idx, r.from_bus, r.to_bus), (6, 8, 2));
    assert!(r.islanding && r.unserved_mw == 0.0);
    let ac = AcContingencyAnalysis::new(&n, AcN1Settings::default()).expect("base");
    let res = ac.solve_outage(6).expect("in range").expect("connected");
    assert_eq!(res.status, PfStatus::Converged);
    assert_eq!(res.n_energized_islands, 2);
    // Generator 2 now produces nothing (no load on its island); generator 1 takes it up.
    assert!(res.pg_mw[1].abs() < 1e-6, "{}", res.pg_mw[1]);
}

#[test]
fn split_island_with_its_own_reference_bus_is_resolved() {
    // Make bus 2 a second reference bus: the outage of 8-2 then leaves a reference on each
    // side, which the split formulas do not cover; the screening re-solves it.
    let mut n = net("case9");
    let b2 = n.bus_index(2).expect("bus 2");
    n.bus_type[b2] = BusType::Ref;
    let dca = DcContingencyAnalysis::new(&n, DcN1Settings::default()).expect("prepares");
    assert_eq!(check_dc_outage(&n, &dca, 6), DcOutageMethod::Resolved);
    assert_eq!(check_dc_outage(&n, &dca, 3), DcOutageMethod::IslandSplit);
}

#[test]
fn ac_n1_of_case118_agrees_with_individually_solved_outages() {
    let n = &*CASE118;
    let settings = AcN1Settings::default();
    let report = ac_n1(n, None, &settings).expect("runs");
    assert_eq!(report.base_status, PfStatus::Converged);
    assert_eq!(
        report.outages.len(),
        (0..n.n_branch()).filter(|&k| n.branch_connected(k)).count()
    );
    let base_islands = DcPowerFlow::new(n).solve(n).n_islands;
    let mut compared = 0;
    for r in &report.outages {
        let mut out = n.clone();
        out.br_in_service[r.branch_idx] = false;
        let res = AcPowerFlow::new(&out, AcPfSettings::default()).solve(&out, Start::Case);
        assert_eq!(
            r.islanding,
            res.n_islands > base_islands,
            "outage {}",
            r.branch_idx
        );
        if !(res.status.is_converged() && r.status.is_converged()) {
            continue;
        }
        compared += 1;
        let m = r.metrics.as_ref().expect("converged");
        let mine = AcMetrics::of(n, &res, &settings);
        // Tolerance: 1e-6 p.u. (both solutions within 1e-8 p.u. mismatch).
        let close = |a: Option<f64>, b: Option<f64>| {
            (a.unwrap_or(f64::NAN) - b.unwrap_or(f64::NAN)).abs() < 1e-6
        };
        assert!(
            close(m.vm_min_pu, mine.vm_min_pu) && close(m.vm_max_pu, mine.vm_max_pu),
            "outage {}",
            r.branch_idx
        );
        assert_eq!(m.vm_min_bus, mine.vm_min_bus);
        // Tolerance: 1e-4 % loading.
        assert!(
            (m.max_loading_pct - mine.max_loading_pct).abs() < 1e-4,
            "outage {}",
            r.branch_idx
        );
        let ids = |v: &[gridsim_networks::contingency::AcOverload]| {
            v.iter().map(|o| o.branch_idx).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&m.overloads),
            ids(&mine.overloads),
            "outage {}",
            r.branch_idx
        );
        assert_eq!(m.voltage_violations.len(), mine.voltage_violations.len());
        assert!((r.unserved_mw - res.unserved_mw).abs() < 1e-9);
    }
    assert!(
        compared + 2 >= report.outages.len(),
        "only {compared} of {} compared",
        report.outages.len()
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let pool = |k| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(k)
            .build()
            .expect("pool")
    };
    let n = &*CASE300;
    let dc1 = pool(1).install(|| dc_n1(n, None, &DcN1Settings::default()).expect("runs"));
    let dc2 = pool(2).install(|| dc_n1(n, None, &DcN1Settings::default()).expect("runs"));
    assert_eq!(dc1, dc2);
    let n = &*CASE118;
    let ac1 = pool(1).install(|| ac_n1(n, None, &AcN1Settings::default()).expect("runs"));
    let ac2 = pool(2).install(|| ac_n1(n, None, &AcN1Settings::default()).expect("runs"));
    assert_eq!(ac1, ac2);
    let outages: Vec<usize> = (0..40).rev().collect();
    let p1 = pool(1).install(|| ac_n1(n, Some(&outages), &AcN1Settings::default()).expect("runs"));
    let p3 = pool(3).install(|| ac_n1(n, Some(&outages), &AcN1Settings::default()).expect("runs"));
    assert_eq!(p1, p3);
    // The order of the outage list is kept.
    let order: Vec<usize> = p1.outages.iter().map(|r| r.branch_idx).collect();
    assert_eq!(order, outages);
}

#[test]
fn out_of_service_branch_is_reported_not_solved() {
    let n = net("case33bw");
    let tie = 32;
    assert!(!n.br_in_service[tie]);
    let dc = dc_n1(&n, Some(&[tie, 0]), &DcN1Settings::default()).expect("runs");
    assert_eq!(dc.outages[0].status, OutageStatus::NotInService);
    assert_eq!(dc.outages[0].method, DcOutageMethod::Unchanged);
    assert_eq!(dc.summary.n_not_in_service, 1);
    let ac = ac_n1(&n, Some(&[tie]), &AcN1Settings::default()).expect("runs");
    assert_eq!(ac.outages[0].status, OutageStatus::NotInService);
    assert!(ac.outages[0].metrics.is_none());
    // The default list skips them.
    let all = dc_n1(&n, None, &DcN1Settings::default()).expect("runs");
    assert_eq!(all.outages.len(), 32);
    assert_eq!(all.summary.n_islanding, 32);
}

#[test]
fn non_convergence_is_a_status() {
    let n = &*CASE118;
    let settings = AcN1Settings {
        pf: AcPfSettings {
            max_iter: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let report = ac_n1(n, Some(&[7, 8]), &settings).expect("runs");
    assert_eq!(report.base_status, PfStatus::MaxIterations);
    assert!(report.base_metrics.is_none());
    for r in &report.outages {
        assert_eq!(r.status, OutageStatus::MaxIterations);
        assert_eq!(r.iterations, 1);
        assert!(r.metrics.is_none());
    }
    assert_eq!(report.summary.n_not_converged, 2);
}

#[test]
fn overloads_and_voltage_violations_are_reported_with_bus_numbers() {
    // A low threshold makes every rated branch above it an overload (case118 has no ratings).
    let n = &net("case30");
    let settings = DcN1Settings {
        overload_threshold_pct: 1.0,
        ..Default::default()
    };
    let rated: Vec<usize> = (0..n.n_branch())
        .filter(|&k| n.br_rate_a_pu[k].is_finite())
        .collect();
    let dc = dc_n1(n, Some(&[10]), &settings).expect("runs");
    let r = &dc.outages[0];
    assert!(r.n_overloads > 0 && r.n_overloads == r.overloads.len());
    for ov in &r.overloads {
        assert!(rated.contains(&ov.branch_idx) && ov.branch_idx != 10);
        assert_eq!(ov.from_bus, n.bus_id[n.br_from[ov.branch_idx]]);
        assert!((ov.loading_pct - ov.flow_mw.abs() / ov.rate_a_mva * 100.0).abs() < 1e-9);
        assert!(ov.loading_pct > 1.0);
    }
    assert!(
        r.max_loading_pct
            >= r.overloads
                .iter()
                .map(|o| o.loading_pct)
                .fold(0.0, f64::max)
    );
    // Tight voltage limits make voltage violations.
    let mut tight = CASE118.clone();
    tight.vmax_pu.iter_mut().for_each(|v| *v = 1.0);
    let ac = ac_n1(&tight, Some(&[10]), &AcN1Settings::default()).expect("runs");
    let m = ac.outages[0].metrics.as_ref().expect("converged");
    assert!(!m.voltage_violations.is_empty());
    for v in &m.voltage_violations {
        let i = tight.bus_index(v.bus).expect("external number");
        assert!(v.vm_pu > 1.0 + 1e-6);
        assert_eq!(v.vmax_pu, tight.vmax_pu[i]);
    }
    let (lo, hi) = (m.vm_min_pu.expect("some"), m.vm_max_pu.expect("some"));
    assert!(lo <= hi && tight.bus_index(m.vm_min_bus.expect("some")).is_some());
}

#[test]
fn invalid_input_is_an_error_listing_every_problem() {
    let n = net("case9");
    match dc_n1(&n, Some(&[0, 99, 100]), &DcN1Settings::default()) {
        Err(NetworkError::InvalidData(p)) => assert_eq!(p.len(), 2),
        other => panic!("expected InvalidData, got {other:?}"),
    }
    match ac_n1(&n, Some(&[9]), &AcN1Settings::default()) {
        Err(NetworkError::InvalidData(p)) => assert_eq!(p.len(), 1),
        other => panic!("expected InvalidData, got {other:?}"),
    }
    let bad = DcN1Settings {
        overload_threshold_pct: 0.0,
        ..Default::default()
    };
    assert!(bad.validate().is_err() && dc_n1(&n, None, &bad).is_err());
    let bad = AcN1Settings {
        voltage_tol_pu: -1.0,
        ..Default::default()
    };
    assert!(bad.validate().is_err() && ac_n1(&n, None, &bad).is_err());
    let bad = DcN1Settings {
        monitored: Some(vec![9]),
        ..Default::default()
    };
    assert!(DcContingencyAnalysis::new(&n, bad).is_err());
}

#[test]
fn reports_serialise_with_external_bus_numbers_and_units() {
    let n = net("case9");
    let settings = DcN1Settings {
        overload_threshold_pct: 10.0,
        ..Default::default()
    };
    let dc = serde_json::to_value(dc_n1(&n, None, &settings).expect("runs")).expect("serialises");
    let o = &dc["outages"][1];
    assert_eq!(
        (o["from_bus"].as_u64(), o["to_bus"].as_u64()),
        (Some(4), Some(5))
    );
    assert_eq!(o["status"], "converged");
    assert_eq!(o["method"], "lodf");
    assert!(o["overloads"][0]["rate_a_mva"].is_f64() && o["overloads"][0]["loading_pct"].is_f64());
    assert!(dc["summary"]["worst"]["loading_pct"].is_f64());
    let ac = serde_json::to_value(ac_n1(&n, None, &AcN1Settings::default()).expect("runs"))
        .expect("serialises");
    let o = &ac["outages"][1];
    assert!(o["metrics"]["vm_min_pu"].is_f64() && o["metrics"]["vm_min_bus"].is_u64());
    assert!(ac["summary"]["lowest_vm"]["bus"].is_u64());
    assert_eq!(ac["base_status"], "converged");
}

#[test]
fn dc_warm_start_changes_iterations_not_solutions() {
    let n = &*CASE118;
    let with = ac_n1(n, None, &AcN1Settings::default()).expect("runs");
    let without = ac_n1(
        n,
        None,
        &AcN1Settings {
            dc_warm_start: false,
            ..Default::default()
        },
    )
    .expect("runs");
    let its = |r: &gridsim_networks::contingency::AcN1Report| {
        r.outages.iter().map(|o| o.iterations).sum::<usize>()
    };
    assert!(
        its(&with) <= its(&without),
        "{} vs {}",
        its(&with),
        its(&without)
    );
    for (a, b) in with.outages.iter().zip(&without.outages) {
        assert_eq!(a.status, b.status, "outage {}", a.branch_idx);
        if let (Some(ma), Some(mb)) = (&a.metrics, &b.metrics) {
            // Tolerance: 1e-6 p.u. (both within 1e-8 p.u. mismatch).
            let d = (ma.vm_min_pu.unwrap_or(0.0) - mb.vm_min_pu.unwrap_or(0.0)).abs();
            assert!(d < 1e-6, "outage {}: {d}", a.branch_idx);
        }
    }
}
