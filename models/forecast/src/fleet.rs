//! Aggregated fleet forecasts: the plants' marginal quantiles joined by a copula, against summing quantiles and independence.
//!
//! The quantiles of a sum are not the sums of the quantiles unless the plants' errors are
//! perfectly dependent (comonotone). Three ways to build the fleet's quantiles from each
//! plant's forecast quantiles `q_p(τ)` at one hour:
//! - [`Dependence::Comonotone`]: `Q(τ) = Σ_p q_p(τ)` (summing quantiles);
//! - [`Dependence::Independent`]: the plants' errors independent;
//! - [`Dependence::GaussianCopula`]: the errors' dependence is a Gaussian copula whose
//!   correlation matrix `R` is estimated, at each issue, from the normal scores
//!   `z = Φ⁻¹(u)` of the probability integral transforms `u = F_p(y_p)` of the plants'
//!   forecasts verified in the `window_days` before the issue (no look-ahead: only
//!   forecasts whose whole horizon ended by the issue time). Hours where a plant's
//!   forecast has no spread (solar at night) are left out of the estimate.
//!
//! For the last two the fleet distribution is sampled: `samples` draws `ε ~ N(0, I)` from
//! a ChaCha12 stream of `seed` (the same draws at every hour and for both methods, so the
//! comparison has common random numbers), `z = L ε` with `R = L Lᵀ` (identity for
//! independence), `u = Φ(z)`, plant value `q_p⁻¹(u)` by linear interpolation of its
//! quantiles (linear extrapolation beyond the outer levels, clipped to `bounds`), summed;
//! the fleet's quantiles are the empirical quantiles of the sums. A correlation matrix
//! that is not positive definite (pairwise estimates) is shrunk towards the identity until
//! it is.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use crate::model::Forecast;
use crate::quantile::quantile_sorted;
use crate::ForecastError;

/// How the plants' errors depend on one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependence {
    /// Perfect dependence: quantiles summed.
    Comonotone,
    /// Independence.
    Independent,
    /// A Gaussian copula with the correlation of recent normal-score PITs.
    GaussianCopula,
}

impl Dependence {
    /// The three, in table order.
    pub const ALL: [Dependence; 3] = [
        Dependence::Comonotone,
        Dependence::Independent,
        Dependence::GaussianCopula,
    ];

    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Dependence::Comonotone => "sum_of_quantiles",
            Dependence::Independent => "independent",
            Dependence::GaussianCopula => "gaussian_copula",
        }
    }
}

/// Settings of the fleet aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetSettings {
    /// Days of verified forecasts before an issue used to estimate the correlation (default 30).
    pub window_days: usize,
    /// Draws of the sampled methods (default 4000).
    pub samples: usize,
    /// Seed of the draws (default 5).
    pub seed: u64,
    /// Bounds of one plant's value (default 0–1: normalised power).
    pub bounds: (f64, f64),
    /// A plant-hour whose forecast spread `q(max level) − q(min level)` is below this is
    /// left out of the correlation estimate (default 1e-6).
    pub min_spread: f64,
}

impl Default for FleetSettings {
    fn default() -> Self {
        Self {
            window_days: 30,
            samples: 4000,
            seed: 5,
            bounds: (0.0, 1.0),
            min_spread: 1e-6,
        }
    }
}

/// Fleet forecasts of the test issues by each method, with the fleet's actuals.
#[derive(Debug, Clone)]
pub struct FleetForecasts {
    /// Forecasts per method, in [`Dependence::ALL`] order.
    pub by_method: Vec<(Dependence, Vec<Forecast>)>,
    /// The correlation matrix estimated at each test issue (row-major, plants × plants).
    pub correlations: Vec<Vec<f64>>,
}

/// Linear interpolation of the quantile function at `u` (extrapolated, clipped to bounds).
fn quantile_at(levels: &[f64], q: &[f64], u: f64, bounds: (f64, f64)) -> f64 {
    let n = levels.len().min(q.len());
    if n == 0 {
        return f64::NAN;
    }
    if n == 1 {
        return q[0];
    }
    let k = levels[..n].partition_point(|l| *l < u).clamp(1, n - 1);
    let (l0, l1, q0, q1) = (levels[k - 1], levels[k], q[k - 1], q[k]);
    let v = q0 + (q1 - q0) * (u - l0) / (l1 - l0);
    v.clamp(bounds.0, bounds.1)
}

