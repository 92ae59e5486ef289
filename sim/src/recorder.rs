//! `Recorder`: named time series and scalar metrics of one replication, kept in memory or streamed to CSV.
//!
//! # What is accumulated
//!
//! A **time series** is a sequence of points `(tᵢ, vᵢ)` with non-decreasing times. Each series
//! keeps, whether or not its points are kept, its count `n`, `Σvᵢ`, `min vᵢ`, `max vᵢ` and the
//! time integral of the value held constant until the next point (zero-order hold):
//!
//! ```text
//! ∫v dt (up to t_end) = Σᵢ vᵢ · (tᵢ₊₁ − tᵢ),  with t_{n+1} = t_end
//! time mean           = ∫v dt / (t_end − t₁)
//! ```
//!
//! A **metric** is a scalar accumulator of observations `xⱼ`: count, `Σxⱼ`, min, max and
//! mean `Σxⱼ / n` (e.g. unserved energy summed over steps, peak loading as a max).
//!
//! # Determinism
//!
//! Series and metrics are listed and written in the order of their first use (insertion
//! order), never in hash order. Streamed CSV has the columns `t_ms,series,value`, one row per
//! point in the order the points were recorded; numbers are written in their shortest
//! round-trip form, so re-reading gives the same bits.
//!
//! ```
//! use gridsim_sim::{Recorder, SimTime};
//! let mut rec = Recorder::new();
//! rec.record("load_mw", SimTime::from_hours(0), 10.0)?;
//! rec.record("load_mw", SimTime::from_hours(1), 20.0)?;
//! rec.add("unserved_mwh", 0.5);
//! rec.add("unserved_mwh", 1.5);
//! let load = rec.series("load_mw").unwrap();
//! // 10 MW for 1 h then 20 MW for 3 h: time mean (10·1 + 20·3) / 4 = 17.5 MW.
//! assert_eq!(load.stats().time_mean(SimTime::from_hours(4)), 17.5);
//! assert_eq!(rec.metric("unserved_mwh").unwrap().sum, 2.0);
//! # Ok::<(), gridsim_sim::SimError>(())
//! ```

use std::collections::HashMap;
use std::io::Write;

use crate::error::{SimError, SimResult};
use crate::time::SimTime;

/// Formats a float in its shortest round-trip decimal form: plain notation for magnitudes in
/// `[1e-5, 1e16)` and zero, scientific (`1.5e-7`) otherwise; `NaN`, `inf`, `-inf` as such.
pub fn format_f64(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || !v.is_finite() || (1e-5..1e16).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Running statistics of one time series (see the module docs for the formulas).
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesStats {
    /// Number of points.
    pub count: u64,
    /// Sum of the values.
    pub sum: f64,
    /// Smallest value (`+inf` when empty).
    pub min: f64,
    /// Largest value (`-inf` when empty).
    pub max: f64,
    /// Time of the first point.
    pub first_t: SimTime,
    /// Time of the last point.
    pub last_t: SimTime,
    /// Value of the last point.
    pub last_value: f64,
    /// `Σ vᵢ·(tᵢ₊₁ − tᵢ)` over the points so far, in value × seconds.
    pub integral_value_s: f64,
}

impl Default for SeriesStats {
    fn default() -> Self {
        SeriesStats {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            first_t: SimTime::ZERO,
            last_t: SimTime::ZERO,
            last_value: 0.0,
            integral_value_s: 0.0,
        }
    }
}

impl SeriesStats {
    fn push(&mut self, t: SimTime, v: f64) {
        if self.count == 0 {
            self.first_t = t;
        } else {
            self.integral_value_s += self.last_value * (t - self.last_t).as_secs_f64();
        }
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.last_t = t;
        self.last_value = v;
    }

    /// Mean of the point values, `Σvᵢ / n` (NaN when empty).
    pub fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }

    /// `∫v dt` in value × seconds from the first point to `t_end`, the last value held
    /// until `t_end` (ignored if `t_end` is before the last point).
    pub fn integral_to(&self, t_end: SimTime) -> f64 {
        let tail = (t_end - self.last_t).as_secs_f64().max(0.0);
        self.integral_value_s + self.last_value * tail
    }

    /// Time-weighted mean from the first point to `t_end` (NaN when empty or when
    /// `t_end` is not after the first point).
    pub fn time_mean(&self, t_end: SimTime) -> f64 {
        let span_s = (t_end - self.first_t).as_secs_f64();
        if self.count == 0 || span_s <= 0.0 {
            return f64::NAN;
        }
        self.integral_to(t_end) / span_s
    }
}

