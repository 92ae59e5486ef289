//! Period-by-period capacity checks that prove an instance infeasible before any solve.

use super::model::UcInstance;

/// Messages for every period in which demand (or demand plus reserve) exceeds what the units
/// that may run can produce, or the output that cannot be avoided exceeds demand. Empty when no
/// such period exists (which does not prove feasibility).
pub fn capacity_diagnosis(inst: &UcInstance) -> Vec<String> {
    if let Err(e) = inst.validate() {
        return vec![e.to_string()];
    }
    let nt = inst.periods;
    let forced: Vec<(usize, usize)> = inst
        .thermal
        .iter()
        .map(|g| g.initial_forced_periods(nt))
        .collect();
    let mut out = Vec::new();
    for t in 0..nt {
        let mut cap = 0.0;
        let mut must = 0.0;
        for (g, &(on, off)) in inst.thermal.iter().zip(&forced) {
            if t >= off {
                cap += g.p_max_mw;
            }
            if g.must_run || t < on {
                must += g.p_min_mw;
            }
        }
        let ren_max: f64 = inst.renewable.iter().map(|w| w.p_max_mw[t]).sum::<f64>() + 0.0;
        let ren_min: f64 = inst.renewable.iter().map(|w| w.p_min_mw[t]).sum::<f64>() + 0.0;
        let d = inst.demand_mw[t];
        let r = inst.reserve_mw[t];
        if cap + ren_max < d - 1e-6 {
            out.push(format!(
                "period {}: demand {d:.3} MW above available capacity {:.3} MW ({cap:.3} MW thermal, {ren_max:.3} MW renewable)",
                t + 1,
                cap + ren_max
            ));
        } else if cap + ren_max < d + r - 1e-6 {
            out.push(format!(
                "period {}: demand {d:.3} MW plus reserve {r:.3} MW above available capacity {:.3} MW",
                t + 1,
                cap + ren_max
            ));
        }
        if must + ren_min > d + 1e-6 {
            out.push(format!(
                "period {}: output that cannot be avoided {:.3} MW (must-run and initially committed minimum output, renewable minimum) above demand {d:.3} MW",
                t + 1,
                must + ren_min
            ));
        }
    }
    out
}