/// The PIT `F(y)` of a forecast with quantiles `q` at `levels`: linear between levels, the
/// middle of a run of equal quantiles, and half the outer level's distance beyond them.
pub fn pit(levels: &[f64], q: &[f64], y: f64) -> f64 {
    let n = levels.len().min(q.len());
    let (Some(first), Some(last)) = (levels.first(), levels.get(n.wrapping_sub(1))) else {
        return f64::NAN;
    };
    let below = q[..n].partition_point(|v| *v < y);
    let upto = q[..n].partition_point(|v| *v <= y);
    if upto > below {
        // y equals quantiles below..upto: the middle of their levels.
        return 0.5 * (levels[below] + levels[upto - 1]);
    }
    if below == 0 {
        return 0.5 * first;
    }
    if below == n {
        return 0.5 * (1.0 + last);
    }
    let (l0, l1, q0, q1) = (levels[below - 1], levels[below], q[below - 1], q[below]);
    l0 + (l1 - l0) * (y - q0) / (q1 - q0)
}

/// Lower Cholesky factor of a symmetric matrix (row-major), or None if not positive definite.
fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = a[i * n + i] - s;
                if d <= 1e-10 {
                    return None;
                }
                l[i * n + i] = d.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Pearson correlation of normal scores, pairwise over the rows where both are finite
/// (0 with fewer than 10 such rows).
fn correlation(z: &[Vec<f64>], n: usize) -> Vec<f64> {
    let mut r = vec![0.0; n * n];
    for i in 0..n {
        r[i * n + i] = 1.0;
        for j in 0..i {
            let pairs: Vec<(f64, f64)> = z
                .iter()
                .filter_map(|row| {
                    let (a, b) = (row[i], row[j]);
                    (a.is_finite() && b.is_finite()).then_some((a, b))
                })
                .collect();
            let m = pairs.len() as f64;
            let c = if pairs.len() < 10 {
                0.0
            } else {
                let (ma, mb) = (
                    pairs.iter().map(|p| p.0).sum::<f64>() / m,
                    pairs.iter().map(|p| p.1).sum::<f64>() / m,
                );
                let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
                for (a, b) in &pairs {
                    sab += (a - ma) * (b - mb);
                    saa += (a - ma) * (a - ma);
                    sbb += (b - mb) * (b - mb);
                }
                if saa > 0.0 && sbb > 0.0 {
                    sab / (saa * sbb).sqrt()
                } else {
                    0.0
                }
            };
            r[i * n + j] = c;
            r[j * n + i] = c;
        }
    }
    r
}

/// Cholesky factor of `r`, shrunk towards the identity until positive definite.
fn factor(r: &[f64], n: usize) -> Vec<f64> {
    let mut lambda = 0.0;
    loop {
        let shrunk: Vec<f64> = r
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let diag = if k / n == k % n { 1.0 } else { 0.0 };
                (1.0 - lambda) * v + lambda * diag
            })
            .collect();
        if let Some(l) = cholesky(&shrunk, n) {
            return l;
        }
        lambda += 0.05;
        if lambda >= 1.0 {
            let mut id = vec![0.0; n * n];
            (0..n).for_each(|i| id[i * n + i] = 1.0);
            return id;
        }
    }
}

