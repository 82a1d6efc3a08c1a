//! `aistack batch | merge | compare | sensitivity | eval`: Monte Carlo over a
//! scenario, on the `montecarlo` library.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use montecarlo::{
    BatchOptions, Build, CompareOptions, Design, EvalOptions, MergeOptions, OutputOptions, Progress,
    ScenarioModel, Shard,
};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// aistack's categorical outcomes (binding input, what bound a year's
/// largest run): summarised, compared and plotted by shares of runs.
const CATEGORIES: Option<montecarlo::Categories> =
    Some(montecarlo::Categories(stack::report::outcome_categories));

/// A progress bar on standard error: runs done, runs per second, time left.
/// indicatif draws nothing when standard error is not a terminal.
pub struct Bar(Mutex<Option<ProgressBar>>);

impl Bar {
    /// A bar not yet started.
    pub fn new() -> Bar {
        Bar(Mutex::new(None))
    }
}

impl Progress for Bar {
    fn start(&self, total: u64, already_done: u64) {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_position(already_done);
        if let Ok(mut b) = self.0.lock() {
            *b = Some(bar);
        }
    }
    fn run_finished(&self) {
        if let Ok(b) = self.0.lock()
            && let Some(bar) = b.as_ref()
        {
            bar.inc(1);
        }
    }
    fn finish(&self) {
        if let Ok(b) = self.0.lock()
            && let Some(bar) = b.as_ref()
        {
            bar.finish_and_clear();
        }
    }
}

fn model(scenario: &Path) -> Result<ScenarioModel> {
    Ok(ScenarioModel::new(stack::Scenario::load(scenario)?))
}

/// Refuses a variance-based or elementary-effects analysis of a category:
/// its code's variance depends on how the categories happen to be numbered.
fn quantity_outcome(outcome: &str) -> Result<()> {
    match CATEGORIES.and_then(|c| c.of(outcome)) {
        Some(codes) => anyhow::bail!(
            "--outcome `{outcome}` is a category ({}), not a quantity: its code has no variance \
             to decompose. `aistack plot` of a batch shows its shares of runs; choose a quantity",
            codes.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
        ),
        None => Ok(()),
    }
}

fn command_line() -> Vec<String> {
    std::env::args().collect()
}

