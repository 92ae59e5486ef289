//! Monte Carlo replications: a parallel runner whose rows come out in replication order, and the summary statistics (mean, standard deviation, Student-t intervals, paired differences).
//!
//! # Runner
//!
//! [`run`] calls a closure for every replication `r` of a shard `start..end` on a rayon pool
//! of `threads` threads. Workers take replications in increasing order from a shared counter;
//! the calling thread receives the results and writes each replication's rows to the CSV
//! writer as soon as every earlier replication has been written. So the output is the same
//! bytes whatever the thread count, and it is streamed rather than held back. A closure error
//! stops the run: replications before the first failing one (in replication order) are
//! written, and that failure is returned.
//!
//! # `replications.csv`
//!
//! Header `replication,strategy,<metric 1>,…,<metric m>`, then one row per replication and
//! strategy, replications in increasing order and strategies in the order the closure returned
//! them. Every replication must return the same strategies with the same metric names in the
//! same order. Numbers are written in shortest round-trip form, so a file read back with
//! [`Replications::read_csv`] holds exactly the same values. The reader skips repeated header
//! lines, so the files of shards `0..k` and `k..n` concatenated (`cat a.csv b.csv`) read as
//! one run of `0..n`.
//!
//! # Statistics
//!
//! For a metric with values `x₁ … xₙ` of one strategy, in replication order:
//!
//! ```text
//! mean  x̄ = (Σ xᵢ) / n
//! s     = √( Σ (xᵢ − x̄)² / (n − 1) )                    (sample standard deviation)
//! h     = t₀.₉₇₅,ₙ₋₁ · s / √n                             (Student-t quantile, statrs)
//! 95 % confidence interval  [x̄ − h, x̄ + h]
//! ```
//!
//! A **paired difference** between strategies A (earlier in the order) and B is the same
//! statistic applied to `dᵢ = x_{B,i} − x_{A,i}`: with common random numbers the pairs share
//! their random world, so this interval is much narrower than the difference of two
//! independent intervals. Every pair A < B is reported. With `n < 2`, `s` and the interval are
//! NaN. Sums run in replication order, so a run and the concatenation of its shards give
//! byte-identical summaries.
//!
//! ```
//! use gridsim_sim::montecarlo::{run, MonteCarloSettings, StrategyRow};
//! let settings = MonteCarloSettings { threads: 2, start: 0, end: 4, progress: false };
//! let mut csv = Vec::new();
//! let reps = run(&settings, &mut csv, |r| {
//!     let x = r as f64;
//!     Ok::<_, std::io::Error>(vec![
//!         StrategyRow::new("base", vec![("cost_usd".into(), 10.0 + x)]),
//!         StrategyRow::new("smart", vec![("cost_usd".into(), 8.0 + x)]),
//!     ])
//! })?;
//! let text = String::from_utf8(csv).unwrap();
//! assert!(text.starts_with("replication,strategy,cost_usd\n0,base,10\n0,smart,8\n1,base,11\n"));
//! let summary = reps.summary();
//! let diff = summary.rows.iter().find(|r| r.baseline.as_deref() == Some("base")).unwrap();
//! assert_eq!((diff.strategy.as_str(), diff.mean, diff.std_dev), ("smart", -2.0, 0.0));
//! # Ok::<(), gridsim_sim::SimError>(())
//! ```

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::error::{SimError, SimResult};
use crate::recorder::format_f64;

/// The metrics of one strategy in one replication.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyRow {
    /// The strategy's name.
    pub strategy: String,
    /// `(metric name, value)` in a fixed order.
    pub metrics: Vec<(String, f64)>,
}

impl StrategyRow {
    /// A row for `strategy`.
    pub fn new(strategy: impl Into<String>, metrics: Vec<(String, f64)>) -> Self {
        StrategyRow {
            strategy: strategy.into(),
            metrics,
        }
    }
}