/// One named time series.
#[derive(Clone, Debug)]
pub struct Series {
    name: String,
    points: Vec<(SimTime, f64)>,
    stats: SeriesStats,
}

impl Series {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its points, in recording order (empty when the recorder streams to CSV or keeps
    /// statistics only).
    pub fn points(&self) -> &[(SimTime, f64)] {
        &self.points
    }
    /// Its running statistics (kept in both modes).
    pub fn stats(&self) -> &SeriesStats {
        &self.stats
    }
}

/// Statistics of one scalar metric.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricStats {
    /// Number of observations.
    pub count: u64,
    /// Sum of the observations.
    pub sum: f64,
    /// Smallest observation (`+inf` when empty).
    pub min: f64,
    /// Largest observation (`-inf` when empty).
    pub max: f64,
}

impl Default for MetricStats {
    fn default() -> Self {
        MetricStats {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl MetricStats {
    /// Mean of the observations, `Σxⱼ / n` (NaN when empty).
    pub fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }
}

/// A handle to a series, to record without a name lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesId(usize);

/// Time series and metrics of one replication; see the module docs.
pub struct Recorder {
    series: Vec<Series>,
    series_index: HashMap<String, usize>,
    metrics: Vec<(String, MetricStats)>,
    metric_index: HashMap<String, usize>,
    sink: Option<csv::Writer<Box<dyn Write + Send>>>,
    keep_points: bool,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("series", &self.series.len())
            .field("metrics", &self.metrics.len())
            .field("streaming", &self.sink.is_some())
            .finish()
    }
}

fn csv_err(source: csv::Error) -> SimError {
    SimError::Csv {
        context: "writing the time-series CSV".into(),
        source,
    }
}

impl Recorder {
    /// A recorder that keeps every point in memory.
    pub fn new() -> Self {
        Recorder {
            series: Vec::new(),
            series_index: HashMap::new(),
            metrics: Vec::new(),
            metric_index: HashMap::new(),
            sink: None,
            keep_points: true,
        }
    }

    /// A recorder that keeps only the statistics of each series and metric, not the points:
    /// constant memory for long runs without time-series output.
    pub fn stats_only() -> Self {
        Recorder {
            keep_points: false,
            ..Recorder::new()
        }
    }

    /// A recorder that writes every point to `out` as CSV (`t_ms,series,value`) as it is
    /// recorded and keeps only the statistics in memory.
    ///
    /// # Errors
    /// [`SimError::Csv`] if the header cannot be written.
    pub fn streaming(out: impl Write + Send + 'static) -> SimResult<Self> {
        let mut w = csv::Writer::from_writer(Box::new(out) as Box<dyn Write + Send>);
        w.write_record(["t_ms", "series", "value"])
            .map_err(csv_err)?;
        let mut rec = Recorder::stats_only();
        rec.sink = Some(w);
        Ok(rec)
    }

    /// The handle of series `name`, creating it (empty) on first use.
    pub fn series_id(&mut self, name: &str) -> SeriesId {
        if let Some(&i) = self.series_index.get(name) {
            return SeriesId(i);
        }
        let i = self.series.len();
        self.series.push(Series {
            name: name.to_owned(),
            points: Vec::new(),
            stats: SeriesStats::default(),
        });
        self.series_index.insert(name.to_owned(), i);
        SeriesId(i)
    }

