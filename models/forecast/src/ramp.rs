//! Ramp events — a change of more than a threshold within a window — detected on forecasts and actuals, and scored.
//!
//! **Definition.** With a series `x` (per unit of capacity for solar and wind, so the
//! threshold is a fraction of capacity), a threshold `θ > 0` and a window of `w ≥ 1` steps,
//! step `t` starts an *up-ramp* if `x[t+k] − x[t] > θ` for some `k ∈ 1..=w`, a *down-ramp*
//! if `x[t] − x[t+k] > θ` for some such `k` (the pairs with a missing value are skipped).
//! Consecutive starting steps of one direction form one **event** `[start, end]`, where
//! `end` is the last step the change reaches (last flagged `t` plus `w`).
//!
//! **Scores** (event-based, direction by direction): a forecast event *matches* an actual
//! event of the same direction when their spans overlap once widened by `tolerance_steps`
//! on each side. *Hits* are actual events with a match, *misses* actual events without one,
//! *false alarms* forecast events that match no actual event. Probability of detection
//! `POD = hits / (hits + misses)`, false-alarm ratio `FAR = false alarms / (hits + false
//! alarms)`, critical success index `CSI = hits / (hits + misses + false alarms)`; each is
//! `None` when its denominator is zero.

use serde::Serialize;

use crate::ForecastError;

/// Direction of a ramp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RampDirection {
    /// Rising.
    Up,
    /// Falling.
    Down,
}

/// One ramp event on a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RampEvent {
    /// Up or down.
    pub direction: RampDirection,
    /// First step of the event (index in the series).
    pub start: usize,
    /// Last step the change reaches (inclusive).
    pub end: usize,
    /// Largest change within the event's windows (positive, in the series' unit).
    pub magnitude: f64,
}

/// What counts as a ramp.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RampSettings {
    /// A change strictly greater than this, in the series' unit (per unit of capacity for
    /// solar and wind). Default 0.3.
    pub threshold: f64,
    /// Within this many steps (hours on hourly data). Default 1.
    pub window_steps: usize,
    /// A forecast event matches an actual one if their spans, widened by this many steps on
    /// each side, overlap. Default 0.
    pub tolerance_steps: usize,
}

impl Default for RampSettings {
    fn default() -> Self {
        Self {
            threshold: 0.3,
            window_steps: 1,
            tolerance_steps: 0,
        }
    }
}

impl RampSettings {
    /// Checks the threshold is positive and finite and the window at least one step.
    pub fn validate(&self) -> Result<(), ForecastError> {
        if !(self.threshold.is_finite() && self.threshold > 0.0) || self.window_steps == 0 {
            return Err(ForecastError::Setting(format!(
                "a ramp needs a positive finite threshold and a window of at least one step \
                 (got threshold {} and window {})",
                self.threshold, self.window_steps
            )));
        }
        Ok(())
    }
}

/// The ramp events of `x`, in order of start (ups and downs interleaved).
pub fn detect(x: &[f64], s: &RampSettings) -> Result<Vec<RampEvent>, ForecastError> {
    s.validate()?;
    let mut events: Vec<RampEvent> = Vec::new();
    // The open event of each direction: (start, last flagged t, magnitude).
    let mut open: [Option<(usize, usize, f64)>; 2] = [None, None];
    let dirs = [RampDirection::Up, RampDirection::Down];
    for t in 0..x.len() {
        let mut best = [0.0f64; 2];
        if x[t].is_finite() {
            for v in x.iter().skip(t + 1).take(s.window_steps) {
                if v.is_finite() {
                    best[0] = best[0].max(v - x[t]);
                    best[1] = best[1].max(x[t] - v);
                }
            }
        }
        for d in 0..2 {
            if best[d] > s.threshold {
                open[d] = Some(match open[d] {
                    Some((a, _, m)) => (a, t, m.max(best[d])),
                    None => (t, t, best[d]),
                });
            } else if let Some((a, b, m)) = open[d].take() {
                events.push(close(dirs[d], a, b, m, s, x.len()));
            }
        }
    }
    for d in 0..2 {
        if let Some((a, b, m)) = open[d].take() {
            events.push(close(dirs[d], a, b, m, s, x.len()));
        }
    }
    events.sort_by_key(|e| (e.start, e.direction == RampDirection::Down));
    Ok(events)
}

