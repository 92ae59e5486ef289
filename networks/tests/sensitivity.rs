//! PTDF and LODF against DC power flows: flows equal PTDF × injections, post-outage flows equal a re-solved DC power flow, islanding outages flagged.

use std::sync::LazyLock;

use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::sensitivity::{self, DcSensitivities, Ptdf, SlackDistribution};
use gridsim_networks::topology::{BusRole, Topology};
use gridsim_networks::ybus::DcMatrices;
use gridsim_networks::{matpower, Network, NetworkError, PfStatus};
use proptest::prelude::*;

fn net(name: &str) -> Network {
    let path = format!("{}/cases/matpower/{name}.m", env!("CARGO_MANIFEST_DIR"));
    let case = matpower::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Network::from_case(&case).expect("compiles")
}

struct Prepared {
    net: Network,
    sens: DcSensitivities,
    ptdf: Ptdf,
    dc: DcMatrices,
}

fn prepare(name: &str) -> Prepared {
    let net = net(name);
    let sens = DcSensitivities::new(&net).expect("B factorises");
    let ptdf = sens
        .ptdf(None, &SlackDistribution::ReferenceBuses)
        .expect("ptdf");
    let dc = DcMatrices::build(&net);
    Prepared {
        net,
        sens,
        ptdf,
        dc,
    }
}

static CASE30: LazyLock<Prepared> = LazyLock::new(|| prepare("case30"));
static CASE118: LazyLock<Prepared> = LazyLock::new(|| prepare("case118"));
static CASE300: LazyLock<Prepared> = LazyLock::new(|| prepare("case300"));

/// The DC power flow's bus injections, p.u.: `Cg Pg − Pd − Gs − Pbusinj`.
fn injections_pu(net: &Network, dc: &DcMatrices) -> Vec<f64> {
    let mut p: Vec<f64> = (0..net.n_bus())
        .map(|i| -net.pd_pu[i] - net.gs_pu[i] - dc.pbus_inj[i])
        .collect();
    for g in 0..net.n_gen() {
        if net.gen_connected(g) {
            p[net.gen_bus[g]] += net.pg_pu[g];
        }
    }
    p
}