/// Builds the fleet forecasts of every test issue.
///
/// `forecasts[p]` are plant `p`'s forecasts in issue order — the lead period (used only to
/// estimate the dependence) then the test period from issue `test_from` on; all plants
/// share the timeline and the issues. `actual[p]` is plant `p`'s target on that timeline.
pub fn aggregate(
    forecasts: &[&[Forecast]],
    actual: &[&[f64]],
    test_from: usize,
    s: &FleetSettings,
) -> Result<FleetForecasts, ForecastError> {
    let n = forecasts.len();
    let first = forecasts
        .first()
        .ok_or_else(|| ForecastError::Setting("a fleet needs at least one plant".into()))?;
    if actual.len() != n || s.samples == 0 {
        return Err(ForecastError::Setting(format!(
            "a fleet of {n} plants needs {n} actual series and at least one draw"
        )));
    }
    for f in forecasts {
        let same = f.len() == first.len()
            && f.iter().zip(first.iter()).all(|(a, b)| {
                a.issue == b.issue && a.point.len() == b.point.len() && a.levels == b.levels
            });
        if !same {
            return Err(ForecastError::Setting(
                "the plants of a fleet must share their issues, horizons and levels".into(),
            ));
        }
    }
    // Common draws ε (samples × plants).
    let mut rng = rand_chacha::ChaCha12Rng::seed_from_u64(s.seed);
    let eps: Vec<f64> = (0..s.samples * n)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    let normal_cdf = |z: f64| distrs::Normal::cdf(z, 0.0, 1.0);
    let mut by_method: Vec<(Dependence, Vec<Forecast>)> =
        Dependence::ALL.iter().map(|d| (*d, Vec::new())).collect();
    let mut correlations = Vec::new();
    let identity: Vec<f64> = (0..n * n)
        .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
        .collect();
    for (t, f0) in first.iter().enumerate() {
        if f0.issue < test_from {
            continue;
        }
        // Normal-score PITs of the forecasts verified within the window before this issue.
        let since = f0.issue.saturating_sub(s.window_days * 24);
        let mut z_rows: Vec<Vec<f64>> = Vec::new();
        for (u, g) in first.iter().enumerate().take(t) {
            if g.issue < since || g.issue + g.point.len() > f0.issue {
                continue;
            }
            for k in 0..g.point.len() {
                let row: Vec<f64> = (0..n)
                    .map(|p| {
                        let fc = &forecasts[p][u];
                        let q = &fc.quantiles[k];
                        let y = actual[p].get(fc.issue + k).copied().unwrap_or(f64::NAN);
                        let spread =
                            q.last().copied().unwrap_or(0.0) - q.first().copied().unwrap_or(0.0);
                        if !y.is_finite() || spread < s.min_spread {
                            return f64::NAN;
                        }
                        let v = pit(&fc.levels, q, y).clamp(1e-4, 1.0 - 1e-4);
                        distrs::Normal::ppf(v, 0.0, 1.0)
                    })
                    .collect();
                z_rows.push(row);
            }
        }
        let r = correlation(&z_rows, n);
        let l = factor(&r, n);
        correlations.push(r);
        let levels = &f0.levels;
        let h = f0.point.len();
        let mut out: Vec<Forecast> = Dependence::ALL
            .iter()
            .map(|_| Forecast {
                issue: f0.issue,
                point: Vec::with_capacity(h),
                levels: levels.clone(),
                quantiles: Vec::with_capacity(h),
            })
            .collect();
        for k in 0..h {
            let point: f64 = (0..n).map(|p| forecasts[p][t].point[k]).sum();
            let qs: Vec<&[f64]> = (0..n)
                .map(|p| forecasts[p][t].quantiles[k].as_slice())
                .collect();
            for (m, dep) in Dependence::ALL.iter().enumerate() {
                let q = match dep {
                    Dependence::Comonotone => (0..levels.len())
                        .map(|j| {
                            qs.iter()
                                .map(|q| q.get(j).copied().unwrap_or(f64::NAN))
                                .sum()
                        })
                        .collect(),
                    Dependence::Independent | Dependence::GaussianCopula => {
                        let lf = if *dep == Dependence::Independent {
                            &identity
                        } else {
                            &l
                        };
                        let mut sums: Vec<f64> = (0..s.samples)
                            .map(|i| {
                                let e = &eps[i * n..(i + 1) * n];
                                (0..n)
                                    .map(|p| {
                                        let z: f64 = (0..=p).map(|c| lf[p * n + c] * e[c]).sum();
                                        quantile_at(levels, qs[p], normal_cdf(z), s.bounds)
                                    })
                                    .sum()
                            })
                            .collect();
                        sums.sort_by(f64::total_cmp);
                        levels
                            .iter()
                            .map(|tau| quantile_sorted(&sums, *tau))
                            .collect()
                    }
                };
                out[m].point.push(point);
                out[m].quantiles.push(q);
            }
        }
        for (m, f) in out.into_iter().enumerate() {
            by_method[m].1.push(f);
        }
    }
    Ok(FleetForecasts {
        by_method,
        correlations,
    })
}

