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

/// aistack's categorical outcomes and series (binding input, what bound a
/// year's largest run): summarised, compared and plotted by shares of runs.
const CATEGORIES: Option<montecarlo::Categories> =
    Some(montecarlo::Categories(stack::report::category_codes));

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
            // A phase's spinner goes before the bar takes its line.
            if let Some(old) = b.take() {
                old.finish_and_clear();
            }
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
    /// A spinner with `what` in place of the bar, cleared when the next
    /// phase starts or the `Bar` is dropped (before the command prints its
    /// result). Hidden, like the bar, when standard error is not a terminal.
    fn phase(&self, what: &str) {
        let spinner = ProgressBar::new_spinner()
            .with_message(format!("{what}…"))
            .with_finish(indicatif::ProgressFinish::AndClear);
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        if let Ok(mut b) = self.0.lock() {
            if let Some(old) = b.take() {
                old.finish_and_clear();
            }
            *b = Some(spinner);
        }
    }
}

fn model(scenario: &Path) -> Result<ScenarioModel> {
    Ok(ScenarioModel::new(crate::run_cmd::load_file(scenario)?))
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

/// This process's arguments as text: an argument that is not UTF-8 (a
/// file name in another encoding, which clap accepts as a path) is kept
/// with U+FFFD for its undecodable bytes, not a panic in `std::env::args`.
fn command_line() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// This binary as `sobol.json`, `morris.json` and a run's `summary.json`
/// record it: its version, its build, and the command line without
/// `--threads` (which never changes a result), so that those files are
/// byte-identical at any thread count.
pub fn record_invocation() -> montecarlo::Invocation {
    let mut command_line = Vec::new();
    let mut args = self::command_line().into_iter();
    while let Some(a) = args.next() {
        if a == "--threads" {
            args.next();
        } else if !a.starts_with("--threads=") {
            command_line.push(a);
        }
    }
    montecarlo::Invocation {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        build: this_build(),
        command_line,
    }
}

/// This binary's build as `build.rs` recorded it: the git commit and whether
/// the sources had uncommitted changes (an empty value: unknown).
pub fn this_build() -> Build {
    let revision = env!("AISTACK_GIT_REVISION");
    Build::new(
        (!revision.is_empty()).then(|| revision.to_string()),
        match env!("AISTACK_GIT_DIRTY") {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
    )
}

/// Whether `dir` holds a batch that is not finished (its manifest has no
/// `completed_runs`): `aistack batch --resume` finishes it.
fn batch_unfinished(dir: &Path) -> bool {
    matches!(montecarlo::Manifest::read(dir), Ok(Some(m)) if m.completed_runs.is_none())
}

/// `e`, and when it is an error writing a file (a full disk, `File too
/// large`) that stopped a command whose runs are kept (`unfinished`), how
/// to finish it (`finish`, a command) once the cause is fixed: nothing
/// finished is run again.
fn with_finish_hint(e: montecarlo::McError, unfinished: bool, finish: &str) -> anyhow::Error {
    use montecarlo::McError;
    if unfinished && matches!(e, McError::Io { .. } | McError::Csv { .. } | McError::Json { .. }) {
        anyhow::anyhow!(
            "{e}; the runs finished so far are kept: once that is fixed (free space, a larger \
             file size limit), `{finish}` finishes it without running them again"
        )
    } else {
        e.into()
    }
}

/// Prints what resume or merge could not check (builds it could not tell apart).
fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Arguments of `aistack batch` (also its `--help`). With `--resume DIR`,
/// every argument left out is taken from DIR/manifest.json (see [`resolve`]).
#[derive(clap::Args)]
pub struct BatchArgs {
    /// Scenario file (RON). With --resume: default, the scenario the batch
    /// ran (DIR/manifest.json `scenario_path`); its hash must equal the batch's.
    #[arg(required_unless_present = "resume")]
    pub scenario: Option<PathBuf>,
    /// Number of runs. With --resume: default, the batch's (a plain Monte
    /// Carlo batch without a stopping rule may be extended or cut).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>, required_unless_present = "resume")]
    pub runs: Option<u64>,
    /// Master seed. Default: 0 (with --resume: the batch's).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>)]
    pub seed: Option<u64>,
    /// Worker threads; 0 or absent: every core. May differ on --resume
    /// (results do not depend on it).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<usize>)]
    pub threads: Option<usize>,
    /// Sampling design: `mc` (plain Monte Carlo) or `lhs` (Latin hypercube).
    /// Default: mc (with --resume: the batch's).
    #[arg(long)]
    pub design: Option<String>,
    /// With --design lhs: make the N runs R independent Latin hypercubes of
    /// N/R runs each (R divides N, N/R ≥ 2), so that summary.json's mcse is
    /// a real standard error of the mean, the sd of the R replicate means
    /// over √R, with a Student's t half-width at R − 1 degrees of freedom
    /// (10 or more replicates for a usable interval). Default: 1, one Latin
    /// hypercube, whose mcse is only an upper bound (with --resume: the
    /// batch's).
    #[arg(long, value_name = "R", allow_negative_numbers = true, value_parser = crate::whole::<u64>)]
    pub replicates: Option<u64>,
    /// Run only shard K of M (`K/M`, K from 0). With --resume: default, the batch's.
    #[arg(long)]
    pub shard: Option<String>,
    /// Output directory. Default: aistack-out/<scenario name>-batch/.
    #[arg(long, conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Finish the interrupted batch in DIR: `aistack batch --resume DIR`
    /// alone takes every argument from DIR/manifest.json; arguments given
    /// must equal the batch's, else it is refused. Excepted: --threads, and
    /// the output options --[no-]keep-timeseries, --[no-]parquet,
    /// --memory-budget-mib (they change no run; the outputs are rebuilt
    /// with them).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Also write every run's series. With --resume: default, the batch's.
    #[arg(long, conflicts_with = "no_keep_timeseries")]
    pub keep_timeseries: bool,
    /// With --resume: rebuild the outputs without timeseries.csv (and
    /// timeseries.parquet), removing those of a batch that kept them.
    #[arg(long)]
    pub no_keep_timeseries: bool,
    /// Stop at the first 100-run block where every watched outcome's 95 %
    /// half-width is within this share of its mean (plain MC). Watched: every
    /// scalar outcome, or those named by --stop-outcome. With --resume:
    /// default, the batch's.
    #[arg(long, allow_negative_numbers = true)]
    pub until_rel_halfwidth: Option<f64>,
    /// An outcome (a runs.csv column) the stopping rule watches; repeat for
    /// several; needs --until-rel-halfwidth (with --resume, the batch's
    /// counts). Default: every scalar outcome (with --resume: the batch's).
    #[arg(long = "stop-outcome", value_name = "NAME")]
    pub stop_outcomes: Vec<String>,
    /// Also write runs.parquet, bands.parquet (and timeseries.parquet); needs a
    /// build with `--features parquet`. With --resume: default, the batch's
    /// (a build without the feature then resumes without Parquet, with a note).
    #[arg(long, conflicts_with = "no_parquet")]
    pub parquet: bool,
    /// With --resume: rebuild the outputs without the Parquet files, removing
    /// those of a batch written with --parquet.
    #[arg(long)]
    pub no_parquet: bool,
    /// MiB of series values the bands may hold for exact quantiles; past it
    /// they come from a quantile sketch with a stated error bound. Default:
    /// 512 (with --resume: the batch's).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::whole::<u64>)]
    pub memory_budget_mib: Option<u64>,
}

/// A batch's arguments once `--resume DIR` has filled in those not given.
struct Resolved {
    scenario: PathBuf,
    runs: u64,
    seed: u64,
    design: Design,
    replicates: u64,
    shard: Option<Shard>,
    keep_timeseries: bool,
    parquet: bool,
    memory_budget_bytes: u64,
    until_rel_halfwidth: Option<f64>,
    /// Sorted, once each: the manifest compares the list on resume.
    stop_outcomes: Vec<String>,
    /// What to tell the user: output options given on resume that differ from the batch's.
    notes: Vec<String>,
    /// Whether the scenario file came from the manifest (`--resume DIR` without SCENARIO).
    scenario_from_manifest: bool,
}

/// The arguments of `aistack batch`: as given, each argument left out taking
/// its default, or with `--resume DIR`, the value DIR/manifest.json records.
/// Given arguments are not compared here: [`montecarlo::run_batch`] refuses
/// those that differ from the record (naming the field). The output options
/// (--keep-timeseries, --parquet, --memory-budget-mib) change no run, only
/// which files are written and how bands are summarised, so a resume may
/// give others (with a note).
fn resolve(a: BatchArgs) -> Result<Resolved> {
    let design = a
        .design
        .as_deref()
        .map(str::parse::<Design>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--design: {e}"))?;
    let shard = a
        .shard
        .as_deref()
        .map(str::parse::<Shard>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--shard: {e}"))?;
    let budget = a.memory_budget_mib.map(budget_bytes).transpose()?;
    let mut stop_outcomes = a.stop_outcomes;
    stop_outcomes.sort();
    stop_outcomes.dedup();
    let Some(dir) = a.resume else {
        let (Some(scenario), Some(runs)) = (a.scenario, a.runs) else {
            anyhow::bail!("SCENARIO and --runs N are required (unless --resume DIR)");
        };

        return Ok(Resolved {
            scenario,
            runs,
            seed: a.seed.unwrap_or(0),
            design: design.unwrap_or(Design::Mc),
            replicates: replicates_for(a.replicates, design.unwrap_or(Design::Mc))?,
            shard,
            keep_timeseries: a.keep_timeseries,
            parquet: a.parquet,
            // --no-keep-timeseries and --no-parquet are the defaults here.
            memory_budget_bytes: budget.unwrap_or(montecarlo::DEFAULT_MEMORY_BUDGET_BYTES),
            until_rel_halfwidth: a.until_rel_halfwidth,
            stop_outcomes,
            notes: Vec::new(),
            scenario_from_manifest: false,
        });
    };
    let d = dir.display();
    if dir.is_file() {
        anyhow::bail!(
            "{d} is a file, not a batch directory: --resume takes the directory of an interrupted \
             `aistack batch` (a scenario goes first, as in `aistack batch SCENARIO --resume DIR`)"
        );
    }
    let m = match montecarlo::Manifest::read(&dir)? {
        Some(m) => m,
        None if !dir.exists() => anyhow::bail!("{d} does not exist: nothing to resume"),
        None if !montecarlo::store::list_runs(&dir)?.is_empty() => {
            return Err(montecarlo::McError::RunsWithoutManifest(dir).into());
        }
        // Audit s30 econ: a compare's directory (finished, or interrupted
        // before its compare.csv) was "no manifest.json, nothing to resume".
        None if crate::run_cmd::is_compare_dir(&dir) || dir.join("a").join("manifest.json").exists() => {
            anyhow::bail!(
                "{d} is a compare directory (the output of `aistack compare`: the batches {d}/a and \
                 {d}/b, then compare.csv): an interrupted compare is finished by running the same \
                 `aistack compare A B --runs N … --out {d}` command again, which resumes each side \
                 and reuses its runs"
            )
        }
        None => anyhow::bail!(
            "{d}: no manifest.json, nothing to resume (--resume takes the directory of an \
             interrupted `aistack batch`)"
        ),
    };
    if m.design == Design::External {
        anyhow::bail!(
            "{d} holds an `aistack eval`, which `batch --resume` does not finish: run the eval's own \
             command again with `--resume` (`aistack eval SCENARIO --design DESIGN.csv --out {d} --resume`)"
        );
    }
    let scenario_from_manifest = a.scenario.is_none();
    let scenario = match a.scenario {
        Some(s) => s,
        None => recorded_scenario(&m, &dir, &format!("aistack batch SCENARIO --resume {d}"))?,
    };
    let recorded = m.outputs.clone().unwrap_or(montecarlo::OutputsRecord {
        keep_timeseries: false,
        parquet: false,
        memory_budget_bytes: montecarlo::DEFAULT_MEMORY_BUDGET_BYTES,
    });
    let mut notes = Vec::new();
    // An output option given on, given off, or not given (the batch's).
    let mut output_flag = |flag: &str, on: bool, off: bool, was: bool, removed: &str| {
        let given = (on || off).then_some(on);
        match given {
            Some(true) if !was && m.outputs.is_some() => notes.push(format!(
                "--{flag}: the batch in {d} was written without it; its outputs are rebuilt with it"
            )),
            Some(false) if was => notes.push(format!(
                "--no-{flag}: the batch in {d} was written with --{flag}; its outputs are rebuilt \
                 without it ({removed} removed)"
            )),
            _ => {}
        }
        (given.unwrap_or(was), given)
    };
    let (keep_timeseries, _) = output_flag(
        "keep-timeseries",
        a.keep_timeseries,
        a.no_keep_timeseries,
        recorded.keep_timeseries,
        if recorded.parquet {
            "timeseries.csv and timeseries.parquet are"
        } else {
            "timeseries.csv is"
        },
    );
    let (mut parquet, parquet_given) = output_flag(
        "parquet",
        a.parquet,
        a.no_parquet,
        recorded.parquet,
        if recorded.keep_timeseries {
            "runs.parquet, bands.parquet and timeseries.parquet are"
        } else {
            "runs.parquet and bands.parquet are"
        },
    );
    // Recorded but not asked for: a build without the feature resumes the
    // batch with its CSV outputs rather than refusing it.
    if parquet && parquet_given.is_none() && !montecarlo::PARQUET_SUPPORTED {
        parquet = false;
        notes.push(format!(
            "the batch in {d} was written with --parquet, but this build has no `parquet` feature: \
             it is resumed without Parquet (runs.csv, bands.csv, summary.json, convergence.csv{} \
             are complete; its Parquet files are removed, as they would not match them). A build \
             with the feature adds them back: `aistack batch --resume {d} --parquet`",
            if keep_timeseries {
                " and timeseries.csv"
            } else {
                ""
            }
        ));
    }
    let memory_budget_bytes = match budget {
        Some(b) => {
            if b != recorded.memory_budget_bytes && m.outputs.is_some() {
                notes.push(format!(
                    "--memory-budget-mib: the batch in {d} was written with {} MiB; its bands \
                     are rebuilt with {} MiB",
                    recorded.memory_budget_bytes >> 20,
                    b >> 20
                ));
            }
            b
        }
        None => recorded.memory_budget_bytes,
    };
    Ok(Resolved {
        scenario,
        runs: a.runs.unwrap_or(m.runs),
        seed: a.seed.unwrap_or(m.master_seed),
        design: design.unwrap_or(m.design),
        replicates: match a.replicates {
            Some(r) => replicates_for(Some(r), design.unwrap_or(m.design))?,
            None => m.replicates,
        },
        // `K/1` is the whole batch, as no shard is.
        shard: match (shard, m.shard) {
            (Some(s), None) if s.count == 1 => None,
            (given, recorded) => given.or(recorded),
        },
        keep_timeseries,
        parquet,
        memory_budget_bytes,
        until_rel_halfwidth: a.until_rel_halfwidth.or(m.until_rel_halfwidth),
        stop_outcomes: if stop_outcomes.is_empty() {
            m.stop_outcomes.clone()
        } else {
            stop_outcomes
        },
        notes,
        scenario_from_manifest,
    })
}

/// The replicate count of a batch under `design`: `--replicates` as given
/// (checked against the runs by [`montecarlo::run_batch`]), 1 without it.
/// Refused with plain Monte Carlo, even `--replicates 1`: its runs are
/// already independent, so the option has nothing to do there.
fn replicates_for(given: Option<u64>, design: Design) -> Result<u64> {
    match given {
        Some(r) if design != Design::Lhs => anyhow::bail!(
            "--replicates {r} works with --design lhs only: this batch's design is {design} (plain \
             Monte Carlo, the default), whose runs are already independent, so summary.json's mcse \
             (sd/√n) is the standard error of the mean without replicates; nothing was written"
        ),
        Some(r) => Ok(r),
        None => Ok(1),
    }
}

/// The scenario file the batch in `dir` ran, from its manifest, for a
/// command given without SCENARIO (`batch --resume DIR`, `run --from-batch
/// DIR`): refused, saying to give it as in `usage` (the command with
/// SCENARIO), when the manifest does not say or the file is not there. The
/// refusal names the path it looked at: a manifest of an older build records
/// only the command line, whose `.ron` was typed relative to a working
/// directory it does not record; it is looked for relative to the current
/// one, as any path typed on a command line is.
///
/// Where the file recorded is gone or no longer has the batch's hash (moved,
/// edited) and the directory keeps its copy of the scenario
/// (`scenario_copy`), the copy is taken instead, with a note.
pub(crate) fn recorded_scenario(m: &montecarlo::Manifest, dir: &Path, usage: &str) -> Result<PathBuf> {
    let recorded = montecarlo::replay::recorded_scenario(m);
    let is_the_batchs =
        |p: &Path| stack::Scenario::load(p).is_ok_and(|s| s.identity_hash() == m.scenario_hash);
    if let Some(copy) = m.scenario_copy.as_ref().map(|c| dir.join(&c.scenario))
        && copy.is_file()
        && !recorded.as_deref().is_some_and(is_the_batchs)
    {
        let why = match &recorded {
            Some(p) if p.is_file() => format!("{} changed since the batch ran", p.display()),
            Some(p) => format!("{} is not there any more", p.display()),
            None => "the manifest names no scenario file".to_string(),
        };
        eprintln!(
            "note: {why}: using the batch's own copy of its scenario, {}",
            copy.display()
        );
        return Ok(copy);
    }
    let d = dir.display();
    let Some(p) = recorded else {
        anyhow::bail!(
            "{d}/manifest.json does not say which scenario the batch ran (manifests written \
             before aistack recorded `scenario_path`, with no single `.ron` in their command \
             line): give it, as in `{usage}`"
        );
    };
    if p.is_file() {
        return Ok(p);
    }
    let missing = if p.exists() {
        "is not a file"
    } else {
        "does not exist any more (moved or deleted)"
    };
    if m.scenario_path.is_some() {
        anyhow::bail!(
            "the scenario the batch in {d} ran, {} (from its manifest.json), {missing}: give the \
             scenario file, as in `{usage}` (its hash must equal the batch's)",
            p.display()
        );
    }
    if p.is_absolute() {
        anyhow::bail!(
            "the scenario the batch in {d} ran, {} (the `.ron` of the command line its \
             manifest.json records), {missing}: give the scenario file, as in `{usage}` (its \
             hash must equal the batch's)",
            p.display()
        );
    }
    let looked_at = std::env::current_dir()
        .map(|c| c.join(&p))
        .unwrap_or_else(|_| p.clone());
    anyhow::bail!(
        "the scenario the batch in {d} ran, {} (the `.ron` of the command line its manifest.json \
         records; manifests of older builds have no `scenario_path`, and the directory that \
         relative path was typed in is not recorded), is not at {}, where it was looked for \
         (relative to the current directory): run this from the directory the batch was \
         started in, or give the scenario file, as in `{usage}` (its hash must equal the batch's)",
        p.display(),
        looked_at.display()
    )
}

/// `aistack batch`.
pub fn batch(a: BatchArgs) -> Result<()> {
    let threads = a.threads;
    let resume = a.resume.clone();
    let out_arg = a.out.clone();
    let r = resolve(a)?;
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    let m = model(&r.scenario)?;
    let (scenario, scenario_from_manifest) = (r.scenario.clone(), r.scenario_from_manifest);
    let out = resume
        .clone()
        .or(out_arg)
        .unwrap_or_else(|| default_out(&format!("{}-batch", m.scenario().name())));
    let mut o = BatchOptions::new(&out, r.runs, r.seed);
    o.output.categories = CATEGORIES;
    o.threads = threads;
    o.design = r.design;
    o.replicates = r.replicates;
    o.shard = r.shard;
    o.resume = resume.is_some();
    o.output.keep_timeseries = r.keep_timeseries;
    o.output.parquet = r.parquet;
    o.output.memory_budget_bytes = r.memory_budget_bytes;
    o.until_rel_halfwidth = r.until_rel_halfwidth;
    o.stop_outcomes = r.stop_outcomes;
    o.command_line = command_line();
    o.tool_version = env!("CARGO_PKG_VERSION").to_string();
    o.build = this_build();
    // The scenario given is the one the batch ran (named by the manifest, or
    // the same file given again): a changed hash means that file or a base
    // changed, and no other spelling of the command resumes it (audit
    // s23-repro, F4).
    let recorded = montecarlo::Manifest::read(&out).ok().flatten();
    let same_file = scenario_from_manifest
        || recorded
            .as_ref()
            .and_then(|rec| rec.scenario_path.as_deref())
            .is_some_and(|p| std::fs::canonicalize(&scenario).is_ok_and(|s| s == Path::new(p)));
    // The batch's own copy of its scenario, where it keeps one.
    let own_copy = recorded
        .as_ref()
        .and_then(|rec| rec.scenario_copy.as_ref())
        .map(|c| out.join(&c.scenario))
        .filter(|p| p.is_file());
    // Which of its files changed, where the manifest records them.
    let changed = recorded.as_ref().and_then(|rec| {
        montecarlo::manifest::changed_files(&rec.scenario_files, &montecarlo::Model::files(&m))
    });
    let r = montecarlo::run_batch(&m, &o, &Bar::new()).map_err(|e| match &e {
        montecarlo::McError::ResumeMismatch {
            dir,
            field,
            recorded,
            given,
            ..
        } if field == "scenario_hash" && same_file => anyhow::anyhow!(
            "cannot resume {}: the scenario it ran, {}{}, changed since the batch started \
             ({}hash is now {given}, the batch's {recorded}): {}restore it (and its bases) as it \
             was, or give the file the batch ran if you kept a copy, as in `aistack batch \
             SCENARIO --resume {}`; or run a new batch in another directory",
            dir.display(),
            scenario.display(),
            if scenario_from_manifest {
                " (from its manifest.json)"
            } else {
                ""
            },
            changed
                .as_ref()
                .map_or_else(|| "its ".to_string(), |c| format!("{c}; the scenario's ")),
            own_copy
                .as_ref()
                .map(|c| format!(
                    "resume from the batch's own copy of it, `aistack batch {} --resume {}`, or ",
                    c.display(),
                    dir.display()
                ))
                .unwrap_or_default(),
            dir.display()
        ),
        montecarlo::McError::ResumeMismatch { dir, .. } => anyhow::anyhow!(
            "{e}; or give only `aistack batch --resume {}`, which takes every argument from the manifest",
            dir.display()
        ),
        _ => with_finish_hint(
            e,
            batch_unfinished(&out),
            &format!("aistack batch --resume {}", out.display()),
        ),
    })?;
    print_warnings(&r.warnings);
    println!(
        "{}: {} in the outputs ({} now, {} reused){}; bands {}.",
        r.dir.display(),
        count(r.runs_in_outputs, "run"),
        count(r.runs_executed, "run"),
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
    print_headline(&r.dir);
    if let Some(target) = r.manifest.until_rel_halfwidth {
        print_unvaried_outcomes(&r.table, &r.manifest.stop_outcomes, target);
        if let Some(n) = montecarlo::convergence::late_outcomes_note(
            &r.table,
            &r.manifest.stop_outcomes,
            CATEGORIES,
            r.stopped_at,
        ) {
            println!("note: {n}");
        }
        if r.stopped_at.is_none() {
            println!(
                "{}",
                not_stopped_note(&r.table, &r.manifest.stop_outcomes, target)
            );
        }
    }
    Ok(())
}

/// Most outcomes a note names; the rest are counted.
const NAMED_MAX: usize = 5;

/// The outcomes a finished batch prints, with their units: the headline
/// numbers `aistack run` prints for one run, here across the runs, so that
/// the console answers "how sure are we?" without opening summary.json
/// (audit s33-econ F9).
const HEADLINE: [(&str, &str); 8] = [
    ("training.frontier_gap_months_end", "months"),
    ("training.largest_run_flop", "FLOP"),
    ("training.releases_total", "releases"),
    ("fab.accelerators_delivered_total", "accelerators"),
    ("energy.unserved_mwh_total", "MWh"),
    ("energy.ai_curtailed_mwh_total", "MWh"),
    ("training.share_lost_power_total", "of the labs' compute"),
    // Electricity the labs could not pay for, scarcity prices among it:
    // not counted as lost to power (`aistack run`'s "withheld by budgets").
    ("training.share_lost_budget_total", "of the labs' compute"),
];

/// Prints, from the batch's `summary.json` in `dir`, each [`HEADLINE`]
/// outcome it has: mean ± its Monte Carlo standard error, then the 5th,
/// 50th and 95th percentiles across runs. The file's numbers, so the
/// console and the file cannot disagree; nothing when it cannot be read
/// (the batch's outputs are written and complete either way).
fn print_headline(dir: &Path) {
    let Ok(text) = std::fs::read_to_string(dir.join("summary.json")) else {
        return;
    };
    let Ok(summary) = serde_json::from_str::<serde_json::Value>(&text) else {
        return;
    };
    let runs = summary["runs"].as_u64().unwrap_or(0);
    let cell = |v: &serde_json::Value| v.as_f64().map_or("—".to_string(), crate::short);
    let rows: Vec<(String, String, String)> = HEADLINE
        .iter()
        .filter_map(|&(name, unit)| {
            let o = summary["outcomes"].get(name)?;
            let n = o["n"].as_u64()?;
            Some((
                name.to_string(),
                format!("{} ± {} {unit}", cell(&o["mean"]), cell(&o["mcse"])),
                format!(
                    "({}, {}, {}){}",
                    cell(&o["p5"]),
                    cell(&o["p50"]),
                    cell(&o["p95"]),
                    if n < runs {
                        format!(" over the {n} runs that report it")
                    } else {
                        String::new()
                    }
                ),
            ))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    println!(
        "headline outcomes over {} (mean ± its Monte Carlo standard error; p5, p50, p95 across \
         runs; every outcome in summary.json):",
        count(runs, "run")
    );
    let (w1, w2) = rows.iter().fold((0, 0), |(a, b), r| {
        (a.max(r.0.chars().count()), b.max(r.1.chars().count()))
    });
    for (name, mean, spread) in rows {
        println!("  {name:<w1$}  {mean:<w2$}  {spread}");
    }
}

/// The line for a batch whose stopping rule did not stop it (it ran all
/// `--runs`): which watched outcomes are still above the target, widest
/// first, with their relative half-widths, or that all met it only at the
/// last block, which the rule does not check (it stops only before `--runs`).
fn not_stopped_note(t: &montecarlo::RunsTable, stop_outcomes: &[String], target: f64) -> String {
    let n = t.runs.len();
    let above = montecarlo::convergence::above_target(t, stop_outcomes, target, CATEGORIES);
    if above.is_empty() {
        return format!(
            "note: the half-width rule did not stop the batch: every watched outcome is within \
             {target:?} at {n} runs, the --runs cap (the rule checks each 100-run block before it)"
        );
    }
    let named: Vec<String> = above
        .iter()
        .take(NAMED_MAX)
        .map(|a| match a.unseen_share_95 {
            Some(u) => format!(
                "{} (one value in all {} runs; unseen share ≤ {u:.4})",
                a.outcome, a.runs
            ),
            None if a.runs < 2 => format!("{} ({} run)", a.outcome, a.runs),
            None => format!("{} (rel. half-width {:.4})", a.outcome, a.rel_half_width),
        })
        .collect();
    let more = above.len().saturating_sub(NAMED_MAX);
    format!(
        "note: the half-width rule did not stop the batch: {} watched outcome{} still above {target:?} \
         at {n} runs: {}{}; see convergence.csv, or watch fewer with --stop-outcome",
        above.len(),
        if above.len() == 1 { " is" } else { "s are" },
        named.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// The outcomes the stopping rule watched that gave one value in every run
/// (a rare event not yet seen): their 0 half-width is no precision, so each
/// is named with what the runs do bound, the share of runs that could give
/// another value (95 %, rule of three ≈ 3/n), as convergence.csv and
/// summary.json give it (`unseen_share_95`).
fn print_unvaried_outcomes(t: &montecarlo::RunsTable, stop_outcomes: &[String], target: f64) {
    let watched = montecarlo::convergence::watched(&t.outcome_names, stop_outcomes, CATEGORIES);
    let unvaried = montecarlo::convergence::never_varied(t, &watched);
    // One note per run count (a conditional outcome has fewer runs).
    let mut counts: Vec<u64> = unvaried.iter().map(|u| u.runs).collect();
    counts.sort_unstable();
    counts.dedup();
    for n in counts {
        let group: Vec<&montecarlo::convergence::Unvaried> =
            unvaried.iter().filter(|u| u.runs == n).collect();
        let names: Vec<String> = group
            .iter()
            .map(|u| format!("{} ({})", u.outcome, montecarlo::outputs::num(u.value)))
            .collect();
        println!(
            "note: {} watched outcome{} had one value in all {n} runs, so {} 95 % half-width is 0, \
             which is no precision: another value in up to {:.2} % of runs could still be unseen \
             (95 % bound, the rule of three ≈ 3/n; `unseen_share_95` in summary.json and \
             convergence.csv); the stopping rule counts such an outcome converged once that bound \
             is ≤ {target}: {}",
            group.len(),
            if group.len() == 1 { "" } else { "s" },
            if group.len() == 1 { "its" } else { "their" },
            100.0 * group[0].unseen_share_95,
            names.join(", ")
        );
    }
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
                "note: {name} is reported by {n} of {} runs; its statistics are over {} only{}",
                values.len(),
                if n == 1 {
                    "that one".to_string()
                } else {
                    format!("those {n}")
                },
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
    keep_timeseries: Option<bool>,
    parquet: bool,
    memory_budget_mib: u64,
    threads: Option<usize>,
) -> Result<()> {
    // As every other writer says it (audit s26 econ F10), not "File
    // exists (os error 17)" when creating its directory.
    montecarlo::runner::check_out_dir(&out)?;
    // Not given: what one unsharded batch of the shards writes, series
    // included when every shard kept them.
    let keep_timeseries = match keep_timeseries {
        Some(k) => k,
        None => montecarlo::shards_kept_series(&shards)?,
    };
    // Merging is silent work (copying every run file, then writing the
    // outputs from them): a spinner says so on a terminal.
    let bar = Bar::new();
    bar.phase(&format!(
        "merging {} shard directories: linking their run files and writing the outputs",
        shards.len()
    ));
    let out_dir = out.clone();
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
        threads,
    })
    .map_err(|e| merge_finish_hint(e, &out_dir))?;
    drop(bar);
    print_warnings(&r.warnings);
    println!("{}: merged {} runs", r.dir.display(), r.runs_in_outputs);
    Ok(())
}

/// `e`, and when it is an error writing a file (a full disk) that stopped
/// a merge into `out` once it had begun writing there (its manifest
/// without `completed_runs`), the way on `batch` gives too: the same merge
/// command, run again once the cause is fixed, finishes it (audit s26-econ
/// F3: `merge` gave none).
fn merge_finish_hint(e: montecarlo::McError, out: &Path) -> anyhow::Error {
    use montecarlo::McError;
    if batch_unfinished(out) && matches!(e, McError::Io { .. } | McError::Csv { .. } | McError::Json { .. }) {
        anyhow::anyhow!(
            "{e}; the shard directories are unchanged: once that is fixed (free space, a larger \
             file size limit), run the same merge again (`{}`), which finishes this one",
            montecarlo::command_to_type(&command_line())
        )
    } else {
        e.into()
    }
}

/// `aistack compare A B --runs N`.
pub fn compare(
    a: &Path,
    b: &Path,
    runs: u64,
    seed: u64,
    threads: Option<usize>,
    out: Option<PathBuf>,
    memory_budget_mib: u64,
) -> Result<()> {
    // Which of the two, as their errors name only the file (audit finding 7).
    let ma = model(a).context("scenario A")?;
    let mb = model(b).context("scenario B")?;
    // Said before the runs (they may be long) and again under the table.
    let period = period_warning(ma.scenario(), mb.scenario());
    if let Some(w) = &period {
        eprintln!("warning: {w}");
    }
    let out =
        out.unwrap_or_else(|| default_out(&format!("{}-vs-{}", ma.scenario().name(), mb.scenario().name())));
    let mut batch = BatchOptions::new(&out, runs, seed);
    batch.output.categories = CATEGORIES;
    batch.output.memory_budget_bytes = budget_bytes(memory_budget_mib)?;
    batch.threads = threads;
    batch.command_line = command_line();
    batch.build = this_build();
    let r = montecarlo::compare(
        &ma,
        &mb,
        &CompareOptions {
            out: out.clone(),
            batch,
            // Kept in compare.json with the notes, not only printed.
            warnings: period.iter().cloned().collect(),
        },
        &Bar::new(),
    )
    .map_err(|e| {
        let unfinished = batch_unfinished(&out.join("a")) || batch_unfinished(&out.join("b"));
        with_finish_hint(e, unfinished, &montecarlo::command_to_type(&command_line()))
    })?;
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    println!(
        "B = {} minus A = {}, {} runs with common random numbers (same run seeds and streams):",
        mb.scenario().name(),
        ma.scenario().name(),
        runs
    );
    // The outcome column as wide as its longest name (a category row names
    // its category: `…_year_2030=none (the lab's own target)`), 44 at least.
    let w = r
        .differences
        .iter()
        .map(|d| d.outcome.chars().count())
        .max()
        .unwrap_or(0)
        .max(44);
    println!(
        "{:<w$} {:>12} {:>12} {:>26}  CRN narrowed  runs differing",
        "outcome", "mean A", "mean B - A", "95% CI"
    );
    // An outcome one side never reports has no paired run: its row
    // (compare.csv's, with the counts) is told below, with the others of its side.
    for d in r.differences.iter().filter(|d| d.n > 0) {
        let narrowed = narrowing_cell(d.narrowing);
        println!(
            "{:<w$} {:>12.4e} {:>12.4e} [{:>11}, {:>11}]  {:>12}  {:>14}{}",
            d.outcome,
            d.mean_a,
            d.mean_diff,
            ci_cell(d.ci95_low),
            ci_cell(d.ci95_high),
            narrowed,
            d.runs_differing,
            reporting_note(d, runs)
        );
    }
    for (side, names, table) in [("A", &r.only_in_a, &r.a.table), ("B", &r.only_in_b, &r.b.table)] {
        if !names.is_empty() {
            println!(
                "Only {side}'s runs report {} outcome{} (no difference of means; compare.csv's row \
                 of each gives the runs reporting it under each side and the share difference): {}.",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names
                    .iter()
                    .map(|n| {
                        let values = table.outcome(n).unwrap_or_default();
                        let k = values.iter().flatten().count();
                        if k < values.len() {
                            format!("{n} (in {k} of {} runs)", values.len())
                        } else {
                            n.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    // A compare of a scenario with itself: zeros by construction, which
    // the rule-of-three notes would read as evidence (review s26 F11).
    if !r.identical {
        for n in montecarlo::zero_difference_notes(&r.differences) {
            println!("note: {n}");
        }
        if let Some(n) = montecarlo::few_differing_note(&r.differences) {
            println!("note: {n}");
        }
        if let Some(n) = montecarlo::one_sign_note(&r.differences) {
            println!("note: {n}");
        }
    }
    if let Some(w) = &period {
        println!("warning: {w}");
    }
    println!("Batches in {}/a and {}/b.", out.display(), out.display());
    Ok(())
}

/// A compare row's `narrowing` on the console: whole percent, one decimal
/// below 0.5 % in magnitude, so a slightly negative one (CRN widened the
/// interval a little, −0.3 %) reads as negative rather than "-0%", `0%`
/// below 0.05 %, and `n/a` where it is undefined (NaN).
fn narrowing_cell(v: f64) -> String {
    let p = 100.0 * v;
    if v.is_nan() {
        "n/a".to_string()
    } else if p.abs() >= 0.5 {
        format!("{p:.0}%")
    } else if p.abs() >= 0.05 {
        format!("{p:.1}%")
    } else {
        "0%".to_string()
    }
}

/// What a compare row of an outcome only some runs report adds on the
/// console (empty for one all `runs` report under both): the runs its
/// difference is over, how many report it under each side, and the paired
/// difference of those shares with its 95 % interval (compare.csv's
/// `n_a`, `n_b`, `reported_share_*`), e.g. `  (over the 6 runs where both
/// report it; reported by 8 of 12 runs under A, 6 under B: share B − A
/// -16.7% [-38.5%, +8.8%])`.
fn reporting_note(d: &montecarlo::OutcomeDifference, runs: u64) -> String {
    if d.n >= runs && d.n_a >= runs && d.n_b >= runs {
        return String::new();
    }
    let pct = |v: f64| {
        if v.is_nan() {
            "n/a".to_string()
        } else {
            format!("{:+.1}%", 100.0 * v)
        }
    };
    format!(
        "  (over the {} runs where both report it; reported by {} of {runs} runs under A, {} under B: \
         share B − A {} [{}, {}])",
        d.n,
        d.n_a,
        d.n_b,
        pct(d.reported_share_diff),
        pct(d.reported_share_ci95_low),
        pct(d.reported_share_ci95_high)
    )
}

/// The warning for a compare of scenarios over different periods (start
/// or horizon): their totals and end-of-run outcomes cover different
/// spans, so a difference is not B's effect alone (review s26-modeler,
/// F10: a 2-year and a 3-year scenario were diffed silently). `None` when
/// both cover the same period.
fn period_warning(a: &stack::Scenario, b: &stack::Scenario) -> Option<String> {
    let (da, db) = (&a.data, &b.data);
    if da.start == db.start && da.horizon_years == db.horizon_years {
        return None;
    }
    Some(format!(
        "A = {} covers {} but B = {} covers {}: totals and end-of-run outcomes span different \
         periods, so their differences are not B's changes alone; compare scenarios with the same \
         `start` and `horizon_years`",
        a.name(),
        stack::report::horizon_text(da),
        b.name(),
        stack::report::horizon_text(db)
    ))
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
    let out = out.unwrap_or_else(|| default_sensitivity_out(m.scenario().name(), "sensitivity", &outcome));
    let o = montecarlo::SobolOptions {
        outcome,
        base_samples: runs,
        sampler,
        master_seed: seed,
        threads,
        bootstrap: 200,
        out: Some(out.clone()),
        invocation: record_invocation(),
    };
    let replaced = other_outcome_in(&out, "sobol.json", &o.outcome);
    let r = montecarlo::sobol_sensitivity(&m, &o, &Bar::new())?;
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    note_replaced(&out, replaced.as_deref());
    if let Some(n) = montecarlo::sensitivity_copy_note(&out, "sobol.json") {
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

/// `n` and `noun`, plural but for one: `1 run`, `0 runs`, `4 runs`.
pub(crate) fn count(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Where a command writes when `--out` is not given: `aistack-out/<dir_name>`.
fn default_out(dir_name: &str) -> PathBuf {
    PathBuf::from("aistack-out").join(dir_name)
}

/// The outcome of the tables an earlier `sensitivity` left in `dir` (its
/// `record`, `sobol.json` or `morris.json`), when it is not `outcome`:
/// those tables are about to be replaced.
fn other_outcome_in(dir: &Path, record: &str, outcome: &str) -> Option<String> {
    let text = std::fs::read(dir.join(record)).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let recorded = v.get("outcome")?.as_str()?;
    (recorded != outcome).then(|| recorded.to_string())
}

/// Says that the tables of outcome `replaced` in `dir` were replaced (an
/// `--out` given for another outcome: the default is one per outcome).
fn note_replaced(dir: &Path, replaced: Option<&str>) {
    if let Some(old) = replaced {
        eprintln!(
            "note: {} held the tables of outcome {old}, now replaced by this outcome's (without \
             --out, each outcome gets a directory of its own)",
            dir.display()
        );
    }
}

/// Where `sensitivity` writes without `--out`: one directory per outcome,
/// `aistack-out/<scenario>-<method>-<outcome>/` (`method`: `sensitivity`
/// for Sobol', `morris`), so that screening outcome after outcome keeps
/// every outcome's tables (audit s26 econ F6: one directory per scenario
/// held only the last outcome's, the earlier ones silently replaced). A
/// character of the outcome other than a letter, digit, `.`, `_` or `-`
/// becomes `_`.
fn default_sensitivity_out(scenario: &str, method: &str, outcome: &str) -> PathBuf {
    let outcome: String = outcome
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    default_out(&format!("{scenario}-{method}-{outcome}"))
}

/// `aistack sensitivity SCENARIO --method morris --outcome NAME --trajectories R`:
/// Morris screening; prints parameters by μ* and writes `morris.csv` and `morris.json`.
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
    let out = out.unwrap_or_else(|| default_sensitivity_out(m.scenario().name(), "morris", &outcome));
    let o = montecarlo::MorrisOptions {
        outcome: outcome.clone(),
        trajectories,
        levels,
        master_seed: seed,
        threads,
        out: Some(out.clone()),
        invocation: record_invocation(),
    };
    let replaced = other_outcome_in(&out, "morris.json", &o.outcome);
    let rows = montecarlo::morris(&m, &o, &Bar::new())?;
    note_replaced(&out, replaced.as_deref());
    if let Some(n) = montecarlo::sensitivity_copy_note(&out, "morris.json") {
        eprintln!("note: {n}");
    }
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

/// `aistack eval SCENARIO --design design.csv [--others median|drawn] [--shard K/M]`.
#[allow(clippy::too_many_arguments)]
pub fn eval(
    scenario: &Path,
    design: PathBuf,
    others: Option<&str>,
    seed: u64,
    threads: Option<usize>,
    shard: Option<&str>,
    out: Option<PathBuf>,
    resume: bool,
    memory_budget_mib: u64,
) -> Result<()> {
    let others = others
        .map(str::parse::<montecarlo::Others>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--others: {e}"))?;
    let shard = shard
        .map(str::parse::<Shard>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--shard: {e}"))?;
    let m = model(scenario)?;
    let out = out.unwrap_or_else(|| default_out(&format!("{}-eval", m.scenario().name())));
    let o = EvalOptions {
        design_csv: design,
        out: out.clone(),
        master_seed: seed,
        threads,
        output: OutputOptions {
            categories: CATEGORIES,
            memory_budget_bytes: budget_bytes(memory_budget_mib)?,
            ..OutputOptions::default()
        },
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        build: this_build(),
        command_line: command_line(),
        others,
        resume,
        shard,
    };
    let r = montecarlo::eval_design(&m, &o, &Bar::new())
        .map_err(|e| {
            // Run files and no manifest: an eval stopped after its runs.
            let unfinished = matches!(montecarlo::Manifest::read(&out), Ok(None))
                && montecarlo::store::list_runs(&out).is_ok_and(|r| !r.is_empty());
            // This command with --resume (audit s26 econ F9: the way on
            // was a placeholder in backticks).
            let mut again = command_line();
            if !again.iter().any(|a| a == "--resume") {
                again.push("--resume".into());
            }
            with_finish_hint(e, unfinished, &montecarlo::command_to_type(&again))
        })
        .context("eval")?;
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    // As a batch says it: what a resume reused.
    let total = r.table.runs.len() as u64;
    let reused = if resume {
        format!(" ({} now, {} reused)", count(r.ran_now, "run"), total - r.ran_now)
    } else {
        String::new()
    };
    match shard.filter(|s| s.count > 1) {
        Some(s) => println!(
            "{}: {} row{} of shard {s} evaluated in design order{}; `aistack merge` of the {} \
             shard directories writes the eval of the whole design",
            out.display(),
            r.table.runs.len(),
            if r.table.runs.len() == 1 { "" } else { "s" },
            reused,
            s.count
        ),
        None => println!(
            "{}: {} evaluated in design order{reused}",
            out.display(),
            count(r.table.runs.len() as u64, "row")
        ),
    }
    if let Some(others) = r.record.others
        && !r.record.others_parameters.is_empty()
    {
        let n = r.record.others_parameters.len();
        println!(
            "{n} parameter{} without a design column, set by --others {others}: {} (each row's values are in runs.csv)",
            if n == 1 { "" } else { "s" },
            r.record.others_parameters.join(", ")
        );
    }
    Ok(())
}

/// `aistack plot DIR` for a batch directory.
pub fn plot_batch(dir: &Path, out: Option<&Path>) -> Result<()> {
    let r = montecarlo::plot_batch(&montecarlo::PlotOptions {
        dir: dir.to_path_buf(),
        out: out.map(Path::to_path_buf),
        categories: CATEGORIES,
        max_fan_charts: montecarlo::charts::KEY_METRICS.len(),
    })?;
    for f in &r.files {
        println!("{}", f.display());
    }
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compare row of `outcome` over `n` paired runs, reported by `n_a`
    /// and `n_b` runs (the reported-share cells of 8 → 6 of 12 runs).
    fn row(n: u64, n_a: u64, n_b: u64) -> montecarlo::OutcomeDifference {
        let (share, low, high) = montecarlo::paired_share_difference(6, 2, 0, 4);
        montecarlo::OutcomeDifference {
            outcome: "training.lab.deepseek.year_reached_1e26_flop".into(),
            n,
            mean_a: 2028.39,
            mean_b: 2028.63,
            mean_diff: 0.24,
            runs_differing: n,
            ci95_low: -0.17,
            ci95_high: 0.64,
            half_width_crn: 0.4,
            half_width_independent: 0.5,
            narrowing: 0.2,
            runs_up: n,
            runs_down: 0,
            n_a,
            n_b,
            reported_share_diff: share,
            reported_share_ci95_low: low,
            reported_share_ci95_high: high,
        }
    }

    /// Audit s26-econ F2: the console row of an outcome some runs lack says
    /// how many report it under each side and how that share moved, with
    /// its interval; a row every run reports gets nothing added.
    #[test]
    fn a_row_some_runs_lack_gives_the_counts_and_the_share_difference() {
        assert_eq!(
            reporting_note(&row(6, 8, 6), 12),
            "  (over the 6 runs where both report it; reported by 8 of 12 runs under A, 6 under B: \
             share B − A -16.7% [-38.5%, +8.8%])"
        );
        assert_eq!(reporting_note(&row(12, 12, 12), 12), "");
    }

    /// Audit s26-econ F11: a narrowing of −0.00345 printed "-0%"; it reads
    /// −0.3 % now, and one that rounds to nothing is "0%", unsigned.
    #[test]
    fn a_slightly_negative_narrowing_is_not_minus_zero() {
        let cells: Vec<String> = [-0.00345, 0.00345, -0.0001, 0.0, -0.01, 0.57, 1.0, f64::NAN]
            .into_iter()
            .map(narrowing_cell)
            .collect();
        assert_eq!(cells, ["-0.3%", "0.3%", "0%", "0%", "-1%", "57%", "100%", "n/a"]);
    }
}