    /// Appends the point `(t, value)` to the series with handle `id`.
    ///
    /// # Errors
    /// [`SimError::Csv`] when streaming and the write fails.
    pub fn record_id(&mut self, id: SeriesId, t: SimTime, value: f64) -> SimResult<()> {
        let Some(s) = self.series.get_mut(id.0) else {
            return Err(SimError::Settings(format!(
                "series handle {} was not issued by this recorder",
                id.0
            )));
        };
        s.stats.push(t, value);
        match &mut self.sink {
            Some(w) => w
                .write_record([t.as_ms().to_string(), s.name.clone(), format_f64(value)])
                .map_err(csv_err),
            None => {
                if self.keep_points {
                    s.points.push((t, value));
                }
                Ok(())
            }
        }
    }

    /// Appends the point `(t, value)` to the series `name` (created on first use).
    ///
    /// # Errors
    /// [`SimError::Csv`] when streaming and the write fails.
    pub fn record(&mut self, name: &str, t: SimTime, value: f64) -> SimResult<()> {
        let id = self.series_id(name);
        self.record_id(id, t, value)
    }

    /// Adds the observation `value` to the metric `name` (created on first use).
    pub fn add(&mut self, name: &str, value: f64) {
        let i = match self.metric_index.get(name) {
            Some(&i) => i,
            None => {
                self.metrics.push((name.to_owned(), MetricStats::default()));
                self.metric_index
                    .insert(name.to_owned(), self.metrics.len() - 1);
                self.metrics.len() - 1
            }
        };
        if let Some((_, m)) = self.metrics.get_mut(i) {
            m.count += 1;
            m.sum += value;
            m.min = m.min.min(value);
            m.max = m.max.max(value);
        }
    }

    /// The series `name`, if anything was recorded under it.
    pub fn series(&self, name: &str) -> Option<&Series> {
        self.series_index
            .get(name)
            .and_then(|&i| self.series.get(i))
    }

    /// The statistics of metric `name`, if it was observed.
    pub fn metric(&self, name: &str) -> Option<&MetricStats> {
        self.metric_index
            .get(name)
            .and_then(|&i| self.metrics.get(i))
            .map(|(_, m)| m)
    }

    /// All series in insertion order.
    pub fn all_series(&self) -> impl Iterator<Item = &Series> {
        self.series.iter()
    }

    /// All metrics `(name, stats)` in insertion order.
    pub fn all_metrics(&self) -> impl Iterator<Item = (&str, &MetricStats)> {
        self.metrics.iter().map(|(n, m)| (n.as_str(), m))
    }

    /// `true` when points are streamed to CSV rather than kept.
    pub fn is_streaming(&self) -> bool {
        self.sink.is_some()
    }

    /// Flushes the CSV stream (no-op in memory mode).
    ///
    /// # Errors
    /// [`SimError::Io`] if flushing fails.
    pub fn flush(&mut self) -> SimResult<()> {
        match &mut self.sink {
            Some(w) => w.flush().map_err(|source| SimError::Io {
                context: "flushing the time-series CSV".into(),
                source,
            }),
            None => Ok(()),
        }
    }

