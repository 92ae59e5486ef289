//! Every shipped MATPOWER case solves: AC Newton–Raphson from the case's voltages converges to
//! a mismatch below 1e-8 p.u. (MATPOWER's default tolerance), and the DC power flow solves.

use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, Start};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::{matpower, Network, PfStatus};

#[test]
fn every_matpower_case_converges_below_1e_8() {
    let dir = format!("{}/cases/matpower", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("cases folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "m"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 47, "47 MATPOWER cases are shipped");
    let mut failures = Vec::new();
    for path in &names {
        let case = matpower::read(path).unwrap_or_else(|e| panic!("{e}"));
        let net = Network::from_case(&case).unwrap_or_else(|e| panic!("{e}"));
        let ac = AcPowerFlow::new(&net, AcPfSettings::default()).solve(&net, Start::Case);
        if ac.status != PfStatus::Converged || ac.max_mismatch_pu >= 1e-8 {
            failures.push(format!(
                "{}: AC {:?}, mismatch {:.3e}",
                case.name, ac.status, ac.max_mismatch_pu
            ));
        }
        let dc = DcPowerFlow::new(&net).solve(&net);
        if dc.status != PfStatus::Converged || dc.max_mismatch_pu >= 1e-8 {
            failures.push(format!(
                "{}: DC {:?}, mismatch {:.3e}",
                case.name, dc.status, dc.max_mismatch_pu
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
