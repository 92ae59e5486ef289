//! `gridsim run` and `gridsim check`: Monte Carlo studies from scenario files.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::study::runner::{write_summary, RunFiles, Study};
use crate::study::scenario;
use crate::{InputError, Outcome};

/// Arguments of `gridsim run`.
#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// Scenario file (RON).
    scenario: PathBuf,
    /// Replications (default: the scenario's).
    #[arg(long)]
    replications: Option<u64>,
    /// First replication of this shard (default 0): shards `a..b` and `b..c` of one study give,
    /// concatenated, the rows of `a..c`.
    #[arg(long, default_value_t = 0)]
    first_replication: u64,
    /// Worker threads (default 1). Results do not depend on it.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Master seed (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output folder for replications.csv and summary.csv (default: out/<scenario name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write every run's per-step time series (time, load, generation, losses, unserved,
    /// lowest voltage, highest loading, cost) to OUT/series/<strategy>/rep<NNNNNN>.csv.
    #[arg(long)]
    series: bool,
    /// Also write every run's power-flow inputs per step (every bus's P and Q demand, every
    /// generator's P) to OUT/snapshots/<strategy>/rep<NNNNNN>.csv, for `gridsim pf --snapshots`
    /// or another tool.
    #[arg(long)]
    snapshots: bool,
}

/// Runs the study: exit 0 when every replication ran.
pub(crate) fn run(a: &RunArgs) -> Outcome {
    let mut loaded = scenario::load(&a.scenario)?;
    if let Some(seed) = a.seed {
        loaded.scenario.seed = seed;
    }
    let n = a.replications.unwrap_or(loaded.scenario.replications);
    let (start, end) = (a.first_replication, a.first_replication + n);
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&loaded.scenario.name));
    std::fs::create_dir_all(&dir).map_err(|e| InputError(format!("{}: {e}", dir.display())))?;
    let study = Study::new(loaded).map_err(InputError)?;
    let path = dir.join("replications.csv");
    let file =
        std::fs::File::create(&path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    let t0 = std::time::Instant::now();
    let table = match study.run(
        start,
        end,
        a.threads,
        &RunFiles {
            dir: dir.clone(),
            series: a.series || study.scenario().scenario.time_series,
            snapshots: a.snapshots,
        },
        std::io::BufWriter::new(file),
    ) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("study failed: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let text = write_summary(&table, &dir).map_err(InputError)?;
    let sc = study.scenario();
    println!(
        "{}: {} replication(s) × {} strateg{} × {} steps of {} min ({:.1} s)",
        sc.scenario.name,
        n,
        sc.strategies.len(),
        if sc.strategies.len() == 1 { "y" } else { "ies" },
        sc.n_steps(),
        sc.scenario.resolution_min,
        t0.elapsed().as_secs_f64()
    );
    println!("{text}");
    println!(
        "wrote {} and {}",
        path.display(),
        dir.join("summary.csv").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `gridsim check`.
#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// Scenario file (RON).
    scenario: PathBuf,
}

/// Checks a scenario without running it: exit 0 when valid, 1 with every problem listed.
pub(crate) fn check(a: &CheckArgs) -> Outcome {
    match scenario::load(&a.scenario) {
        Ok(s) => {
            println!(
                "{}: ok ({} agent(s), {} strateg{}, {} steps, {} replication(s))",
                a.scenario.display(),
                s.scenario.agents.len(),
                s.strategies.len(),
                if s.strategies.len() == 1 { "y" } else { "ies" },
                s.n_steps(),
                s.scenario.replications
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Arguments of `gridsim merge`.
#[derive(clap::Args)]
pub(crate) struct MergeArgs {
    /// Shard outputs: folders holding a replications.csv, or replications.csv files.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Output folder for the merged replications.csv and summary.csv.
    #[arg(long)]
    out: PathBuf,
}

/// Merges the shards of one study (e.g. `gridsim run --first-replication 0 --replications 50`
/// on one machine and `--first-replication 50 --replications 50` on another) into the
/// `replications.csv` and `summary.csv` that one run of all replications writes, byte for byte.
pub(crate) fn merge(a: &MergeArgs) -> Outcome {
    use gridsim_sim::montecarlo::Replications;
    let mut all = Vec::new();
    for shard in &a.shards {
        let file = if shard.is_dir() {
            shard.join("replications.csv")
        } else {
            shard.clone()
        };
        let text =
            std::fs::read(&file).map_err(|e| InputError(format!("{}: {e}", file.display())))?;
        // Each shard on its own first, so that an error names its file.
        Replications::read_csv(text.as_slice(), &file.display().to_string())
            .map_err(|e| InputError(e.to_string()))?;
        all.extend_from_slice(&text);
        if !all.ends_with(b"\n") {
            all.push(b'\n');
        }
    }
    let table = Replications::read_csv(all.as_slice(), "the merged shards")
        .map_err(|e| InputError(e.to_string()))?;
    std::fs::create_dir_all(&a.out).map_err(|e| InputError(format!("{}: {e}", a.out.display())))?;
    let path = a.out.join("replications.csv");
    let file =
        std::fs::File::create(&path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    table
        .write_csv(std::io::BufWriter::new(file))
        .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    let text = write_summary(&table, &a.out).map_err(InputError)?;
    println!("{text}");
    println!(
        "merged {} shard(s), {} replication(s): wrote {} and {}",
        a.shards.len(),
        table.replications().len(),
        path.display(),
        a.out.join("summary.csv").display()
    );
    Ok(ExitCode::SUCCESS)
}