/// Perturbs the loads of `prep`'s network by `delta_pu` (cycled over the buses), solves the DC
/// power flow and compares its flows with `PTDF · P + Pfinj`.
fn check_ptdf_flows(prep: &Prepared, delta_pu: &[f64]) -> Result<(), TestCaseError> {
    let mut n = prep.net.clone();
    for i in 0..n.n_bus() {
        n.pd_pu[i] += delta_pu[i % delta_pu.len()];
    }
    let res = DcPowerFlow::new(&n).solve(&n);
    prop_assert_eq!(res.status, PfStatus::Converged);
    let p = injections_pu(&n, &prep.dc);
    let flows = prep.ptdf.flows(&p).expect("one injection per bus");
    for (r, &k) in prep.ptdf.branches.iter().enumerate() {
        let expected_pu = res.pf_mw[k] / n.base_mva;
        let got_pu = flows[r] + prep.dc.pf_inj[k];
        // Tolerance: 1e-9 p.u. (the two computations differ only by rounding).
        prop_assert!(
            (got_pu - expected_pu).abs() < 1e-9,
            "branch {k}: PTDF {got_pu} vs DC {expected_pu}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn dc_flows_equal_ptdf_times_injections_case30(delta in prop::collection::vec(-0.5f64..0.5, 1..40)) {
        check_ptdf_flows(&CASE30, &delta)?;
    }

    #[test]
    fn dc_flows_equal_ptdf_times_injections_case118(delta in prop::collection::vec(-0.5f64..0.5, 1..130)) {
        check_ptdf_flows(&CASE118, &delta)?;
    }

    #[test]
    fn lodf_post_outage_flows_equal_resolved_dc_case118(o in 0usize..186) {
        check_lodf(&CASE118, o)?;
    }

    #[test]
    fn lodf_post_outage_flows_equal_resolved_dc_case300(o in 0usize..411) {
        check_lodf(&CASE300, o)?;
    }
}

/// Compares `f + LODF[:, o] f_o` with a DC power flow of the network without branch `o`;
/// an islanding outage must be flagged and must indeed split an island.
fn check_lodf(prep: &Prepared, o: usize) -> Result<(), TestCaseError> {
    let net = &prep.net;
    prop_assume!(o < net.n_branch() && net.branch_connected(o));
    let lodf = prep.sens.lodf(None, Some(&[o])).expect("lodf");
    let base = DcPowerFlow::new(net).solve(net);
    let mut out = net.clone();
    out.br_in_service[o] = false;
    let post = DcPowerFlow::new(&out).solve(&out);
    if lodf.islanding[0] {
        prop_assert!(prep.sens.is_islanding(o));
        prop_assert!(
            post.n_islands > base.n_islands,
            "flagged islanding but the islands did not change"
        );
        prop_assert!(lodf.get(o, 0).expect("in range") == -1.0);
        return Ok(());
    }
    prop_assert_eq!(post.n_islands, base.n_islands);
    for m in 0..net.n_branch() {
        let predicted = base.pf_mw[m] + lodf.get(m, 0).expect("in range") * base.pf_mw[o];
        // Tolerance: 1e-8 MW.
        prop_assert!(
            (predicted - post.pf_mw[m]).abs() < 1e-8,
            "outage {o}, branch {m}: LODF {predicted} vs re-solved {}",
            post.pf_mw[m]
        );
    }
    Ok(())
}

#[test]
fn ptdf_reference_columns_are_zero_and_subset_rows_match() {
    let prep = &*CASE118;
    let topo = Topology::analyze(&prep.net);
    let refs: Vec<usize> = (0..prep.net.n_bus())
        .filter(|&i| topo.role[i] == BusRole::Ref)
        .collect();
    assert_eq!(refs.len(), 1);
    for r in 0..prep.ptdf.branches.len() {
        assert_eq!(prep.ptdf.get(r, refs[0]), Some(0.0));
    }
    let subset = [185, 3, 77, 3];
    let part = prep
        .sens
        .ptdf(Some(&subset), &SlackDistribution::ReferenceBuses)
        .expect("ptdf");
    assert_eq!(part.branches, subset);
    for (r, &k) in subset.iter().enumerate() {
        assert_eq!(part.row(r), prep.ptdf.row(k), "row of branch {k}");
    }
    // A branch's own PTDF between its ends is in (0, 1]: part of a transfer takes the branch.
    for k in 0..prep.net.n_branch() {
        let row = prep.ptdf.row(k).expect("row");
        let own = row[prep.net.br_from[k]] - row[prep.net.br_to[k]];
        assert!(own > 0.0 && own <= 1.0 + 1e-12, "branch {k}: {own}");
    }
}

#[test]
fn distributed_slack_ptdf_balances_injections_over_the_weights() {
    let prep = &*CASE118;
    let net = &prep.net;
    let nb = net.n_bus();
    // Weights: each generator bus by its Pmax.
    let mut w = vec![0.0; nb];
    for g in 0..net.n_gen() {
        if net.gen_connected(g) {
            w[net.gen_bus[g]] += net.pmax_pu[g];
        }
    }
    let total: f64 = w.iter().sum();
    let wn: Vec<f64> = w.iter().map(|x| x / total).collect();
    let ptdf_w = prep
        .sens
        .ptdf(None, &SlackDistribution::Weights(w.clone()))
        .expect("ptdf");
    // An injection spread as the weights is balanced by the slack itself: no flow.
    for r in 0..ptdf_w.branches.len() {
        let s: f64 = ptdf_w
            .row(r)
            .expect("row")
            .iter()
            .zip(&wn)
            .map(|(a, b)| a * b)
            .sum();
        assert!(s.abs() < 1e-12, "row {r}: {s}");
    }
    // Random injections P balanced by the weighted slack: a DC power flow whose injections are
    // P − (ΣP) w̃ has the flows PTDF_w P.
    let p: Vec<f64> = (0..nb)
        .map(|i| ((i * 7919) % 101) as f64 / 100.0 - 0.5)
        .collect();
    let sum_p: f64 = p.iter().sum();
    let balanced: Vec<f64> = p.iter().zip(&wn).map(|(x, w)| x - sum_p * w).collect();
    let mut n = net.clone();
    let p0 = injections_pu(net, &prep.dc);
    for i in 0..nb {
        // New load so that the DC injection becomes `balanced[i]`.
        n.pd_pu[i] += p0[i] - balanced[i];
    }
    let res = DcPowerFlow::new(&n).solve(&n);
    let flows = ptdf_w.flows(&p).expect("flows");
    for (k, flow_pu) in flows.iter().enumerate() {
        let got_pu = flow_pu + prep.dc.pf_inj[k];
        let expected_pu = res.pf_mw[k] / net.base_mva;
        // Tolerance: 1e-9 p.u.
        assert!(
            (got_pu - expected_pu).abs() < 1e-9,
            "branch {k}: {got_pu} vs {expected_pu}"
        );
    }
}

#[test]
fn islanding_outages_are_flagged_not_divided_by_zero() {
    // case9: the three generator step-up transformers are bridges.
    let n9 = net("case9");
    let lodf = sensitivity::lodf(&n9, None, None).expect("lodf");
    let flagged: Vec<usize> = (0..lodf.outaged.len())
        .filter(|&c| lodf.islanding[c])
        .collect();
    assert_eq!(flagged, vec![0, 3, 6]);
    for c in 0..lodf.outaged.len() {
        for r in 0..lodf.monitored.len() {
            let x = lodf.get(r, c).expect("in range");
            if r == c {
                assert_eq!(x, -1.0);
            } else {
                assert_eq!(x.is_nan(), lodf.islanding[c], "({r}, {c}) = {x}");
            }
        }
    }
    // case33bw: a radial feeder, every in-service branch is a bridge; the tie lines are out.
    let n33 = net("case33bw");
    let sens = DcSensitivities::new(&n33).expect("factorises");
    let lodf = sens.lodf(None, None).expect("lodf");
    for k in 0..n33.n_branch() {
        assert_eq!(lodf.islanding[k], n33.br_in_service[k], "branch {k}");
        assert_eq!(sens.is_islanding(k), n33.br_in_service[k]);
    }
    // The out-of-service tie lines have an all-zero column (their outage changes nothing).
    let tie = 32;
    assert!(!n33.br_in_service[tie]);
    for r in 0..lodf.monitored.len() {
        assert_eq!(lodf.get(r, tie), Some(if r == tie { -1.0 } else { 0.0 }));
    }
}

#[test]
fn bad_branch_indices_and_weights_are_reported_all_at_once() {
    let prep = &*CASE30;
    let nl = prep.net.n_branch();
    match prep
        .sens
        .ptdf(Some(&[0, nl, nl + 5]), &SlackDistribution::ReferenceBuses)
    {
        Err(NetworkError::InvalidData(p)) => assert_eq!(p.len(), 2, "{p:?}"),
        other => panic!("expected InvalidData, got {other:?}"),
    }
    match prep.sens.lodf(None, Some(&[nl])) {
        Err(NetworkError::InvalidData(p)) => assert_eq!(p.len(), 1),
        other => panic!("expected InvalidData, got {other:?}"),
    }
    let mut w = vec![1.0; prep.net.n_bus()];
    w[2] = -1.0;
    w[5] = f64::NAN;
    match prep.sens.ptdf(None, &SlackDistribution::Weights(w)) {
        Err(NetworkError::InvalidData(p)) => assert_eq!(p.len(), 2, "{p:?}"),
        other => panic!("expected InvalidData, got {other:?}"),
    }
    match prep
        .sens
        .ptdf(None, &SlackDistribution::Weights(vec![1.0; 3]))
    {
        Err(NetworkError::InvalidData(p)) => assert_eq!(p.len(), 1, "{p:?}"),
        other => panic!("expected InvalidData, got {other:?}"),
    }
}

#[test]
fn unusable_susceptance_matrix_is_an_error_not_a_panic() {
    // A branch with r > 0 and x = 0 has an infinite DC susceptance: the factorisation
    // reports the non-finite value.
    let mut n = net("case9");
    n.br_x_pu[1] = 0.0;
    n.br_r_pu[1] = 1.0;
    match DcSensitivities::new(&n) {
        Err(NetworkError::Lu(_)) => {}
        other => panic!("expected an LU error, got {:?}", other.map(|_| ())),
    }
}
