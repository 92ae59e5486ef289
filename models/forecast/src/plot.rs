//! Forecast against actual with its prediction interval, drawn as SVG (plotters, no font files).
//!
//! [`window`] cuts a run of backtest forecasts to a chosen window of hours: each hour is
//! taken from the latest issue that covers it, so day-ahead forecasts issued daily tile the
//! window; [`svg`] draws the interval between two quantile levels as a shaded band, the
//! point forecast and the actuals as lines (a missing actual breaks its line). Text is
//! written as SVG `<text>` elements sized by plotters' built-in estimate, so no font file
//! or fontconfig is needed.

use plotters::prelude::*;

use crate::backtest::tile;
use crate::model::{Dataset, Forecast};
use crate::ForecastError;

/// The hours of one plotted window.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotWindow {
    /// Local time of each hour (`YYYY-MM-DDTHH:MM`).
    pub labels: Vec<String>,
    /// Actuals (NaN where missing).
    pub actual: Vec<f64>,
    /// Point forecasts.
    pub point: Vec<f64>,
    /// Lower bound of the interval (the quantile at `levels.0`).
    pub lower: Vec<f64>,
    /// Upper bound of the interval (the quantile at `levels.1`).
    pub upper: Vec<f64>,
    /// Quantile levels of the interval (lower, upper).
    pub levels: (f64, f64),
}

/// Size and labels of a plot.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSettings {
    /// Width in pixels (default 1000).
    pub width_px: u32,
    /// Height in pixels (default 420).
    pub height_px: u32,
    /// Title above the plot.
    pub title: String,
    /// Label of the y axis, with its unit (e.g. `load (MW)`).
    pub y_label: String,
}

impl Default for PlotSettings {
    fn default() -> Self {
        Self {
            width_px: 1000,
            height_px: 420,
            title: String::new(),
            y_label: String::new(),
        }
    }
}

fn level_index(levels: &[f64], tau: f64) -> Result<usize, ForecastError> {
    levels
        .iter()
        .position(|l| (l - tau).abs() < 1e-9)
        .ok_or_else(|| {
            ForecastError::Setting(format!(
                "the forecasts have no quantile at level {tau} (they have {} levels)",
                levels.len()
            ))
        })
}

/// The window of `hours` hours from index `from` of `data`, filled from `forecasts` (in
/// issue order, each hour from the latest issue covering it: [`tile`]), with the interval between quantile levels `lower` and `upper`. Hours no
/// forecast covers are NaN. An error if the window is empty or the levels are absent.
pub fn window(
    data: &Dataset,
    forecasts: &[Forecast],
    from: usize,
    hours: usize,
    lower: f64,
    upper: f64,
) -> Result<PlotWindow, ForecastError> {
    let to = (from + hours).min(data.timeline.len);
    if from >= to || lower.partial_cmp(&upper) != Some(std::cmp::Ordering::Less) {
        return Err(ForecastError::Setting(format!(
            "the plot window {from}..{to} is empty or the interval {lower}–{upper} is not ascending"
        )));
    }
    let n = to - from;
    let mut w = PlotWindow {
        labels: (from..to).map(|i| data.timeline.label(i)).collect(),
        actual: (from..to)
            .map(|i| data.target.get(i).copied().unwrap_or(f64::NAN))
            .collect(),
        point: vec![f64::NAN; n],
        lower: vec![f64::NAN; n],
        upper: vec![f64::NAN; n],
        levels: (lower, upper),
    };
    for (j, cover) in tile(forecasts, from, to).into_iter().enumerate() {
        let Some((n, k)) = cover else { continue };
        let f = &forecasts[n];
        let (kl, ku) = (
            level_index(&f.levels, lower)?,
            level_index(&f.levels, upper)?,
        );
        w.point[j] = f.point[k];
        let q = f.quantiles.get(k);
        w.lower[j] = q.and_then(|q| q.get(kl)).copied().unwrap_or(f64::NAN);
        w.upper[j] = q.and_then(|q| q.get(ku)).copied().unwrap_or(f64::NAN);
    }
    if w.point.iter().all(|v| !v.is_finite()) {
        return Err(ForecastError::Setting(format!(
            "no forecast covers the plot window {} – {}",
            w.labels.first().cloned().unwrap_or_default(),
            w.labels.last().cloned().unwrap_or_default()
        )));
    }
    Ok(w)
}