/// Settings of [`run`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonteCarloSettings {
    /// Worker threads of the rayon pool (≥ 1; default 1).
    pub threads: usize,
    /// First replication of the shard (default 0).
    pub start: u64,
    /// One past the last replication (default 1; must be > `start`).
    pub end: u64,
    /// Show a progress bar on stderr (default `true`; hidden anyway when stderr is not a
    /// terminal).
    pub progress: bool,
}

impl Default for MonteCarloSettings {
    fn default() -> Self {
        MonteCarloSettings {
            threads: 1,
            start: 0,
            end: 1,
            progress: true,
        }
    }
}

impl MonteCarloSettings {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`SimError::Settings`] for zero threads or an empty shard.
    pub fn validate(&self) -> SimResult<()> {
        if self.threads == 0 {
            return Err(SimError::Settings("threads must be at least 1".into()));
        }
        if self.end <= self.start {
            return Err(SimError::Settings(format!(
                "the replication range {}..{} is empty",
                self.start, self.end
            )));
        }
        Ok(())
    }
}

/// The rows of a set of replications: metric and strategy names, and one value per
/// (replication, strategy, metric), replications in increasing order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replications {
    metrics: Vec<String>,
    strategies: Vec<String>,
    replications: Vec<u64>,
    /// `values[(i · n_strategies + s) · n_metrics + m]` for the i-th replication.
    values: Vec<f64>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn csv_write_err(source: csv::Error) -> SimError {
    SimError::Csv {
        context: "writing replications.csv".into(),
        source,
    }
}

impl Replications {
    /// Metric names, in column order.
    pub fn metrics(&self) -> &[String] {
        &self.metrics
    }
    /// Strategy names, in row order.
    pub fn strategies(&self) -> &[String] {
        &self.strategies
    }
    /// Replication numbers, increasing.
    pub fn replications(&self) -> &[u64] {
        &self.replications
    }
    /// The value of `metric` for `strategy` in the `i`-th replication held (not replication
    /// number `i`), if all three exist.
    pub fn value(&self, i: usize, strategy: &str, metric: &str) -> Option<f64> {
        let s = self.strategies.iter().position(|x| x == strategy)?;
        let m = self.metrics.iter().position(|x| x == metric)?;
        if i >= self.replications.len() {
            return None;
        }
        self.values
            .get((i * self.strategies.len() + s) * self.metrics.len() + m)
            .copied()
    }

    /// Appends replication `replication`'s rows, which must come after every replication held
    /// and match the strategies and metrics of the first one.
    fn push(&mut self, replication: u64, rows: &[StrategyRow]) -> SimResult<()> {
        let origin = || format!("replication {replication}");
        for (i, r) in rows.iter().enumerate() {
            if rows[..i].iter().any(|o| o.strategy == r.strategy) {
                return Err(SimError::Rows {
                    origin: origin(),
                    message: format!("strategy `{}` appears twice", r.strategy),
                });
            }
            if let Some((i, (m, _))) = r
                .metrics
                .iter()
                .enumerate()
                .find(|(i, (m, _))| r.metrics[..*i].iter().any(|(o, _)| o == m))
            {
                return Err(SimError::Rows {
                    origin: format!("{}, strategy `{}`", origin(), r.strategy),
                    message: format!("metric `{m}` appears twice (column {})", i + 3),
                });
            }
        }
        if self.replications.is_empty() {
            self.strategies = rows.iter().map(|r| r.strategy.clone()).collect();
            self.metrics = rows
                .first()
                .map(|r| r.metrics.iter().map(|(n, _)| n.clone()).collect())
                .unwrap_or_default();
            if rows.is_empty() {
                return Err(SimError::Rows {
                    origin: origin(),
                    message: "expected at least one strategy row, found none".into(),
                });
            }
        }
        if self.replications.last().is_some_and(|&l| l >= replication) {
            return Err(SimError::Rows {
                origin: origin(),
                message: "replications must be unique and increasing".into(),
            });
        }
        let names: Vec<&str> = rows.iter().map(|r| r.strategy.as_str()).collect();
        if names != self.strategies {
            return Err(SimError::Rows {
                origin: origin(),
                message: format!(
                    "expected strategies {:?}, found {:?}",
                    self.strategies, names
                ),
            });
        }
        for row in rows {
            let found: Vec<&str> = row.metrics.iter().map(|(n, _)| n.as_str()).collect();
            if found != self.metrics {
                return Err(SimError::Rows {
                    origin: format!("{}, strategy `{}`", origin(), row.strategy),
                    message: format!("expected metrics {:?}, found {:?}", self.metrics, found),
                });
            }
        }
        self.replications.push(replication);
        self.values
            .extend(rows.iter().flat_map(|r| r.metrics.iter().map(|&(_, v)| v)));
        Ok(())
    }

