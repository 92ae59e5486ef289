use gridsim_networks::opf::{DcOpf, DcOpfSettings, HighsOptionValue};
use gridsim_networks::{matpower, Network};
#[test]
fn scratch() {
    for name in std::env::var("CASE").unwrap_or("case300".into()).split(',') {
    let c = matpower::read(format!("cases/matpower/{name}.m")).unwrap();
    let net = Network::from_case(&c).unwrap();
    let mut s = DcOpfSettings { solver_log: std::env::var_os("LOG").is_some(), ..DcOpfSettings::default() };
    if let Ok(v) = std::env::var("PRESOLVE") { s.highs_options.push(("presolve".into(), HighsOptionValue::Str(v))); }
    if let Ok(v) = std::env::var("PRICING") { s.highs_options.push(("simplex_primal_edge_weight_strategy".into(), HighsOptionValue::Int(v.parse().unwrap()))); }
    if let Ok(v) = std::env::var("REG") { s.highs_options.push(("qp_regularization_value".into(), HighsOptionValue::Double(v.parse().unwrap()))); }
    if let Ok(v) = std::env::var("TOL") { let t: f64 = v.parse().unwrap(); s.primal_feasibility_tol = t; s.dual_feasibility_tol = t; }
    let mut opf = DcOpf::for_case(&c, &net, s).unwrap();
    let r = opf.solve(&net);
    println!("{name}: {:?} {} {:?} it {} ms {:.1}", r.status, r.objective_usd_per_h, r.diagnostics, r.iterations, r.solve_ms);
    }
}
