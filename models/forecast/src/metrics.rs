//! Point and probabilistic forecast scores: MAPE, RMSE, MAE, R², pinball loss, skill score.
//!
//! With actuals `y_i` and forecasts `ŷ_i` over the `n` pairs where both are finite:
//! - MAPE = 100/n · Σ |y_i − ŷ_i| / |y_i| (undefined if some `y_i = 0`);
//! - RMSE = √(1/n · Σ (y_i − ŷ_i)²); MAE = 1/n · Σ |y_i − ŷ_i|;
//! - R² = 1 − Σ (y_i − ŷ_i)² / Σ (y_i − ȳ)²;
//! - pinball loss of quantile level τ with forecast q: `L_τ(y, q) = τ (y − q)` if `y ≥ q`,
//!   else `(1 − τ)(q − y)`; the score is its mean over pairs *and* over the levels;
//! - skill against a reference: `1 − score / score_ref` (positive = better than the reference).

use serde::Serialize;

/// Point-forecast scores over the finite pairs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PointScores {
    /// Pairs scored.
    pub n: usize,
    /// Mean absolute percentage error, %; `None` if an actual is zero.
    pub mape_pct: Option<f64>,
    /// Root mean squared error, in the target's unit.
    pub rmse: f64,
    /// Mean absolute error, in the target's unit.
    pub mae: f64,
    /// Coefficient of determination.
    pub r2: f64,
}

/// The pairs where actual and forecast are both finite.
fn finite_pairs<'a>(y: &'a [f64], f: &'a [f64]) -> impl Iterator<Item = (f64, f64)> + 'a {
    y.iter()
        .zip(f)
        .map(|(&a, &b)| (a, b))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
}

/// Scores of point forecasts `f` against actuals `y` (same length; NaN pairs skipped).
pub fn point_scores(y: &[f64], f: &[f64]) -> PointScores {
    let (mut n, mut se, mut ae, mut ape, mut sum_y) = (0usize, 0.0, 0.0, 0.0, 0.0);
    let mut zero = false;
    for (a, b) in finite_pairs(y, f) {
        n += 1;
        se += (a - b) * (a - b);
        ae += (a - b).abs();
        sum_y += a;
        if a == 0.0 {
            zero = true;
        } else {
            ape += ((a - b) / a).abs();
        }
    }
    let nf = n.max(1) as f64;
    let mean = sum_y / nf;
    let sst: f64 = finite_pairs(y, f)
        .map(|(a, _)| (a - mean) * (a - mean))
        .sum();
    PointScores {
        n,
        mape_pct: (!zero && n > 0).then(|| 100.0 * ape / nf),
        rmse: (se / nf).sqrt(),
        mae: ae / nf,
        r2: if sst > 0.0 { 1.0 - se / sst } else { f64::NAN },
    }
}

/// Pinball loss of one quantile forecast `q` at level `tau` for actual `y`.
pub fn pinball(y: f64, q: f64, tau: f64) -> f64 {
    if y >= q {
        tau * (y - q)
    } else {
        (1.0 - tau) * (q - y)
    }
}

/// Mean pinball loss over pairs and levels. `q[i][k]` is the forecast of level `levels[k]`
/// for actual `y[i]`; pairs with a non-finite actual are skipped. Returns NaN with no pair.
pub fn mean_pinball(y: &[f64], q: &[Vec<f64>], levels: &[f64]) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for (a, qs) in y.iter().zip(q) {
        if !a.is_finite() {
            continue;
        }
        for (qk, tau) in qs.iter().zip(levels) {
            sum += pinball(*a, *qk, *tau);
            n += 1;
        }
    }
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// Skill score `1 − score / reference` (for losses: positive when better than the reference).
pub fn skill(score: f64, reference: f64) -> f64 {
    1.0 - score / reference
}

/// The 99 levels 0.01, 0.02, …, 0.99 of GEFCom2014.
pub fn percentiles_99() -> Vec<f64> {
    (1..=99).map(|k| k as f64 / 100.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_scores_match_hand_computation() {
        // y = [100, 200, 300, 400], f = [110, 190, 330, 400]; errors 10, −10, 30, 0 (hand).
        let s = point_scores(&[100.0, 200.0, 300.0, 400.0], &[110.0, 190.0, 330.0, 400.0]);
        assert_eq!(s.n, 4);
        // MAPE = (10/100 + 10/200 + 30/300 + 0)/4 · 100 = (0.1 + 0.05 + 0.1)/4 · 100 = 6.25 %
        assert!((s.mape_pct.unwrap() - 6.25).abs() < 1e-12);
        // RMSE = √((100 + 100 + 900 + 0)/4) = √275 = 16.583123951777
        assert!((s.rmse - 16.583_123_951_777).abs() < 1e-9);
        // MAE = 50/4 = 12.5
        assert!((s.mae - 12.5).abs() < 1e-12);
        // ȳ = 250, SST = 22500 + 2500 + 2500 + 22500 = 50000; R² = 1 − 1100/50000 = 0.978
        assert!((s.r2 - 0.978).abs() < 1e-12);
    }

    #[test]
    fn nan_pairs_are_skipped_and_zero_actual_leaves_mape_undefined() {
        let s = point_scores(&[1.0, f64::NAN, 3.0], &[2.0, 5.0, f64::NAN]);
        assert_eq!(s.n, 1);
        assert!((s.mae - 1.0).abs() < 1e-15);
        assert!(point_scores(&[0.0, 1.0], &[0.5, 1.0]).mape_pct.is_none());
    }

    #[test]
    fn pinball_matches_hand_computation() {
        // y = 10, q = 8, τ = 0.9: 0.9·2 = 1.8; q = 13, τ = 0.9: 0.1·3 = 0.3.
        assert!((pinball(10.0, 8.0, 0.9) - 1.8).abs() < 1e-12);
        assert!((pinball(10.0, 13.0, 0.9) - 0.3).abs() < 1e-12);
        // Two actuals, levels 0.1 / 0.5 / 0.9:
        // y=10, q=(8, 10, 13): 0.1·2 + 0 + 0.1·3 = 0.5
        // y=0,  q=(1, 2, 3):   0.9·1 + 0.5·2 + 0.1·3 = 2.2   → mean over 6 = 2.7/6 = 0.45
        let m = mean_pinball(
            &[10.0, 0.0],
            &[vec![8.0, 10.0, 13.0], vec![1.0, 2.0, 3.0]],
            &[0.1, 0.5, 0.9],
        );
        assert!((m - 0.45).abs() < 1e-12);
        // The median's pinball loss is half the absolute error.
        assert!((pinball(3.0, 7.0, 0.5) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn skill_against_reference() {
        assert!((skill(0.75, 1.0) - 0.25).abs() < 1e-15);
        assert!((skill(2.0, 1.0) + 1.0).abs() < 1e-15);
        assert_eq!(percentiles_99().len(), 99);
        assert!((percentiles_99()[98] - 0.99).abs() < 1e-15);
    }
}