    fn write_header<W: Write>(&self, w: &mut csv::Writer<W>) -> SimResult<()> {
        let header = ["replication", "strategy"]
            .into_iter()
            .chain(self.metrics.iter().map(String::as_str));
        w.write_record(header).map_err(csv_write_err)
    }

    /// Writes the rows of the `i`-th replication held.
    fn write_replication<W: Write>(&self, w: &mut csv::Writer<W>, i: usize) -> SimResult<()> {
        let (n_s, n_m) = (self.strategies.len(), self.metrics.len());
        let rep = self.replications.get(i).copied().unwrap_or_default();
        for (s, name) in self.strategies.iter().enumerate() {
            let start = (i * n_s + s) * n_m;
            let vals = self.values.get(start..start + n_m).unwrap_or_default();
            let record = [rep.to_string(), name.clone()]
                .into_iter()
                .chain(vals.iter().map(|&v| format_f64(v)));
            w.write_record(record).map_err(csv_write_err)?;
        }
        Ok(())
    }

    /// Writes the whole table as `replications.csv` (see the module docs).
    ///
    /// # Errors
    /// [`SimError::Csv`] / [`SimError::Io`] on a failed write.
    pub fn write_csv(&self, out: impl Write) -> SimResult<()> {
        let mut w = csv::Writer::from_writer(out);
        self.write_header(&mut w)?;
        for i in 0..self.replications.len() {
            self.write_replication(&mut w, i)?;
        }
        flush(&mut w, "replications.csv")
    }