/// This binary's build as `build.rs` recorded it: the git commit and whether
/// the sources had uncommitted changes (an empty value: unknown).
pub fn this_build() -> Build {
    let revision = env!("AISTACK_GIT_REVISION");
    Build {
        git_revision: (!revision.is_empty()).then(|| revision.to_string()),
        git_dirty: match env!("AISTACK_GIT_DIRTY") {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
    }
}

/// Prints what resume or merge could not check (builds it could not tell apart).
fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Arguments of `aistack batch` (also its `--help`).
#[derive(clap::Args)]
pub struct BatchArgs {
    /// Scenario file (RON).
    pub scenario: PathBuf,
    /// Number of runs.
    #[arg(long)]
    pub runs: u64,
    /// Master seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads. Default: every core.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Sampling design: `mc` (plain Monte Carlo) or `lhs` (Latin hypercube).
    #[arg(long, default_value = "mc")]
    pub design: String,
    /// Run only shard K of M (`K/M`, K from 0).
    #[arg(long)]
    pub shard: Option<String>,
    /// Output directory. Default: aistack-out/<scenario name>-batch/.
    #[arg(long, conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Finish the interrupted batch in DIR (same arguments).
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Also write every run's series.
    #[arg(long)]
    pub keep_timeseries: bool,
    /// Stop at the first 100-run block where every watched outcome's 95 %
    /// half-width is within this share of its mean (plain MC). Watched: every
    /// scalar outcome, or those named by --stop-outcome.
    #[arg(long)]
    pub until_rel_halfwidth: Option<f64>,
    /// An outcome (a runs.csv column) the stopping rule watches; repeat for
    /// several. Default: every scalar outcome.
    #[arg(long = "stop-outcome", value_name = "NAME", requires = "until_rel_halfwidth")]
    pub stop_outcomes: Vec<String>,
    /// Also write runs.parquet, bands.parquet (and timeseries.parquet); needs a
    /// build with `--features parquet`.
    #[arg(long)]
    pub parquet: bool,
    /// MiB of series values the bands may hold for exact quantiles; past it
    /// they come from a quantile sketch with a stated error bound.
    #[arg(long, default_value_t = crate::DEFAULT_BUDGET_MIB)]
    pub memory_budget_mib: u64,
}

/// `aistack batch`.
pub fn batch(a: BatchArgs) -> Result<()> {
    let m = model(&a.scenario)?;
    let out = a
        .resume
        .clone()
        .or(a.out.clone())
        .unwrap_or_else(|| default_out(&format!("{}-batch", m.scenario().name())));
    let mut o = BatchOptions::new(&out, a.runs, a.seed);
    o.output.categories = CATEGORIES;
    o.threads = a.threads;
    o.design = a
        .design
        .parse::<Design>()
        .map_err(|e| anyhow::anyhow!("--design: {e}"))?;
    o.shard = a
        .shard
        .as_deref()
        .map(str::parse::<Shard>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--shard: {e}"))?;
    o.resume = a.resume.is_some();
    o.output.keep_timeseries = a.keep_timeseries;
    o.output.parquet = a.parquet;
    o.output.memory_budget_bytes = budget_bytes(a.memory_budget_mib)?;
    o.until_rel_halfwidth = a.until_rel_halfwidth;
    // Sorted, once each: the manifest compares the list on resume.
    o.stop_outcomes = a.stop_outcomes;
    o.stop_outcomes.sort();
    o.stop_outcomes.dedup();
    o.command_line = command_line();
    o.tool_version = env!("CARGO_PKG_VERSION").to_string();
    o.build = this_build();
    let r = montecarlo::run_batch(&m, &o, &Bar::new())?;
    print_warnings(&r.warnings);
    println!(
        "{}: {} runs in the outputs ({} run now, {} reused){}; bands {}.",
        r.dir.display(),
        r.runs_in_outputs,
        r.runs_executed,
        r.runs_reused,
        r.stopped_at
            .map(|k| format!(", stopped at {k} by the half-width rule"))
            .unwrap_or_default(),
        if r.bands_exact {
            "exact"
        } else {
            "from the quantile sketch (see quantile_abs_error_max)"
        }
    );
    print_partial_outcomes(&r.table);
    Ok(())
}

/// Outcomes that only some runs report (`training.best_capability` exists
/// only in runs with a release): says so, since their statistics are over
/// those runs only (`n` in summary.json), i.e. conditional.
fn print_partial_outcomes(t: &montecarlo::RunsTable) {
    for name in &t.outcome_names {
        let values = t.outcome(name).unwrap_or_default();
        let n = values.iter().flatten().count();
        if n < values.len() {
            println!(
                "note: {name} is reported by {n} of {} runs; its statistics are over those {n} only{}",
                values.len(),
                conditional_hint(name)
            );
        }
    }
}

/// Why an outcome of the simulator may be missing in a run, and what every
/// run reports instead, as ` (…)` ([`stack::run::conditional_outcome`];
/// empty for other outcomes).
fn conditional_hint(outcome: &str) -> String {
    stack::run::conditional_outcome(outcome)
        .map(|why| format!(" ({why})"))
        .unwrap_or_default()
}

/// A 95 % interval end, or `n/a` where there is none (fewer than 2 runs).
fn ci_cell(v: f64) -> String {
    if v.is_nan() {
        "n/a".to_string()
    } else {
        format!("{v:.4e}")
    }
}

/// `--memory-budget-mib` in bytes, refused where it would overflow.
fn budget_bytes(mib: u64) -> Result<u64> {
    mib.checked_mul(1 << 20)
        .ok_or_else(|| anyhow::anyhow!("--memory-budget-mib: {mib} MiB is more bytes than fit in 64 bits"))
}

/// `aistack merge SHARD_DIR... --out DIR`.
pub fn merge(
    shards: Vec<PathBuf>,
    out: PathBuf,
    keep_timeseries: bool,
    parquet: bool,
    memory_budget_mib: u64,
) -> Result<()> {
    let r = montecarlo::merge(&MergeOptions {
        shard_dirs: shards,
        out,
        output: OutputOptions {
            keep_timeseries,
            parquet,
            memory_budget_bytes: budget_bytes(memory_budget_mib)?,
            categories: CATEGORIES,
            ..OutputOptions::default()
        },
        command_line: command_line(),
        build: this_build(),
    })?;
    print_warnings(&r.warnings);
    println!("{}: merged {} runs", r.dir.display(), r.runs_in_outputs);
    Ok(())
}

/// `aistack compare A B --runs N`.
pub fn compare(
    a: &Path,
    b: &Path,
    runs: u64,
    seed: u64,
    threads: Option<usize>,
    out: Option<PathBuf>,
) -> Result<()> {
    let ma = model(a)?;
    let mb = model(b)?;
    let out =
        out.unwrap_or_else(|| default_out(&format!("{}-vs-{}", ma.scenario().name(), mb.scenario().name())));
    let mut batch = BatchOptions::new(&out, runs, seed);
    batch.output.categories = CATEGORIES;
    batch.threads = threads;
    batch.command_line = command_line();
    batch.build = this_build();
    let r = montecarlo::compare(
        &ma,
        &mb,
        &CompareOptions {
            out: out.clone(),
            batch,
        },
        &Bar::new(),
    )?;
    println!(
        "B = {} minus A = {}, {} runs with common random numbers (same run seeds and streams):",
        mb.scenario().name(),
        ma.scenario().name(),
        runs
    );
    println!(
        "{:<44} {:>12} {:>12} {:>26}  CRN narrowed",
        "outcome", "mean A", "mean B - A", "95% CI"
    );
    for d in &r.differences {
        let narrowed = if d.narrowing.is_nan() {
            "n/a".to_string()
        } else {
            format!("{:.0}%", 100.0 * d.narrowing)
        };
        println!(
            "{:<44} {:>12.4e} {:>12.4e} [{:>11}, {:>11}]  {:>6}{}",
            d.outcome,
            d.mean_a,
            d.mean_diff,
            ci_cell(d.ci95_low),
            ci_cell(d.ci95_high),
            narrowed,
            if d.n < runs {
                format!("  (over the {} runs where both report it)", d.n)
            } else {
                String::new()
            }
        );
    }
    println!("Batches in {}/a and {}/b.", out.display(), out.display());
    Ok(())
}

/// `aistack sensitivity SCENARIO --outcome NAME --runs N [--sampler sobol|random]`: Sobol indices.
pub fn sensitivity(
    scenario: &Path,
    outcome: String,
    runs: u64,
    sampler: &str,
    seed: u64,
    threads: Option<usize>,
    out: Option<PathBuf>,
) -> Result<()> {
    quantity_outcome(&outcome)?;
    let sampler = sampler
        .parse::<montecarlo::SaltelliSampler>()
        .map_err(|e| anyhow::anyhow!("--sampler: {e}"))?;
    let m = model(scenario)?;
    let out = out.unwrap_or_else(|| default_out(&format!("{}-sensitivity", m.scenario().name())));
    let o = montecarlo::SobolOptions {
        outcome,
        base_samples: runs,
        sampler,
        master_seed: seed,
        threads,
        bootstrap: 200,
        out: Some(out.clone()),
    };
    let r =
        montecarlo::sobol_sensitivity(&m, &o, &Bar::new()).map_err(|e| with_hint(e.into(), &o.outcome))?;
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    println!(
        "{} model runs (Saltelli design, {}); outcome variance {:.4e}",
        r.runs_evaluated,
        match sampler {
            montecarlo::SaltelliSampler::Sobol => "scrambled Sobol' points",
            montecarlo::SaltelliSampler::Random => "pseudo-random points",
        },
        r.variance
    );
    println!(
        "{:<50} {:>25} {:>25}",
        "parameter", "first order S1 [95% CI]", "total ST [95% CI]"
    );
    for row in &r.rows {
        let cell = |v: f64, lo: f64, hi: f64| format!("{v:>7.3} [{lo:>7.3}, {hi:>7.3}]");
        println!(
            "{:<50} {:>25} {:>25}",
            row.parameter,
            cell(row.s1, row.s1_low, row.s1_high),
            cell(row.st, row.st_low, row.st_high)
        );
    }
    println!("Tables in {}.", out.display());
    Ok(())
}

/// Adds what every run reports instead to a refusal of an outcome that only
/// some runs report (found after the runs, or in the first run, before the
/// others).
fn with_hint(e: anyhow::Error, outcome: &str) -> anyhow::Error {
    let hint = conditional_hint(outcome);
    let text = e.to_string();
    if hint.is_empty()
        || !(text.contains("missing in some runs") || text.contains("missing in the first run"))
    {
        e
    } else {
        anyhow::anyhow!("{e}; `{outcome}`{hint}")
    }
}

/// Where a command writes when `--out` is not given: `aistack-out/<dir_name>`.
fn default_out(dir_name: &str) -> PathBuf {
    PathBuf::from("aistack-out").join(dir_name)
}

/// `aistack sensitivity SCENARIO --method morris --outcome NAME --trajectories R`:
/// Morris screening; prints parameters by μ* and writes `morris.csv`.
pub fn morris(
    scenario: &Path,
    outcome: String,
    trajectories: u64,
    levels: u32,
    seed: u64,
    threads: Option<usize>,
    out: Option<PathBuf>,
) -> Result<()> {
    quantity_outcome(&outcome)?;
    let m = model(scenario)?;
    let out = out.unwrap_or_else(|| default_out(&format!("{}-morris", m.scenario().name())));
    let o = montecarlo::MorrisOptions {
        outcome: outcome.clone(),
        trajectories,
        levels,
        master_seed: seed,
        threads,
        out: Some(out.clone()),
    };
    let rows = montecarlo::morris(&m, &o, &Bar::new()).map_err(|e| with_hint(e.into(), &outcome))?;
    if let Some(note) = montecarlo::ignored_correlations_note(
        &montecarlo::Model::correlations(&m),
        "Morris moves one parameter at a time on a grid of independent levels",
    ) {
        eprintln!("note: {note}");
    }
    let d = rows.len() as u64;
    println!(
        "{} model runs ({trajectories} trajectories × {} points, {levels}-level grid); outcome {outcome}",
        trajectories * (d + 1),
        d + 1
    );
    println!(
        "elementary effects in outcome units per unit of probability; μ* ranks importance, σ flags non-linearity or interactions"
    );
    println!(
        "{:<50} {:>12} {:>12} {:>12}",
        "parameter", "mu_star", "mu", "sigma"
    );
    let mut sorted: Vec<&montecarlo::MorrisRow> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        b.mu_star
            .total_cmp(&a.mu_star)
            .then(a.parameter.cmp(&b.parameter))
    });
    for r in sorted {
        println!(
            "{:<50} {:>12.4e} {:>12.4e} {:>12.4e}",
            r.parameter, r.mu_star, r.mu, r.sigma
        );
    }
    println!("Table in {}.", out.join("morris.csv").display());
    Ok(())
}