fn close(
    direction: RampDirection,
    start: usize,
    last: usize,
    magnitude: f64,
    s: &RampSettings,
    len: usize,
) -> RampEvent {
    RampEvent {
        direction,
        start,
        end: (last + s.window_steps).min(len.saturating_sub(1)),
        magnitude,
    }
}

/// Contingency counts and scores of forecast ramps against actual ramps.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct RampScores {
    /// Actual events.
    pub actual_events: usize,
    /// Forecast events.
    pub forecast_events: usize,
    /// Actual events matched by a forecast event.
    pub hits: usize,
    /// Actual events not matched.
    pub misses: usize,
    /// Forecast events matching no actual event.
    pub false_alarms: usize,
    /// Probability of detection.
    pub pod: Option<f64>,
    /// False-alarm ratio.
    pub far: Option<f64>,
    /// Critical success index.
    pub csi: Option<f64>,
}

impl RampScores {
    /// Scores from the counts.
    pub fn from_counts(
        actual_events: usize,
        forecast_events: usize,
        hits: usize,
        false_alarms: usize,
    ) -> Self {
        let misses = actual_events - hits.min(actual_events);
        let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
        Self {
            actual_events,
            forecast_events,
            hits,
            misses,
            false_alarms,
            pod: ratio(hits, hits + misses),
            far: ratio(false_alarms, hits + false_alarms),
            csi: ratio(hits, hits + misses + false_alarms),
        }
    }

    /// Counts of two sets of series added (e.g. over plants), scores recomputed.
    pub fn pooled(parts: &[RampScores]) -> Self {
        let sum = |f: fn(&RampScores) -> usize| parts.iter().map(f).sum::<usize>();
        Self::from_counts(
            sum(|p| p.actual_events),
            sum(|p| p.forecast_events),
            sum(|p| p.hits),
            sum(|p| p.false_alarms),
        )
    }
}

fn overlaps(a: &RampEvent, b: &RampEvent, tol: usize) -> bool {
    a.direction == b.direction && a.start <= b.end + tol && b.start <= a.end + tol
}