    /// Reads a `replications.csv` (or several concatenated: repeated header lines are skipped)
    /// and sorts it by replication. `file` names the source in error messages.
    ///
    /// # Errors
    /// [`SimError::Parse`] with line and column for a malformed field; [`SimError::Rows`] for
    /// a duplicated or missing (replication, strategy) row or a header that differs.
    pub fn read_csv(input: impl Read, file: &str) -> SimResult<Replications> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut header: Option<csv::StringRecord> = None;
        // (replication, line, strategy, values) in file order.
        let mut rows: Vec<(u64, u64, String, Vec<f64>)> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|source| SimError::Csv {
                context: format!("reading {file}"),
                source,
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            let parse_err = |column: usize, expected: &str, found: &str| SimError::Parse {
                file: file.to_owned(),
                line,
                column: column as u64 + 1,
                expected: expected.to_owned(),
                found: found.to_owned(),
            };
            let Some(h) = &header else {
                if record.get(0) != Some("replication") || record.get(1) != Some("strategy") {
                    let found = record.get(0).unwrap_or("");
                    return Err(parse_err(0, "the header `replication,strategy,…`", found));
                }
                header = Some(record);
                continue;
            };
            if record == *h {
                continue;
            }
            if record.get(0) == Some("replication") {
                let found = record.iter().collect::<Vec<_>>().join(",");
                return Err(parse_err(0, "the same header as line 1", &found));
            }
            if record.len() != h.len() {
                let found = format!("{} fields", record.len());
                return Err(parse_err(
                    record.len(),
                    &format!("{} fields", h.len()),
                    &found,
                ));
            }
            let rep_text = record.get(0).unwrap_or("");
            let rep = rep_text
                .parse::<u64>()
                .map_err(|_| parse_err(0, "a replication number", rep_text))?;
            let strategy = record.get(1).unwrap_or("").to_owned();
            let mut values = Vec::with_capacity(record.len().saturating_sub(2));
            for (c, field) in record.iter().enumerate().skip(2) {
                let v = field
                    .parse::<f64>()
                    .map_err(|_| parse_err(c, "a number", field))?;
                values.push(v);
            }
            rows.push((rep, line, strategy, values));
        }
        let Some(h) = header else {
            return Err(SimError::Rows {
                origin: file.to_owned(),
                message: "expected a header line, found an empty file".into(),
            });
        };
        let metrics: Vec<String> = h.iter().skip(2).map(str::to_owned).collect();
        rows.sort_by_key(|r| r.0); // stable: strategies keep their file order
        let mut table = Replications::default();
        let mut i = 0;
        while i < rows.len() {
            let rep = rows[i].0;
            let j = i + rows[i..].iter().take_while(|r| r.0 == rep).count();
            let group: Vec<StrategyRow> = rows[i..j]
                .iter()
                .map(|(_, _, s, v)| {
                    StrategyRow::new(
                        s.clone(),
                        metrics.iter().cloned().zip(v.iter().copied()).collect(),
                    )
                })
                .collect();
            table.push(rep, &group).map_err(|e| match e {
                SimError::Rows { message, .. } => SimError::Rows {
                    origin: format!("{file}:{}: replication {rep}", rows[i].1),
                    message,
                },
                e => e,
            })?;
            i = j;
        }
        table.metrics = metrics;
        Ok(table)
    }

    /// The values of metric `m` for strategy `s`, in replication order.
    fn column(&self, s: usize, m: usize) -> impl Iterator<Item = f64> + '_ {
        let (n_s, n_m) = (self.strategies.len(), self.metrics.len());
        (0..self.replications.len())
            .filter_map(move |i| self.values.get((i * n_s + s) * n_m + m).copied())
    }

    /// Mean, standard deviation and 95 % interval per metric and strategy, then the paired
    /// differences for every pair of strategies (see the module docs).
    pub fn summary(&self) -> Summary {
        let mut rows = Vec::new();
        for (m, metric) in self.metrics.iter().enumerate() {
            for (s, strategy) in self.strategies.iter().enumerate() {
                let xs: Vec<f64> = self.column(s, m).collect();
                rows.push(SummaryRow::from_values(metric, strategy, None, &xs));
            }
            for (a, base) in self.strategies.iter().enumerate() {
                for (b, strategy) in self.strategies.iter().enumerate().skip(a + 1) {
                    let ds: Vec<f64> = self
                        .column(b, m)
                        .zip(self.column(a, m))
                        .map(|(xb, xa)| xb - xa)
                        .collect();
                    rows.push(SummaryRow::from_values(metric, strategy, Some(base), &ds));
                }
            }
        }
        Summary { rows }
    }
}

fn flush<W: Write>(w: &mut csv::Writer<W>, what: &str) -> SimResult<()> {
    w.flush().map_err(|source| SimError::Io {
        context: format!("writing {what}"),
        source,
    })
}

/// Sample statistics of `n` values (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleStats {
    /// Number of values.
    pub n: usize,
    /// Mean (NaN when `n = 0`).
    pub mean: f64,
    /// Sample standard deviation with `n − 1` (NaN when `n < 2`).
    pub std_dev: f64,
    /// Half-width of the 95 % Student-t confidence interval of the mean (NaN when `n < 2`).
    pub ci95_half_width: f64,
}