/// Runs of consecutive finite values as `(x, y)` points (a NaN breaks the line).
fn finite_runs(v: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, y) in v.iter().enumerate() {
        if y.is_finite() {
            if let Some(r) = runs.last_mut() {
                r.push((i as f64, *y));
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn plot_err<E: std::fmt::Debug>(e: E) -> ForecastError {
    ForecastError::Plot(format!("{e:?}"))
}

/// The window drawn as an SVG document.
pub fn svg(w: &PlotWindow, s: &PlotSettings) -> Result<String, ForecastError> {
    let finite = || {
        w.actual
            .iter()
            .chain(&w.point)
            .chain(&w.lower)
            .chain(&w.upper)
            .copied()
            .filter(|v| v.is_finite())
    };
    let (lo, hi) = finite().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(ForecastError::Setting("nothing finite to plot".into()));
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    let n = w.point.len();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (s.width_px, s.height_px)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let labels = w.labels.clone();
        let mut chart = ChartBuilder::on(&root)
            .caption(&s.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                0.0..(n.saturating_sub(1).max(1)) as f64,
                (lo - pad)..(hi + pad),
            )
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|x| {
                let i = x.round().max(0.0) as usize;
                labels.get(i).map_or(String::new(), |l| {
                    // `MM-DD HH:MM` of `YYYY-MM-DDTHH:MM`.
                    l.get(5..).unwrap_or(l).replace('T', " ")
                })
            })
            .y_desc(&s.y_label)
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(plot_err)?;
        let band = RGBColor(70, 130, 180).mix(0.25);
        let both: Vec<f64> = w
            .lower
            .iter()
            .zip(&w.upper)
            .map(|(a, b)| {
                if a.is_finite() && b.is_finite() {
                    0.0
                } else {
                    f64::NAN
                }
            })
            .collect();
        for run in finite_runs(&both) {
            let mut poly: Vec<(f64, f64)> = run
                .iter()
                .map(|(x, _)| (*x, w.upper[*x as usize]))
                .collect();
            poly.extend(run.iter().rev().map(|(x, _)| (*x, w.lower[*x as usize])));
            chart
                .draw_series(std::iter::once(Polygon::new(poly, band.filled())))
                .map_err(plot_err)?;
        }
        // One legend entry per series: the first run carries it.
        let interval = format!(
            "{:.0}–{:.0} % interval",
            w.levels.0 * 100.0,
            w.levels.1 * 100.0
        );
        chart
            .draw_series(std::iter::empty::<Polygon<(f64, f64)>>())
            .map_err(plot_err)?
            .label(interval)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], band.filled()));
        for (series, color, name) in [
            (&w.point, RGBColor(30, 90, 160), "forecast"),
            (&w.actual, BLACK, "actual"),
        ] {
            for (k, run) in finite_runs(series).into_iter().enumerate() {
                let drawn = chart
                    .draw_series(LineSeries::new(run, color.stroke_width(2)))
                    .map_err(plot_err)?;
                if k == 0 {
                    drawn.label(name).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                    });
                }
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Clock, Timeline};
    use chrono::{TimeZone, Utc};

    fn toy() -> (Dataset, Vec<Forecast>) {
        let n = 96;
        let timeline = Timeline {
            start_utc: Utc.with_ymd_and_hms(2013, 4, 1, 0, 0, 0).unwrap(),
            len: n,
            clock: Clock::Utc,
        };
        let mut target: Vec<f64> = (0..n).map(|t| (t % 24) as f64).collect();
        target[50] = f64::NAN;
        let data = Dataset {
            name: "toy".into(),
            timeline,
            target,
            exog_names: vec![],
            exog: vec![],
        };
        let levels = vec![0.05, 0.5, 0.95];
        let fc = |issue: usize, shift: f64| Forecast {
            issue,
            point: (0..24).map(|k| k as f64 + shift).collect(),
            levels: levels.clone(),
            quantiles: (0..24)
                .map(|k| {
                    vec![
                        k as f64 + shift - 1.0,
                        k as f64 + shift,
                        k as f64 + shift + 1.0,
                    ]
                })
                .collect(),
        };
        (data, vec![fc(24, 0.5), fc(48, -0.5), fc(72, 0.0)])
    }

    #[test]
    fn window_takes_each_hour_from_its_latest_issue() {
        let (data, fs) = toy();
        let w = window(&data, &fs, 36, 24, 0.05, 0.95).unwrap();
        assert_eq!(w.labels[0], "2013-04-02T12:00");
        // Hour 36 is step 12 of the issue at 24 (shift +0.5); hour 48 step 0 of the next.
        assert_eq!(w.point[0], 12.5);
        assert_eq!(w.point[12], -0.5);
        assert_eq!((w.lower[12], w.upper[12]), (-1.5, 0.5));
        assert!(w.actual[14].is_nan());
        assert!(matches!(
            window(&data, &fs, 36, 24, 0.1, 0.9),
            Err(ForecastError::Setting(_))
        ));
        assert!(
            window(&data, &fs, 0, 24, 0.05, 0.95).is_err(),
            "no forecast covers day 1"
        );
    }

    #[test]
    fn svg_has_the_band_the_two_lines_and_the_legend() {
        let (data, fs) = toy();
        let w = window(&data, &fs, 24, 72, 0.05, 0.95).unwrap();
        let s = svg(
            &w,
            &PlotSettings {
                title: "toy forecast".into(),
                y_label: "value (MW)".into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
        // plotters writes each text on its own line inside <text>…</text>.
        let texts: Vec<&str> = s
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1))
            .map(|t| t.trim_end_matches("</text").trim())
            .collect();
        for want in [
            "5–95 % interval",
            "forecast",
            "actual",
            "toy forecast",
            "value (MW)",
        ] {
            assert!(texts.contains(&want), "{want} in {texts:?}");
        }
        // The missing actual at hour 50 splits the actual line in two: 1 forecast + 2 actual
        // polylines (+ legend paths).
        assert!(s.matches("<polyline").count() >= 3, "{s}");
        assert!(s.contains("<polygon"));
        // Deterministic output.
        let again = PlotSettings {
            title: "toy forecast".into(),
            y_label: "value (MW)".into(),
            ..Default::default()
        };
        assert_eq!(s, svg(&w, &again).unwrap());
    }
}