/// Scores the ramps of `forecast` against those of `actual` (same indices).
pub fn score(
    actual: &[f64],
    forecast: &[f64],
    s: &RampSettings,
) -> Result<RampScores, ForecastError> {
    let a = detect(actual, s)?;
    let f = detect(forecast, s)?;
    let tol = s.tolerance_steps;
    let hits = a
        .iter()
        .filter(|e| f.iter().any(|g| overlaps(e, g, tol)))
        .count();
    let false_alarms = f
        .iter()
        .filter(|g| !a.iter().any(|e| overlaps(e, g, tol)))
        .count();
    Ok(RampScores::from_counts(
        a.len(),
        f.len(),
        hits,
        false_alarms,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(threshold: f64, window_steps: usize) -> RampSettings {
        RampSettings {
            threshold,
            window_steps,
            tolerance_steps: 0,
        }
    }

    #[test]
    fn detects_up_and_down_ramps_with_their_spans() {
        // 0 → 0.5 in one step (up at t=1), flat, 0.5 → 0.1 over two steps (down).
        let x = [0.0, 0.0, 0.5, 0.5, 0.5, 0.3, 0.1, 0.1];
        let one = detect(&x, &s(0.3, 1)).unwrap();
        assert_eq!(
            one,
            vec![RampEvent {
                direction: RampDirection::Up,
                start: 1,
                end: 2,
                magnitude: 0.5
            }],
            "the 0.2-per-step fall is no ramp within one step"
        );
        let two = detect(&x, &s(0.3, 2)).unwrap();
        assert_eq!(two.len(), 2);
        // Up: t = 0 (0 → 0.5 within 2) and t = 1: one event [0, 3].
        assert_eq!(
            (two[0].direction, two[0].start, two[0].end),
            (RampDirection::Up, 0, 3)
        );
        // Down: only t = 4 (0.5 → 0.1 in 2 steps: 0.4 > 0.3); t = 3 reaches 0.3, not more.
        assert_eq!(
            (two[1].direction, two[1].start, two[1].end),
            (RampDirection::Down, 4, 6)
        );
        assert!((two[1].magnitude - 0.4).abs() < 1e-12);
    }

    #[test]
    fn exactly_the_threshold_is_no_ramp_and_nan_pairs_are_skipped() {
        assert!(detect(&[0.0, 0.25, 0.5], &s(0.25, 1)).unwrap().is_empty());
        let e = detect(&[0.0, f64::NAN, 0.9], &s(0.5, 1)).unwrap();
        assert!(e.is_empty(), "no pair one step apart is finite");
        let e = detect(&[0.0, f64::NAN, 0.9], &s(0.5, 2)).unwrap();
        assert_eq!(e.len(), 1);
        assert!(detect(&[0.0, 1.0], &s(0.0, 1)).is_err());
        assert!(detect(&[0.0, 1.0], &s(0.2, 0)).is_err());
    }

    #[test]
    fn scores_match_hand_counts() {
        // Actual: a step up after 1, down after 5, up after 10. Forecast: up one step late
        // (its span [2, 3] still overlaps the actual [1, 2]), down one step late, the up
        // after 10, then a dip at 14 that is a false down and a false up.
        let mut a = vec![0.0; 16];
        let mut f = vec![0.0; 16];
        a[2..6].fill(1.0);
        a[11..16].fill(1.0);
        f[3..7].fill(1.0);
        f[11..14].fill(1.0);
        f[15] = 1.0;
        let sc = score(&a, &f, &s(0.5, 1)).unwrap();
        // Actual events: up [1,2], down [5,6], up [10,11]. Forecast: up [2,3], down [6,7],
        // up [10,11], down [13,14], up [14,15].
        assert_eq!(sc.actual_events, 3);
        assert_eq!(sc.forecast_events, 5);
        assert_eq!((sc.hits, sc.misses, sc.false_alarms), (3, 0, 2));
        assert_eq!(sc.pod, Some(1.0));
        assert_eq!(sc.far, Some(0.4));
        assert_eq!(sc.csi, Some(0.6));
        // Widening by a tolerance does not create hits of the wrong direction.
        let strict = score(&a, &[0.0; 16], &s(0.5, 1)).unwrap();
        assert_eq!((strict.hits, strict.misses, strict.false_alarms), (0, 3, 0));
        assert_eq!(
            (strict.pod, strict.far, strict.csi),
            (Some(0.0), None, Some(0.0))
        );
        let pooled = RampScores::pooled(&[sc, strict]);
        assert_eq!((pooled.hits, pooled.misses, pooled.false_alarms), (3, 3, 2));
        assert_eq!(pooled.csi, Some(3.0 / 8.0));
    }

    #[test]
    fn tolerance_lets_a_late_forecast_ramp_hit() {
        let a = [0.0, 1.0, 1.0, 1.0, 1.0];
        let f = [0.0, 0.0, 0.0, 1.0, 1.0];
        let strict = score(&a, &f, &s(0.5, 1)).unwrap();
        assert_eq!((strict.hits, strict.false_alarms), (0, 1));
        let loose = score(
            &a,
            &f,
            &RampSettings {
                tolerance_steps: 1,
                ..s(0.5, 1)
            },
        )
        .unwrap();
        assert_eq!((loose.hits, loose.false_alarms), (1, 0));
    }
}
