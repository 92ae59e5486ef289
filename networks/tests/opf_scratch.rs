use gridsim_networks::opf::{DcOpf, DcOpfSettings, HighsOptionValue};
use gridsim_networks::{matpower, Network};
#[test]
fn scratch() {
    let name = std::env::var("CASE").unwrap_or("case300".into());
    let c = matpower::read(format!("cases/matpower/{name}.m")).unwrap();
    let net = Network::from_case(&c).unwrap();
    let mut s = DcOpfSettings { solver_log: true, ..DcOpfSettings::default() };
    if let Ok(v) = std::env::var("PRESOLVE") { s.highs_options.push(("presolve".into(), HighsOptionValue::Str(v))); }
    if let Ok(v) = std::env::var("TOL") { let t: f64 = v.parse().unwrap(); s.primal_feasibility_tol = t; s.dual_feasibility_tol = t; }
    let mut opf = DcOpf::for_case(&c, &net, s).unwrap();
    let r = opf.solve(&net);
    println!("{:?} {} {:?} it {} ms {}", r.status, r.objective_usd_per_h, r.diagnostics, r.iterations, r.solve_ms);
}
