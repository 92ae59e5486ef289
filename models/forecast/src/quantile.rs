//! Empirical quantiles and quantile forecasts built from residual distributions.
//!
//! The empirical quantile of sorted values `x_(0) ≤ … ≤ x_(n−1)` at level τ interpolates
//! linearly at position `τ (n − 1)` (Hyndman–Fan type 7, R's default). A residual-based
//! quantile forecast is `q_τ = ŷ + Q_τ(e)`, with `e` the model's past errors `y − ŷ`;
//! [`BinnedResiduals`] makes the residual distribution depend on the point forecast
//! (heteroscedastic errors, e.g. normalised wind power near 0 and 1), and bounded targets
//! are clipped to their range, which keeps the quantiles non-decreasing.

/// Type-7 empirical quantile of `sorted` (ascending, finite) at level `tau` ∈ [0, 1].
/// NaN for an empty slice.
pub fn quantile_sorted(sorted: &[f64], tau: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = tau.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let w = pos - lo as f64;
            let (a, b) = (sorted[lo], sorted[hi]);
            // Clamped so that rounding never breaks monotonicity across levels.
            (a + (b - a) * w).clamp(a, b)
        }
    }
}

/// Sorts the finite values of `v` (non-finite dropped).
pub fn sorted_finite(v: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut s: Vec<f64> = v.into_iter().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    s
}

/// Residual distributions in bins of the point forecast.
#[derive(Debug, Clone, Default)]
pub struct BinnedResiduals {
    /// Upper edges of the bins but the last (ascending).
    edges: Vec<f64>,
    /// Sorted residuals of each bin (`edges.len() + 1` bins).
    bins: Vec<Vec<f64>>,
}

impl BinnedResiduals {
    /// Bins `(point, residual)` pairs into `n_bins` bins of equal count by the point forecast.
    /// A bin never holds fewer than `min_per_bin` residuals (fewer bins are made if needed).
    pub fn new(pairs: &[(f64, f64)], n_bins: usize, min_per_bin: usize) -> Self {
        let mut p: Vec<(f64, f64)> = pairs
            .iter()
            .copied()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        p.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n_bins = n_bins.min(p.len() / min_per_bin.max(1)).max(1);
        let per = p.len().div_ceil(n_bins).max(1);
        let mut edges = Vec::new();
        let mut bins = Vec::new();
        for chunk in p.chunks(per) {
            if let Some(last) = chunk.last() {
                edges.push(last.0);
            }
            bins.push(sorted_finite(chunk.iter().map(|c| c.1)));
        }
        edges.pop();
        if bins.is_empty() {
            bins.push(Vec::new());
        }
        Self { edges, bins }
    }

    /// Quantile offsets for a point forecast `point` at `levels`.
    pub fn offsets(&self, point: f64, levels: &[f64]) -> Vec<f64> {
        let b = self.edges.partition_point(|&e| e < point);
        let bin = self.bins.get(b).or(self.bins.last());
        levels
            .iter()
            .map(|&t| bin.map_or(f64::NAN, |s| quantile_sorted(s, t)))
            .collect()
    }

    /// Quantile forecasts `point + offset`, clipped to `[lo, hi]`.
    pub fn quantiles(&self, point: f64, levels: &[f64], lo: f64, hi: f64) -> Vec<f64> {
        self.offsets(point, levels)
            .into_iter()
            .map(|o| (point + o).clamp(lo, hi))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_quantiles_match_r() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0, .25, .5, .9, 1)) = 1, 2, 3, 7.6, 10
        let s = [1.0, 2.0, 3.0, 4.0, 10.0];
        let want = [1.0, 2.0, 3.0, 7.6, 10.0];
        for (t, w) in [0.0, 0.25, 0.5, 0.9, 1.0].iter().zip(want) {
            assert!((quantile_sorted(&s, *t) - w).abs() < 1e-12);
        }
        assert!(quantile_sorted(&[], 0.5).is_nan());
        // Equal neighbours give exactly their value at every level (no 1-ulp overshoot).
        let s = [0.0, 0.00006, 0.00006, 0.00013];
        let q: Vec<f64> = (1..100)
            .map(|k| quantile_sorted(&s, k as f64 / 100.0))
            .collect();
        assert!(q.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn binned_residuals_pick_the_bin_of_the_point() {
        // Points 0..99; residuals +1 for points < 50 and −1 above: two bins.
        let pairs: Vec<(f64, f64)> = (0..100)
            .map(|k| (k as f64, if k < 50 { 1.0 } else { -1.0 }))
            .collect();
        let b = BinnedResiduals::new(&pairs, 2, 10);
        assert_eq!(b.offsets(10.0, &[0.5]), vec![1.0]);
        assert_eq!(b.offsets(80.0, &[0.5]), vec![-1.0]);
        // Clipping to [0, 1] keeps order.
        let q = b.quantiles(0.5, &[0.1, 0.9], 0.0, 1.0);
        assert_eq!(q, vec![1.0, 1.0]);
    }
}