/// `aistack eval SCENARIO --design design.csv`.
pub fn eval(
    scenario: &Path,
    design: PathBuf,
    seed: u64,
    threads: Option<usize>,
    out: Option<PathBuf>,
) -> Result<()> {
    let m = model(scenario)?;
    let out = out.unwrap_or_else(|| default_out(&format!("{}-eval", m.scenario().name())));
    let o = EvalOptions {
        design_csv: design,
        out: out.clone(),
        master_seed: seed,
        threads,
        output: OutputOptions {
            categories: CATEGORIES,
            ..OutputOptions::default()
        },
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        build: this_build(),
        command_line: command_line(),
    };
    let t = montecarlo::eval_design(&m, &o, &Bar::new()).context("eval")?;
    println!(
        "{}: {} rows evaluated in design order",
        out.display(),
        t.runs.len()
    );
    Ok(())
}

/// `aistack plot DIR` for a batch directory.
pub fn plot_batch(dir: &Path) -> Result<()> {
    let r = montecarlo::plot_batch(&montecarlo::PlotOptions {
        dir: dir.to_path_buf(),
        out: None,
        categories: CATEGORIES,
        max_fan_charts: 12,
    })?;
    for f in &r.files {
        println!("{}", f.display());
    }
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    Ok(())
}