impl SampleStats {
    /// Statistics of `xs`, summed in the given order.
    ///
    /// ```
    /// use gridsim_sim::montecarlo::SampleStats;
    /// let s = SampleStats::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    /// // s = √2.5 = 1.5811; t(0.975, 4) = 2.7764 (t tables); h = 2.7764 · 1.5811 / √5 = 1.9632.
    /// assert!((s.ci95_half_width - 1.963243).abs() < 1e-6);
    /// ```
    pub fn of(xs: &[f64]) -> Self {
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return SampleStats {
                n,
                mean,
                std_dev: f64::NAN,
                ci95_half_width: f64::NAN,
            };
        }
        let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
        let std_dev = (ss / (n - 1) as f64).sqrt();
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
            .map(|d| d.inverse_cdf(0.975))
            .unwrap_or(f64::NAN);
        SampleStats {
            n,
            mean,
            std_dev,
            ci95_half_width: t * std_dev / (n as f64).sqrt(),
        }
    }
}

/// One line of `summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// The metric.
    pub metric: String,
    /// The strategy (for a difference, the one whose values are minus the baseline's).
    pub strategy: String,
    /// For a paired difference `strategy − baseline`, the baseline; `None` for a plain row.
    pub baseline: Option<String>,
    /// Number of replications.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub std_dev: f64,
    /// Half-width of the 95 % confidence interval.
    pub ci95_half_width: f64,
}

impl SummaryRow {
    fn from_values(metric: &str, strategy: &str, baseline: Option<&str>, xs: &[f64]) -> Self {
        let st = SampleStats::of(xs);
        SummaryRow {
            metric: metric.to_owned(),
            strategy: strategy.to_owned(),
            baseline: baseline.map(str::to_owned),
            n: st.n,
            mean: st.mean,
            std_dev: st.std_dev,
            ci95_half_width: st.ci95_half_width,
        }
    }
    /// Lower end of the 95 % interval.
    pub fn ci95_low(&self) -> f64 {
        self.mean - self.ci95_half_width
    }
    /// Upper end of the 95 % interval.
    pub fn ci95_high(&self) -> f64 {
        self.mean + self.ci95_half_width
    }
}

/// The summary of a set of replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Per metric: one row per strategy, then one per pair of strategies.
    pub rows: Vec<SummaryRow>,
}

impl Summary {
    /// Writes `summary.csv`: `metric,strategy,baseline,n,mean,std_dev,ci95_half_width,
    /// ci95_low,ci95_high` (`baseline` empty for plain rows).
    ///
    /// # Errors
    /// [`SimError::Csv`] / [`SimError::Io`] on a failed write.
    pub fn write_csv(&self, out: impl Write) -> SimResult<()> {
        let mut w = csv::Writer::from_writer(out);
        let err = |source| SimError::Csv {
            context: "writing summary.csv".into(),
            source,
        };
        w.write_record([
            "metric",
            "strategy",
            "baseline",
            "n",
            "mean",
            "std_dev",
            "ci95_half_width",
            "ci95_low",
            "ci95_high",
        ])
        .map_err(err)?;
        for r in &self.rows {
            w.write_record([
                r.metric.clone(),
                r.strategy.clone(),
                r.baseline.clone().unwrap_or_default(),
                r.n.to_string(),
                format_f64(r.mean),
                format_f64(r.std_dev),
                format_f64(r.ci95_half_width),
                format_f64(r.ci95_low()),
                format_f64(r.ci95_high()),
            ])
            .map_err(err)?;
        }
        flush(&mut w, "summary.csv")
    }

    /// The summary as an aligned text table for a terminal (values to 6 significant digits).
    pub fn to_table(&self) -> String {
        let strategy_label = |r: &SummaryRow| match &r.baseline {
            Some(b) => format!("{} − {}", r.strategy, b),
            None => r.strategy.clone(),
        };
        let header = ["metric", "strategy", "n", "mean", "std dev", "95% CI"];
        let body: Vec<[String; 6]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.metric.clone(),
                    strategy_label(r),
                    r.n.to_string(),
                    sig6(r.mean),
                    sig6(r.std_dev),
                    format!("[{}, {}]", sig6(r.ci95_low()), sig6(r.ci95_high())),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &body {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            out.push_str(padded.join("  ").trim_end());
            out.push('\n');
        };
        line(&header.map(str::to_owned));
        for row in &body {
            line(row);
        }
        out
    }
}

