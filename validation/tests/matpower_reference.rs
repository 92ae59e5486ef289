//! Every shipped MATPOWER reference (AC PF with and without reactive limits, DC PF, DC OPF) matches
//! within the tolerances written in `gridsim_validation` (e.g. |ΔVm| ≤ 1e-6 p.u.).

#[test]
fn every_power_flow_reference_matches_matpower() {
    let checks = gridsim_validation::run_all();
    assert!(
        checks.len() >= 16 * 5 * 6,
        "too few checks: {}",
        checks.len()
    );
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| {
            format!(
                "{} {} {}: {:.3e} > {:.0e} at {}",
                c.case, c.run, c.quantity, c.max_abs_err, c.tol, c.worst
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} mismatches:\n{}",
        failed.len(),
        failed.join("\n")
    );
}