/// The fleet's actual: the plants' sum where every plant has a value, NaN elsewhere.
pub fn fleet_actual(actual: &[&[f64]]) -> Vec<f64> {
    let len = actual.iter().map(|a| a.len()).min().unwrap_or(0);
    (0..len)
        .map(|i| actual.iter().map(|a| a[i]).sum::<f64>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::mean_pinball;

    #[test]
    fn pit_and_quantile_function_are_inverse_on_the_grid() {
        let levels = [0.1, 0.5, 0.9];
        let q = [1.0, 2.0, 4.0];
        assert_eq!(pit(&levels, &q, 2.0), 0.5);
        assert!((pit(&levels, &q, 3.0) - 0.7).abs() < 1e-12);
        assert_eq!(pit(&levels, &q, 0.0), 0.05);
        assert_eq!(pit(&levels, &q, 9.0), 0.95);
        // A run of equal quantiles: the middle of its levels.
        assert_eq!(pit(&[0.1, 0.2, 0.3, 0.4], &[0.0, 0.0, 0.0, 1.0], 0.0), 0.2);
        assert!((quantile_at(&levels, &q, 0.7, (0.0, 10.0)) - 3.0).abs() < 1e-12);
        // Extrapolated below the first level, clipped at the bound.
        assert_eq!(quantile_at(&levels, &q, 0.0, (0.0, 10.0)), 0.75);
        assert_eq!(quantile_at(&levels, &q, 0.0, (0.9, 10.0)), 0.9);
    }

    /// Two plants with standard-normal-like quantiles and errors that are either equal
    /// (ρ = 1) or independent; the right copula must score best.
    fn two_plants(rho_one: bool) -> (Vec<Vec<Forecast>>, Vec<Vec<f64>>) {
        let levels: Vec<f64> = (1..=19).map(|k| k as f64 / 20.0).collect();
        let qn: Vec<f64> = levels
            .iter()
            .map(|t| distrs::Normal::ppf(*t, 0.0, 1.0))
            .collect();
        let days = 80;
        let mut rng = rand_chacha::ChaCha12Rng::seed_from_u64(1);
        let mut fs = vec![Vec::new(), Vec::new()];
        let mut ys = vec![vec![0.0; days * 24], vec![0.0; days * 24]];
        for d in 0..days {
            for plant in fs.iter_mut() {
                plant.push(Forecast {
                    issue: d * 24,
                    point: vec![0.0; 24],
                    levels: levels.clone(),
                    quantiles: vec![qn.clone(); 24],
                });
            }
            for k in 0..24 {
                let a: f64 = StandardNormal.sample(&mut rng);
                let b: f64 = StandardNormal.sample(&mut rng);
                ys[0][d * 24 + k] = a;
                ys[1][d * 24 + k] = if rho_one { a } else { b };
            }
        }
        (fs, ys)
    }

    #[test]
    fn the_copula_learns_the_dependence_and_scores_best() {
        let s = FleetSettings {
            bounds: (-10.0, 10.0),
            samples: 2000,
            ..Default::default()
        };
        for rho_one in [true, false] {
            let (fs, ys) = two_plants(rho_one);
            let f: Vec<&[Forecast]> = fs.iter().map(|v| v.as_slice()).collect();
            let y: Vec<&[f64]> = ys.iter().map(|v| v.as_slice()).collect();
            let out = aggregate(&f, &y, 30 * 24, &s).unwrap();
            let r = out.correlations.last().unwrap()[1];
            let total = fleet_actual(&y);
            let score = |m: usize| {
                let fc = &out.by_method[m].1;
                let yy: Vec<f64> = fc
                    .iter()
                    .flat_map(|f| (0..24).map(move |k| f.issue + k))
                    .map(|i| total[i])
                    .collect();
                let q: Vec<Vec<f64>> = fc.iter().flat_map(|f| f.quantiles.clone()).collect();
                mean_pinball(&yy, &q, &fc[0].levels)
            };
            let (como, ind, cop) = (score(0), score(1), score(2));
            if rho_one {
                assert!(r > 0.99, "ρ = {r}");
                assert!(como < ind && cop < ind, "{como} {ind} {cop}");
                // The copula with ρ ≈ 1 is the comonotone sum up to sampling noise.
                assert!((cop - como).abs() / como < 0.02, "{como} {cop}");
            } else {
                assert!(r.abs() < 0.15, "ρ = {r}");
                assert!(ind < como && cop < como, "{como} {ind} {cop}");
            }
            assert_eq!(out.by_method[0].1.len(), 50, "test issues from day 30 on");
        }
    }

    #[test]
    fn same_seed_same_fleet_and_mismatched_plants_are_errors() {
        let (fs, ys) = two_plants(false);
        let f: Vec<&[Forecast]> = fs.iter().map(|v| v.as_slice()).collect();
        let y: Vec<&[f64]> = ys.iter().map(|v| v.as_slice()).collect();
        let s = FleetSettings {
            samples: 300,
            bounds: (-10.0, 10.0),
            ..Default::default()
        };
        let a = aggregate(&f, &y, 70 * 24, &s).unwrap();
        let b = aggregate(&f, &y, 70 * 24, &s).unwrap();
        assert_eq!(a.by_method[2].1, b.by_method[2].1);
        let short = &fs[1][..10];
        assert!(aggregate(&[f[0], short], &y, 0, &s).is_err());
    }
}
