//! The `aistack` command line: run, check and batch national AI-stack
//! scenarios. Only this crate prints and picks exit codes.

// The argument structs' doc comments are the `--help` text, where
// `<scenario name>` is a placeholder, not HTML.
#![allow(rustdoc::invalid_html_tags)]

/// `print!` for this crate: writes to standard output through [`write_stdout`],
/// so that a reader going away (`aistack schema | head -1`) ends the command
/// cleanly instead of panicking. Defined before the modules, it shadows the
/// standard macro in all of them.
macro_rules! print {
    ($($arg:tt)*) => { $crate::write_stdout(format_args!($($arg)*)) };
}

/// `println!` for this crate (see [`print!`]).
macro_rules! println {
    () => { $crate::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

mod batch_cmd;
mod discover_cmd;
mod explain_cmd;
mod run_cmd;
mod schema_cmd;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Default of `--memory-budget-mib`: the library's budget, in MiB.
pub(crate) const DEFAULT_BUDGET_MIB: u64 = montecarlo::DEFAULT_MEMORY_BUDGET_BYTES >> 20;

/// aistack: a discrete-event simulator of a national AI stack (energy grid,
/// chip supply chain, model training).
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario (the embedded default if none is given) and write
    /// timeseries.csv and summary.json (with --trace also events.jsonl, with
    /// --dispatch-window also dispatch.csv). With --from-batch DIR --run I: run I
    /// of a batch again, on its own, with the seed and parameter values the
    /// batch gave it, to trace, explain and plot it.
    Run {
        /// Scenario file (RON). Default: the embedded china-2025 scenario;
        /// with --from-batch, the scenario the batch ran (recorded in
        /// DIR/manifest.json). Its hash must equal the batch's.
        scenario: Option<PathBuf>,
        /// Output directory, replaced whole by the run's files (refused if it
        /// holds files a run did not write). Default: aistack-out/<scenario
        /// name>/; with --from-batch, aistack-out/<scenario name>-run-<I>/.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed of the run's random streams. Default: the scenario's `seed`.
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, conflicts_with = "from_batch")]
        seed: Option<u64>,
        /// Replay a run of the batch (or `aistack eval`) in this directory:
        /// its seed and parameter values come from DIR/manifest.json through
        /// the batch's own sampler, checked against DIR/runs.csv.
        #[arg(long, value_name = "DIR", requires = "run")]
        from_batch: Option<PathBuf>,
        /// The run to replay: its index in the batch (runs.csv's `run` column, from 0).
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, value_name = "I", requires = "from_batch")]
        run: Option<u64>,
        /// Also write the event trace, events.jsonl: every event and signal
        /// of the run, one JSON object a line, opening with the items dated
        /// at or before the start that the domains applied as they started,
        /// marked "at_start" (docs/model.md, "The event trace").
        #[arg(long)]
        trace: bool,
        /// Also draw the run's charts (SVG) in the output directory.
        #[arg(long)]
        plot: bool,
        /// Also write dispatch.csv: every grid dispatch step starting from
        /// FROM 00:00 up to, not including, TO 00:00 (dates YYYY-MM-DD
        /// within the run, e.g. 2027-07-01..2027-07-08 for a week), each
        /// region's demand, served and unserved power by load class, price,
        /// generation by technology, spill, storage and exchanges, and each
        /// link's flow per direction, in the long format of timeseries.csv
        /// (docs/model/energy-grid.md, "The per-step trace").
        #[arg(long, value_name = "FROM..TO", value_parser = stack::dispatch_csv::DateWindow::parse)]
        dispatch_window: Option<stack::dispatch_csv::DateWindow>,
        /// Run every uncertain parameter at its median (the inverse CDF at
        /// 0.5) instead of drawing it from the seed: the scenario's central
        /// case rather than one draw. The seed still drives every other
        /// random stream (outages, weather, failures).
        #[arg(long, conflicts_with = "from_batch")]
        medians: bool,
    },
    /// Check a scenario file; print file:line:column and the field on error.
    Validate {
        /// Scenario file (RON).
        scenario: PathBuf,
        /// Also print this build's maths fingerprint (the same on every
        /// machine), as a batch's manifest.json records it
        /// (`math_fingerprint`): a batch resumes and merges only where it is
        /// the same.
        #[arg(long)]
        print_math_fingerprint: bool,
    },
    /// Print the JSON Schema of scenario files (for editor completion);
    /// docs/scenarios.md is the same format as a readable reference.
    Schema {
        /// The schema of a variant file (`Variant(base: ...)`) instead.
        #[arg(long)]
        variant: bool,
    },
    /// Which constraint (power, chips and which input, budget, or none)
    /// bound the largest training run of each year of a run.
    Explain {
        /// Output directory of `aistack run`.
        dir: PathBuf,
    },
    /// Draw SVG charts of a run's or a batch's output directory.
    Plot {
        /// Output directory of `aistack run` or `aistack batch`.
        dir: PathBuf,
        /// Write the charts (and a batch's sensitivity.csv) here, created if
        /// need be, and nothing in DIR, which may then be read-only.
        /// Default: a run's charts in DIR, a batch's in DIR/plots/ with
        /// DIR/sensitivity.csv.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Monte Carlo batch: every uncertain parameter sampled per run, runs in
    /// parallel, each written durably; runs.csv, bands.csv, summary.json.
    Batch(batch_cmd::BatchArgs),
    /// Combine shard directories into what one unsharded batch would write
    /// (or, for the shards of `aistack eval --shard`, one unsharded eval).
    Merge {
        /// Shard directories: every shard K/M of one batch, or of one eval
        /// (same scenario, seed and design file).
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Also write every run's series (the default when every shard was
        /// made with `--keep-timeseries`).
        #[arg(long, conflicts_with = "no_keep_timeseries")]
        keep_timeseries: bool,
        /// Do not write every run's series, even if the shards kept them.
        #[arg(long)]
        no_keep_timeseries: bool,
        /// Also write the Parquet tables (build with `--features parquet`).
        #[arg(long)]
        parquet: bool,
        /// MiB of series values the bands may hold for exact quantiles (see `batch`).
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, default_value_t = DEFAULT_BUDGET_MIB)]
        memory_budget_mib: u64,
        /// Worker threads reading the run files back; 0 or absent: every
        /// core. The outputs do not depend on it.
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<usize>)]
        threads: Option<usize>,
    },
    /// Compare two scenarios with common random numbers.
    Compare {
        /// Scenario A.
        a: PathBuf,
        /// Scenario B.
        b: PathBuf,
        /// Runs of each.
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>)]
        runs: u64,
        /// Master seed.
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, default_value_t = 0)]
        seed: u64,
        /// Worker threads; 0 or absent: every core (results do not depend on it).
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<usize>)]
        threads: Option<usize>,
        /// Output directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// MiB of series values each side's bands may hold for exact
        /// quantiles (see `batch`). The two sides run one after the other,
        /// but the memory allocator may keep the first side's freed memory
        /// for its threads, so the peak can reach twice a batch's: halve it
        /// to keep a compare within a batch's peak.
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, default_value_t = DEFAULT_BUDGET_MIB)]
        memory_budget_mib: u64,
    },
    /// Which parameters drive one outcome: first-order and total Sobol indices
    /// (Saltelli sampling, `--method sobol`, the default), or Morris
    /// elementary-effects screening (`--method morris`), cheap enough for
    /// dozens of parameters, to pick the few worth a Sobol decomposition.
    Sensitivity {
        /// Scenario file (RON).
        scenario: PathBuf,
        /// Outcome (a column of runs.csv), e.g. training.largest_run_flop.
        #[arg(long)]
        outcome: String,
        /// `sobol` (variance decomposition) or `morris` (screening).
        #[arg(long, default_value = "sobol")]
        method: String,
        /// Sobol: base sample size N (the model runs N × (parameters + 2) times).
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, required_if_eq("method", "sobol"))]
        runs: Option<u64>,
        /// Sobol: how the base samples A and B are drawn: `sobol` (scrambled
        /// Sobol' points, converging faster; best with N a power of two; at
        /// most 64 parameters) or `random` (pseudo-random draws, as `sensitivity`
        /// used before Sobol' points became the default).
        /// Default: sobol.
        #[arg(long)]
        sampler: Option<String>,
        /// Morris: trajectories r (the model runs r × (parameters + 1) times; 10–50 is usual).
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, required_if_eq("method", "morris"))]
        trajectories: Option<u64>,
        /// Morris: grid levels p (even). Default: 4.
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u32>)]
        levels: Option<u32>,
        /// Master seed.
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, default_value_t = 0)]
        seed: u64,
        /// Worker threads; 0 or absent: every core (results do not depend on it).
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<usize>)]
        threads: Option<usize>,
        /// Output directory. Default: one per outcome,
        /// aistack-out/<scenario name>-sensitivity-<outcome>/ (Morris:
        /// -morris-<outcome>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Scenario discovery: the box of sampled parameters (a few, each within
    /// limits) that holds most of a batch's runs whose outcome passes a
    /// threshold (or a compare's, whose effect B − A does) and few others,
    /// found by PRIM's peeling; writes the peeling trajectory, the chosen
    /// box and a coverage–density chart
    Discover(discover_cmd::DiscoverArgs),
    /// One run per row of a design CSV whose columns are parameter paths.
    Eval {
        /// Scenario file (RON).
        scenario: PathBuf,
        /// Design CSV: a header of parameter paths, one run per row. An
        /// optional `seed` column (integer s) runs a row with run s's seed,
        /// so rows with one seed share the model's noise (e.g. a SALib
        /// Saltelli design's base sample); without it, row r uses run r's.
        #[arg(long)]
        design: PathBuf,
        /// How to set the uncertain parameters the design has no column for:
        /// `median` (each at its distribution's median, in every row) or
        /// `drawn` (row r gets what run r of `aistack batch --seed S` draws).
        /// Without it, the design must give every parameter a column.
        #[arg(long, value_name = "median|drawn")]
        others: Option<String>,
        /// Master seed.
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, default_value_t = 0)]
        seed: u64,
        /// Worker threads; 0 or absent: every core (results do not depend on it).
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<usize>)]
        threads: Option<usize>,
        /// Evaluate only shard K of M (`K/M`, K from 0): the rows r with
        /// r % M == K, r counted from 0 (the run index), as `batch --shard`;
        /// `aistack merge` of the M shard directories writes what one eval
        /// of the whole design writes.
        #[arg(long, value_name = "K/M")]
        shard: Option<String>,
        /// Output directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Finish an eval that was interrupted in --out: the same command
        /// (its --shard too), with this flag; rows whose run files are there
        /// (and check out against the design) are not run again.
        #[arg(long)]
        resume: bool,
        /// MiB of series values the bands may hold for exact quantiles (see `batch`).
        #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, default_value_t = DEFAULT_BUDGET_MIB)]
        memory_budget_mib: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            from_batch,
            run,
            trace,
            plot,
            dispatch_window,
            medians,
        } => {
            let extras = run_cmd::Extras {
                trace,
                plot,
                dispatch_window,
            };
            match (from_batch, run) {
                (Some(dir), Some(run)) => run_cmd::replay(scenario.as_deref(), &dir, run, out, extras),
                _ => run_cmd::run(scenario.as_deref(), out, seed, medians, extras),
            }
        }
        Command::Validate {
            scenario,
            print_math_fingerprint,
        } => run_cmd::validate(&scenario, print_math_fingerprint),
        Command::Schema { variant } => schema_cmd::schema(variant),
        Command::Explain { dir } => explain_cmd::explain(&dir),
        Command::Plot { dir, out } => run_cmd::plot(&dir, out.as_deref()),
        Command::Batch(args) => batch_cmd::batch(args),
        Command::Discover(args) => discover_cmd::discover_cmd(args),
        Command::Merge {
            shards,
            out,
            keep_timeseries,
            no_keep_timeseries,
            parquet,
            memory_budget_mib,
            threads,
        } => {
            let keep_timeseries = match (keep_timeseries, no_keep_timeseries) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            batch_cmd::merge(shards, out, keep_timeseries, parquet, memory_budget_mib, threads)
        }
        Command::Compare {
            a,
            b,
            runs,
            seed,
            threads,
            out,
            memory_budget_mib,
        } => batch_cmd::compare(&a, &b, runs, seed, threads, out, memory_budget_mib),
        Command::Sensitivity {
            scenario,
            outcome,
            method,
            runs,
            sampler,
            trajectories,
            levels,
            seed,
            threads,
            out,
        } => match method.as_str() {
            // An option of the other method would be ignored: refuse it, so
            // nobody reads a Morris table believing it used their --sampler.
            "sobol" if trajectories.is_some() || levels.is_some() => Err(anyhow::anyhow!(
                "--trajectories and --levels belong to --method morris; Sobol indices (the \
                 default method) take --runs N and --sampler"
            )),
            "morris" if runs.is_some() || sampler.is_some() => Err(anyhow::anyhow!(
                "--runs and --sampler belong to --method sobol; Morris screening takes \
                 --trajectories R and --levels"
            )),
            "sobol" => runs
                .ok_or_else(|| anyhow::anyhow!("--runs N is required with --method sobol (the default)"))
                .and_then(|runs| {
                    let sampler = sampler.as_deref().unwrap_or("sobol");
                    batch_cmd::sensitivity(&scenario, outcome, runs, sampler, seed, threads, out)
                }),
            "morris" => trajectories
                .ok_or_else(|| anyhow::anyhow!("--trajectories R is required with --method morris"))
                .and_then(|r| {
                    let levels = levels.unwrap_or(4);
                    batch_cmd::morris(&scenario, outcome, r, levels, seed, threads, out)
                }),
            other => Err(anyhow::anyhow!(
                "--method: expected `sobol` or `morris`, got `{other}`"
            )),
        },
        Command::Eval {
            scenario,
            design,
            others,
            seed,
            threads,
            shard,
            out,
            resume,
            memory_budget_mib,
        } => batch_cmd::eval(
            &scenario,
            design,
            others.as_deref(),
            seed,
            threads,
            shard.as_deref(),
            out,
            resume,
            memory_budget_mib,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// A number as the console prints it (discover's limits, batch's
/// headline): four significant digits (the CSV files keep every digit),
/// from 1e5 up in powers of ten (`1.318e10`, not `13180000000.0`).
pub(crate) fn short(v: f64) -> String {
    let sci = format!("{v:.3e}");
    let rounded: f64 = sci.parse().unwrap_or(v);
    if rounded.is_finite() && rounded.abs() >= 1e5 {
        // `1.180e27` → `1.18e27`, `1.000e26` → `1e26`.
        let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    montecarlo::outputs::num(rounded)
}

/// Parses the value of an option that takes a whole number (`--seed`,
/// `--runs`, `--threads`, …). Such options accept a leading `-` as part of
/// their value (`allow_negative_numbers`), so `--seed -1` is refused here as
/// a negative number, not by clap as an unknown flag `-1`.
pub(crate) fn whole<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    if s.trim_start().starts_with('-') {
        return Err(format!("{s} is negative: a whole number from 0 is needed"));
    }
    s.parse::<T>()
        .map_err(|e| format!("{e} (a whole number from 0 is needed)"))
}

/// Writes to standard output. The commands print only once their outputs
/// are complete, so when the reader has gone away (a closed pipe) there is
/// nothing left to do: the process ends at once with status 0. Any other
/// write error ends it with status 1 and a message.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// An error and its causes, each cause once: errors whose message already
/// ends with their cause's text (`path: {source}`) would otherwise print the
/// cause twice in the chain.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if !text.ends_with(&part) && !text.contains(&format!("{part}: ")) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}
