//! Generator cost curves checked and put in the form the OPF uses (MW, $/h).

use crate::case::{CostCurve, GenCost};

/// One generator's cost, `P` in MW, cost in $/h.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cost {
    /// `c2 P² + c1 P + c0`.
    Poly { c2: f64, c1: f64, c0: f64 },
    /// Convex piecewise linear, as MATPOWER's constrained cost variable: the cost is the
    /// largest of the segment lines `m (P − x) + c`, each given as `(m $/MWh, x MW, c $/h)`.
    Pwl { lines: Vec<(f64, f64, f64)> },
}

impl Cost {
    /// Cost at `p_mw`, $/h (piecewise linear: the largest line, i.e. the curve extended).
    pub fn at(&self, p_mw: f64) -> f64 {
        match self {
            Cost::Poly { c2, c1, c0 } => (c2 * p_mw + c1) * p_mw + c0,
            Cost::Pwl { lines } => lines
                .iter()
                .map(|&(m, x, c)| m * (p_mw - x) + c)
                .fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// Checks and converts the first `ng` rows of `gencost` (active-power costs). Every problem is
/// reported, each naming the generator (1-based row) and its bus.
pub(crate) fn compile(gencost: &[GenCost], gen_bus_id: &[u32]) -> Result<Vec<Cost>, Vec<String>> {
    let ng = gen_bus_id.len();
    let mut problems = Vec::new();
    if gencost.len() < ng {
        problems.push(format!(
            "the case has {} generators but {} cost rows (gencost)",
            ng,
            gencost.len()
        ));
        return Err(problems);
    }
    let mut out = Vec::with_capacity(ng);
    for (g, gc) in gencost.iter().take(ng).enumerate() {
        let who = format!("generator {} at bus {}", g + 1, gen_bus_id[g]);
        match &gc.curve {
            CostCurve::Polynomial { coeffs_high_first } => {
                if coeffs_high_first.iter().any(|c| !c.is_finite()) {
                    problems.push(format!("{who}: non-finite cost coefficient"));
                    out.push(Cost::Poly {
                        c2: 0.0,
                        c1: 0.0,
                        c0: 0.0,
                    });
                    continue;
                }
                let n = coeffs_high_first.len();
                let coef = |d: usize| {
                    if d < n {
                        coeffs_high_first[n - 1 - d]
                    } else {
                        0.0
                    }
                };
                if let Some(d) = (3..n).rev().find(|&d| coef(d) != 0.0) {
                    problems.push(format!(
                        "{who}: polynomial cost of degree {d}; the DC OPF takes polynomial costs up to \
                         quadratic only (as MATPOWER's DC OPF)"
                    ));
                }
                if coef(2) < 0.0 {
                    problems.push(format!(
                        "{who}: negative quadratic cost coefficient {} (non-convex)",
                        coef(2)
                    ));
                }
                out.push(Cost::Poly {
                    c2: coef(2),
                    c1: coef(1),
                    c0: coef(0),
                });
            }
            CostCurve::PiecewiseLinear { points } => {
                if points.len() < 2 {
                    problems.push(format!(
                        "{who}: piecewise-linear cost needs at least 2 points, found {}",
                        points.len()
                    ));
                    out.push(Cost::Poly {
                        c2: 0.0,
                        c1: 0.0,
                        c0: 0.0,
                    });
                    continue;
                }
                if points
                    .iter()
                    .any(|(p, c)| !(p.is_finite() && c.is_finite()))
                {
                    problems.push(format!("{who}: non-finite piecewise-linear cost point"));
                    out.push(Cost::Poly {
                        c2: 0.0,
                        c1: 0.0,
                        c0: 0.0,
                    });
                    continue;
                }
                if points.windows(2).any(|w| w[1].0 <= w[0].0) {
                    problems.push(format!(
                        "{who}: piecewise-linear cost points must have increasing MW"
                    ));
                    out.push(Cost::Poly {
                        c2: 0.0,
                        c1: 0.0,
                        c0: 0.0,
                    });
                    continue;
                }
                let lines = points
                    .windows(2)
                    .map(|w| {
                        let m = (w[1].1 - w[0].1) / (w[1].0 - w[0].0);
                        (m, w[0].0, w[0].1)
                    })
                    .collect();
                out.push(Cost::Pwl { lines });
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poly(c: &[f64]) -> GenCost {
        GenCost {
            startup_usd: 0.0,
            shutdown_usd: 0.0,
            curve: CostCurve::Polynomial {
                coeffs_high_first: c.to_vec(),
            },
            padding: vec![],
        }
    }

    #[test]
    fn cubic_cost_is_refused_with_its_generator_named() {
        let e = compile(&[poly(&[0.1, 0.0, 1.0, 0.0])], &[7]).expect_err("cubic");
        assert!(
            e[0].contains("generator 1 at bus 7") && e[0].contains("degree 3"),
            "{e:?}"
        );
    }

    #[test]
    fn zero_leading_coefficients_lower_the_degree() {
        let c = compile(&[poly(&[0.0, 0.01, 2.0, 5.0])], &[1]).expect("quadratic in fact");
        assert_eq!(
            c[0],
            Cost::Poly {
                c2: 0.01,
                c1: 2.0,
                c0: 5.0
            }
        );
        assert!((c[0].at(10.0) - (1.0 + 20.0 + 5.0)).abs() < 1e-12);
    }

    #[test]
    fn pwl_is_the_max_of_its_segment_lines() {
        let gc = GenCost {
            startup_usd: 0.0,
            shutdown_usd: 0.0,
            curve: CostCurve::PiecewiseLinear {
                points: vec![(0.0, 0.0), (50.0, 500.0), (100.0, 1500.0)],
            },
            padding: vec![],
        };
        let c = compile(&[gc], &[1]).expect("pwl");
        assert!((c[0].at(25.0) - 250.0).abs() < 1e-12);
        assert!((c[0].at(75.0) - 1000.0).abs() < 1e-12);
    }
}