/// `v` to 6 significant digits (`NaN` as such).
fn sig6(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v != 0.0 && !(1e-3..1e9).contains(&v.abs()) {
        return format!("{v:.5e}");
    }
    let digits = if v == 0.0 {
        0
    } else {
        v.abs().log10().floor() as i32
    };
    let decimals = (5 - digits).max(0) as usize;
    format!("{v:.decimals$}")
}

/// Runs replications `settings.start..settings.end` of `replicate` in parallel and streams
/// `replications.csv` to `out` in replication order; see the module docs.
///
/// # Errors
/// [`SimError::Settings`] for invalid settings or a failed thread pool;
/// [`SimError::Replication`] for the first failing replication (in replication order);
/// [`SimError::Rows`] when a replication's strategies or metrics differ from the first's;
/// write errors.
pub fn run<F, E>(
    settings: &MonteCarloSettings,
    out: impl Write,
    replicate: F,
) -> SimResult<Replications>
where
    F: Fn(u64) -> Result<Vec<StrategyRow>, E> + Sync,
    E: Into<BoxError>,
{
    settings.validate()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .map_err(|e| SimError::Settings(format!("cannot build a thread pool: {e}")))?;
    let bar = progress_bar(settings);
    let next = AtomicU64::new(settings.start);
    let stop = AtomicBool::new(false);
    let end = settings.end;
    let (tx, rx) = mpsc::channel::<(u64, Result<Vec<StrategyRow>, BoxError>)>();
    let mut w = csv::Writer::from_writer(out);
    let mut table = Replications::default();

    let outcome = std::thread::scope(|scope| {
        let (next, stop, replicate) = (&next, &stop, &replicate);
        scope.spawn(move || {
            pool.broadcast(|_| {
                while !stop.load(Ordering::Relaxed) {
                    let r = next.fetch_add(1, Ordering::Relaxed);
                    if r >= end {
                        break;
                    }
                    let result = replicate(r).map_err(Into::into);
                    if result.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    if tx.send((r, result)).is_err() {
                        break;
                    }
                }
            });
            // `tx` drops here, which ends the receiving loop below.
        });
        let mut pending: BTreeMap<u64, Result<Vec<StrategyRow>, BoxError>> = BTreeMap::new();
        let mut expected = settings.start;
        let mut outcome: SimResult<()> = Ok(());
        for (r, result) in rx {
            if outcome.is_err() {
                continue; // drain until the workers stop
            }
            pending.insert(r, result);
            while let Some(result) = pending.remove(&expected) {
                let written = result
                    .map_err(|source| SimError::Replication {
                        replication: expected,
                        source,
                    })
                    .and_then(|rows| emit(&mut table, &mut w, expected, &rows));
                if let Err(e) = written {
                    stop.store(true, Ordering::Relaxed);
                    outcome = Err(e);
                    break;
                }
                bar.inc(1);
                expected += 1;
            }
        }
        outcome
    });
    bar.finish_and_clear();
    outcome?;
    flush(&mut w, "replications.csv")?;
    Ok(table)
}

/// Appends one replication to the table and writes its rows (the header before the first).
fn emit<W: Write>(
    table: &mut Replications,
    w: &mut csv::Writer<W>,
    replication: u64,
    rows: &[StrategyRow],
) -> SimResult<()> {
    let first = table.replications.is_empty();
    table.push(replication, rows)?;
    if first {
        table.write_header(w)?;
    }
    table.write_replication(w, table.replications.len() - 1)
}