    /// Writes the in-memory points of every series as CSV (`t_ms,series,value`), series after
    /// series in insertion order.
    ///
    /// # Errors
    /// [`SimError::Csv`] if a write fails.
    pub fn write_series_csv(&self, out: impl Write) -> SimResult<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["t_ms", "series", "value"])
            .map_err(csv_err)?;
        for s in &self.series {
            for &(t, v) in &s.points {
                w.write_record([t.as_ms().to_string(), s.name.clone(), format_f64(v)])
                    .map_err(csv_err)?;
            }
        }
        w.flush().map_err(|source| SimError::Io {
            context: "flushing the time-series CSV".into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A `Write` that appends to a shared buffer, to read what a streaming recorder wrote.
    #[derive(Clone, Default)]
    struct SharedBuf(Arc<Mutex<Vec<u8>>>);
    impl Write for SharedBuf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn streaming_writes_rows_as_recorded_and_keeps_stats() {
        let buf = SharedBuf::default();
        let mut rec = Recorder::streaming(buf.clone()).unwrap();
        rec.record("b", SimTime::from_ms(0), 1.0).unwrap();
        rec.record("a", SimTime::from_ms(0), 0.1).unwrap();
        rec.record("b", SimTime::from_ms(2_000), 3.0).unwrap();
        rec.record("a", SimTime::from_ms(1_000), 1.5e-7).unwrap();
        rec.flush().unwrap();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "t_ms,series,value\n0,b,1\n0,a,0.1\n2000,b,3\n1000,a,1.5e-7\n"
        );
        let b = rec.series("b").unwrap();
        assert!(b.points().is_empty());
        // b: 1 for 2 s, then 3 for 2 s up to t = 4 s: ∫ = 2 + 6 = 8, mean 8 / 4 = 2.
        assert_eq!(b.stats().integral_to(SimTime::from_secs(4)), 8.0);
        assert_eq!(b.stats().time_mean(SimTime::from_secs(4)), 2.0);
        assert_eq!(
            (b.stats().min, b.stats().max, b.stats().mean()),
            (1.0, 3.0, 2.0)
        );
        let names: Vec<_> = rec.all_series().map(Series::name).collect();
        assert_eq!(names, ["b", "a"], "insertion order");
    }

    #[test]
    fn metrics_accumulate_in_insertion_order() {
        let mut rec = Recorder::new();
        for (name, v) in [("z", 4.0), ("y", -1.0), ("z", 2.0), ("z", 6.0)] {
            rec.add(name, v);
        }
        let all: Vec<_> = rec.all_metrics().map(|(n, m)| (n, m.count)).collect();
        assert_eq!(all, [("z", 3), ("y", 1)]);
        let z = rec.metric("z").unwrap();
        // 4, 2, 6: sum 12, mean 4, min 2, max 6.
        assert_eq!((z.sum, z.mean(), z.min, z.max), (12.0, 4.0, 2.0, 6.0));
        assert!(rec.metric("absent").is_none());
        assert!(MetricStats::default().mean().is_nan());
    }

    #[test]
    fn in_memory_series_write_the_same_rows_series_by_series() {
        let mut rec = Recorder::new();
        rec.record("p_mw", SimTime::from_ms(5), -2.25).unwrap();
        rec.record("q_mvar", SimTime::from_ms(5), 1e20).unwrap();
        rec.record("p_mw", SimTime::from_ms(10), 0.0).unwrap();
        let mut out = Vec::new();
        rec.write_series_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "t_ms,series,value\n5,p_mw,-2.25\n10,p_mw,0\n5,q_mvar,1e20\n"
        );
        assert_eq!(rec.series("p_mw").unwrap().points().len(), 2);
    }

    #[test]
    fn stats_only_keeps_no_points() {
        let mut rec = Recorder::stats_only();
        for k in 0..1000 {
            rec.record("v", SimTime::from_secs(k), 1.0).unwrap();
        }
        let v = rec.series("v").unwrap();
        assert!(v.points().is_empty());
        // 1.0 held for 999 s between the first and last point.
        assert_eq!(v.stats().count, 1000);
        assert_eq!(v.stats().integral_value_s, 999.0);
    }

    #[test]
    fn format_f64_round_trips() {
        for v in [0.1, 1.0 / 3.0, 1e-300, 123456789.125, -7.5e22, 5e-324] {
            assert_eq!(format_f64(v).parse::<f64>().unwrap(), v);
        }
        assert_eq!(format_f64(f64::NAN), "NaN");
    }
}