fn progress_bar(settings: &MonteCarloSettings) -> ProgressBar {
    if !settings.progress {
        return ProgressBar::hidden();
    }
    // A stderr target draws nothing when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(
        Some(settings.end - settings.start),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} replications, {elapsed} (eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A replication whose value depends on `r` in a way a thread race would scramble.
    fn toy(r: u64) -> Result<Vec<StrategyRow>, std::io::Error> {
        let x = ((r * 2_654_435_761) % 1000) as f64 / 7.0;
        Ok(vec![
            StrategyRow::new(
                "a",
                vec![("m1".into(), x), ("m2".into(), 1.0 / (r + 1) as f64)],
            ),
            StrategyRow::new("b", vec![("m1".into(), x * 0.9), ("m2".into(), 0.5)]),
        ])
    }

    fn settings(threads: usize, start: u64, end: u64) -> MonteCarloSettings {
        MonteCarloSettings {
            threads,
            start,
            end,
            progress: false,
        }
    }

    fn run_to_string(s: &MonteCarloSettings) -> (String, Replications) {
        let mut out = Vec::new();
        let table = run(s, &mut out, toy).unwrap();
        (String::from_utf8(out).unwrap(), table)
    }

    #[test]
    fn student_t_interval_matches_hand_computation() {
        // x = 1..5: mean 3, s = √2.5 = 1.58113883, t(0.975, 4) = 2.776445 (published t
        // tables give 2.776), h = 2.776445 · 1.58113883 / √5 = 1.9632432. Tolerance 1e-6.
        let s = SampleStats::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s.mean, 3.0);
        assert!((s.std_dev - 1.581_138_83).abs() < 1e-8);
        assert!((s.ci95_half_width - 1.963_243_2).abs() < 1e-6);
        // n = 2: t(0.975, 1) = 12.7062; x = (0, 2): s = √2, h = 12.7062 · √2 / √2 = 12.7062.
        let s2 = SampleStats::of(&[0.0, 2.0]);
        assert!((s2.ci95_half_width - 12.706_2).abs() < 1e-4);
        let s1 = SampleStats::of(&[4.0]);
        assert_eq!(s1.mean, 4.0);
        assert!(s1.std_dev.is_nan() && s1.ci95_half_width.is_nan());
    }

    #[test]
    fn paired_differences_use_pairs_not_two_samples() {
        let mut t = Replications::default();
        // b = a − 1 + small noise: the pairs are tight while each column is spread.
        for (r, (a, b)) in [(10.0, 9.0), (20.0, 19.5), (30.0, 28.5)].iter().enumerate() {
            let rows = [
                StrategyRow::new("a", vec![("cost".into(), *a)]),
                StrategyRow::new("b", vec![("cost".into(), *b)]),
            ];
            t.push(r as u64, &rows).unwrap();
        }
        let sum = t.summary();
        assert_eq!(sum.rows.len(), 3);
        let d = &sum.rows[2];
        assert_eq!(
            (d.strategy.as_str(), d.baseline.as_deref()),
            ("b", Some("a"))
        );
        // d = (−1, −0.5, −1.5): mean −1, s = 0.5, h = 4.302653 · 0.5 / √3 = 1.242068 (t(0.975, 2) = 4.3027).
        assert!((d.mean + 1.0).abs() < 1e-12);
        assert!((d.std_dev - 0.5).abs() < 1e-12);
        assert!((d.ci95_half_width - 1.242_068).abs() < 1e-5);
        assert!(sum.rows[0].ci95_half_width > 20.0);
    }

    #[test]
    fn one_and_two_threads_write_identical_bytes() {
        let (one, t1) = run_to_string(&settings(1, 0, 40));
        let (two, t2) = run_to_string(&settings(2, 0, 40));
        assert_eq!(one, two);
        assert_eq!(t1, t2);
        assert_eq!(one.lines().count(), 1 + 40 * 2);
        assert!(one.starts_with("replication,strategy,m1,m2\n0,a,0,1\n0,b,0,0.5\n"));
    }

    #[test]
    fn concatenated_shards_give_the_same_summary_bytes() {
        let (whole, whole_table) = run_to_string(&settings(2, 0, 25));
        let (first, _) = run_to_string(&settings(1, 0, 10));
        let (second, _) = run_to_string(&settings(2, 10, 25));
        let summary_csv = |t: &Replications| {
            let mut out = Vec::new();
            t.summary().write_csv(&mut out).unwrap();
            out
        };
        let direct = summary_csv(&whole_table);
        // Shards concatenated in either order, header repeated.
        for cat in [first.clone() + &second, second + &first] {
            let read = Replications::read_csv(cat.as_bytes(), "cat.csv").unwrap();
            assert_eq!(summary_csv(&read), direct);
            let mut rewritten = Vec::new();
            read.write_csv(&mut rewritten).unwrap();
            assert_eq!(String::from_utf8(rewritten).unwrap(), whole);
        }
    }

    #[test]
    fn the_first_failing_replication_is_reported_and_earlier_rows_written() {
        for threads in [1, 2] {
            let mut out = Vec::new();
            let err = run(&settings(threads, 0, 50), &mut out, |r| {
                if r == 7 || r == 30 {
                    return Err(std::io::Error::other(format!("boom {r}")));
                }
                toy(r)
            })
            .unwrap_err();
            assert_eq!(err.to_string(), "replication 7 failed: boom 7");
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text.lines().count(), 1 + 7 * 2, "rows of replications 0..7");
        }
    }

    #[test]
    fn inconsistent_rows_and_bad_settings_are_errors() {
        let err = run(&settings(1, 0, 3), std::io::sink(), |r| {
            let name = if r == 2 { "other" } else { "m" };
            Ok::<_, std::io::Error>(vec![StrategyRow::new("s", vec![(name.into(), 1.0)])])
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "replication 2, strategy `s`: expected metrics [\"m\"], found [\"other\"]"
        );
        assert!(run(&settings(0, 0, 3), std::io::sink(), toy).is_err());
        assert!(run(&settings(1, 3, 3), std::io::sink(), toy).is_err());
    }

    #[test]
    fn malformed_csv_is_located() {
        let text = "replication,strategy,m\n0,a,1.5\n1,a,x\n";
        let err = Replications::read_csv(text.as_bytes(), "reps.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "reps.csv:3:3: expected a number, found `x`"
        );
        let dup = "replication,strategy,m\n0,a,1\n0,a,2\n";
        let err = Replications::read_csv(dup.as_bytes(), "d.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "d.csv:2: replication 0: strategy `a` appears twice"
        );
        let bad_header = "rep,strategy,m\n";
        let err = Replications::read_csv(bad_header.as_bytes(), "h.csv").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("h.csv:1:1: expected the header"),
            "{err}"
        );
        let other = "replication,strategy,m\n0,a,1\nreplication,strategy,n\n1,a,2\n";
        let err = Replications::read_csv(other.as_bytes(), "o.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "o.csv:3:1: expected the same header as line 1, found `replication,strategy,n`"
        );
        let short = "replication,strategy,m\n0,a\n";
        let err = Replications::read_csv(short.as_bytes(), "s.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.csv:2:3: expected 3 fields, found `2 fields`"
        );
        assert!(Replications::read_csv("".as_bytes(), "e.csv").is_err());
    }

    #[test]
    fn summary_table_lists_every_row() {
        let (_, t) = run_to_string(&settings(1, 0, 5));
        let table = t.summary().to_table();
        assert_eq!(table.lines().count(), 1 + 2 * 3);
        assert!(table.contains("b − a"), "{table}");
        assert_eq!(sig6(1234.5678), "1234.57");
        assert_eq!(sig6(0.5), "0.500000");
        assert_eq!(sig6(2.0e-7), "2.00000e-7");
    }
}
