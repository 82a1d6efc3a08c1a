//! The batch runner: `aistack batch` (with `--resume`, `--shard`,
//! `--until-rel-halfwidth`) and `aistack merge`.
//!
//! Runs execute on a local rayon pool of the requested size. Each finished
//! run is written durably to `DIR/runs/` as it finishes (see [`crate::store`]);
//! when all are done, the outputs are rebuilt from those files in run order
//! ([`crate::outputs`]) and the manifest is marked complete. A batch killed at
//! any moment resumes from its run files; shards merge by pooling them.

use crate::convergence::stop_reached;
use crate::design::{Design, Replication, Sampler, check_replicates, run_seed};
use crate::error::io_err;
use crate::lock::lock_dir;
use crate::manifest::{
    Build, MANIFEST_FORMAT, Manifest, OutputsRecord, Shard, TARGET_TRIPLE, check_build, check_math,
    crate_versions, identity_hash,
};
use crate::model::Model;
use crate::outputs::{OutputOptions, RunsTable, rebuild_outputs};
use crate::store::{
    MadeWith, RunRecord, check_recorded_inputs, check_run_inputs, encode_run, list_runs, read_run,
    read_run_inputs, refuse_foreign_outputs, remove_stale_temps, run_file_path, runs_dir, sync_dir,
    validate_record, write_atomic,
};
use crate::{McError, Result};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Receives progress of a batch; the CLI implements it with a progress bar.
/// Methods are called from worker threads.
pub trait Progress: Sync {
    /// The batch starts: `total` runs in this directory's share, `already_done` of them found on disk.
    fn start(&self, total: u64, already_done: u64) {
        let _ = (total, already_done);
    }
    /// One more run finished and was written.
    fn run_finished(&self) {}
    /// All runs are done; outputs are being rebuilt.
    fn finish(&self) {}
    /// A phase with no runs to count has begun (checking the run files a
    /// resume reuses, writing the outputs from every run file): `what` says
    /// which, for a user who would otherwise watch a silent terminal (tens
    /// of seconds at 10,000 runs: audit s23-scale, F3).
    fn phase(&self, what: &str) {
        let _ = what;
    }
}

/// What [`Progress::phase`] says while the outputs are written from `runs` run files.
pub(crate) fn rebuild_phase(runs: usize) -> String {
    format!("writing runs.csv, bands.csv and summary.json from {runs} run files")
}

/// A [`Progress`] that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// Options of `aistack batch`.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchOptions {
    /// Batch directory (`--out`, or the `--resume` directory).
    pub out: PathBuf,
    /// Number of runs N (`--runs`).
    pub runs: u64,
    /// Master seed (`--seed`).
    pub master_seed: u64,
    /// Worker threads (`--threads`); `None` uses every core.
    pub threads: Option<usize>,
    /// Sampling design (`--design`).
    pub design: Design,
    /// Replicates R of a Latin hypercube (`--replicates`, default 1): R ≥ 2
    /// makes the N runs R independent Latin hypercubes of N/R runs, and
    /// `summary.json`'s `mcse` the between-replicate standard error
    /// ([`check_replicates`] says which R a batch may have).
    pub replicates: u64,
    /// Only this shard's runs (`--shard K/M`).
    pub shard: Option<Shard>,
    /// Finish an interrupted batch in `out` (`--resume`).
    pub resume: bool,
    /// Stop once every watched outcome's relative 95% half-width is ≤ this (plain MC, no shard).
    pub until_rel_halfwidth: Option<f64>,
    /// Outcomes the stopping rule watches (empty: all).
    pub stop_outcomes: Vec<String>,
    /// Output options (`--keep-timeseries`, memory budget).
    pub output: OutputOptions,
    /// fsync each run file (default true; false only for tests and benches on slow disks).
    pub durable: bool,
    /// Version of the calling tool, recorded and checked on resume.
    pub tool_version: String,
    /// The calling tool's build (git revision), recorded, and checked on resume.
    pub build: Build,
    /// The command line, recorded in the manifest.
    pub command_line: Vec<String>,
}

impl BatchOptions {
    /// Defaults: plain MC, all cores, no shard, no resume, durable, this crate's version.
    pub fn new(out: impl Into<PathBuf>, runs: u64, master_seed: u64) -> Self {
        BatchOptions {
            out: out.into(),
            runs,
            master_seed,
            threads: None,
            design: Design::Mc,
            replicates: 1,
            shard: None,
            resume: false,
            until_rel_halfwidth: None,
            stop_outcomes: Vec::new(),
            output: OutputOptions::default(),
            durable: true,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            build: Build::default(),
            command_line: Vec::new(),
        }
    }
}

/// What a batch or merge did.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchReport {
    /// The batch directory.
    pub dir: PathBuf,
    /// Runs in the outputs.
    pub runs_in_outputs: u64,
    /// Runs executed by this call.
    pub runs_executed: u64,
    /// Runs found on disk and reused.
    pub runs_reused: u64,
    /// Where the stopping rule stopped the batch, if it did.
    pub stopped_at: Option<u64>,
    /// Whether all band quantiles are exact (false: sketches, see `bands.csv`).
    pub bands_exact: bool,
    /// The manifest as written.
    pub manifest: Manifest,
    /// The runs table as written to `runs.csv`.
    pub table: RunsTable,
    /// What the caller should tell the user: runs of builds that could not be
    /// told apart were resumed or merged ([`check_build`]).
    pub warnings: Vec<String>,
}

/// Builds a thread pool of `threads` workers (`None`: one per core).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| McError::Invalid(format!("cannot start {threads:?} worker threads: {e}")))
}

fn base_manifest<M: Model + ?Sized>(model: &M, o: &BatchOptions) -> Manifest {
    Manifest {
        format: MANIFEST_FORMAT,
        tool_version: o.tool_version.clone(),
        montecarlo_version: env!("CARGO_PKG_VERSION").to_string(),
        build: o.build.clone(),
        scenario_hash: identity_hash(&model.identity()),
        scenario_path: model.source(),
        scenario_files: model.files(),
        scenario_copy: crate::scenario_copy::plan(&model.sources()),
        master_seed: o.master_seed,
        design: o.design,
        replicates: o.replicates,
        runs: o.runs,
        shard: o.shard,
        until_rel_halfwidth: o.until_rel_halfwidth,
        stop_outcomes: o.stop_outcomes.clone(),
        parameters: model.parameters(),
        correlations: model.correlations(),
        crate_versions: crate_versions(),
        target: TARGET_TRIPLE.to_string(),
        rustc_version: crate::manifest::rustc_version(),
        build_profile: crate::manifest::build_profile(),
        rustflags: crate::manifest::rustflags(),
        math_fingerprint: Some(crate::manifest::math_fingerprint()),
        command_line: o.command_line.clone(),
        merged_from: Vec::new(),
        completed_runs: None,
        stopped_at: None,
        outputs: Some(OutputsRecord::of(&o.output)),
        eval: None,
    }
}

/// Refuses an output path that exists but is not a directory, before any run
/// is made (the commands create the directory later, once they know they
/// will write into it).
pub fn check_out_dir(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(McError::Invalid(format!(
            "{}: exists and is not a directory; --out must name a directory",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// Checks that `dir` may be used, writing nothing: refuses a directory
/// holding a batch unless resuming, one holding run files without a
/// manifest either way, and one without a manifest holding files a batch
/// writes ([`refuse_foreign_outputs`]: another command's or the user's); when resuming, checks the manifest matches and the
/// build ([`check_build`]), and records in `given` the build of all its runs.
/// Returns the warnings: another number of runs (an extended or cut batch),
/// and the build check's.
fn check_dir(dir: &Path, given: &mut Manifest, resume: bool) -> Result<Vec<String>> {
    let recorded = Manifest::read(dir)?;
    let mut warnings = Vec::new();
    match (recorded, resume) {
        (Some(rec), true) => {
            rec.check_resume(given, dir)?;
            if rec.runs != given.runs {
                warnings.push(format!(
                    "{}: the batch had {} runs, it now has {} (plain Monte Carlo: run i does not \
                     depend on the number of runs, so the outputs are those of a {}-run batch{})",
                    dir.display(),
                    rec.runs,
                    given.runs,
                    given.runs,
                    if given.runs < rec.runs {
                        "; the run files beyond it stay in runs/ and are not read"
                    } else {
                        ""
                    }
                ));
            }
            warnings.extend(check_build(&rec.build, &given.build, dir)?);
            given.build = rec.build.combine(&given.build);
            // Runs of an older build, whose maths is unknown, stay unknown.
            if rec.math_fingerprint.is_none() {
                given.math_fingerprint = None;
            }
            keep_scenario_copy(dir, &rec, given, &mut warnings);
            // A merged batch stays one: the shard directories it came from.
            given.merged_from = rec.merged_from;
        }
        (Some(_), false) => return Err(McError::AlreadyExists(dir.to_path_buf())),
        (None, _) if !list_runs(dir)?.is_empty() => {
            return Err(McError::RunsWithoutManifest(dir.to_path_buf()));
        }
        (None, true) => {
            return Err(McError::Invalid(format!(
                "{}: no manifest.json, nothing to resume",
                dir.display()
            )));
        }
        (None, false) => refuse_foreign_outputs(dir, "batch")?,
    }
    Ok(warnings)
}

/// What a resume records of the scenario's copy, with the batch's record
/// `rec` (the scenario hash already checked): resumed from the batch's own
/// copy (`DIR/scenario/…`), the recorded scenario file, its files and the
/// copy stay as recorded (the batch ran the user's file, not the copy); a
/// batch whose manifest records no copy (an older build's) but whose
/// directory holds a `scenario/` keeps it, and gets no copy, with a warning.
fn keep_scenario_copy(dir: &Path, rec: &Manifest, given: &mut Manifest, warnings: &mut Vec<String>) {
    let copy_dir = dir.join(crate::scenario_copy::SCENARIO_DIR);
    let from_copy = match (&given.scenario_path, std::fs::canonicalize(&copy_dir)) {
        (Some(p), Ok(c)) => Path::new(p).starts_with(c),
        _ => false,
    };
    if from_copy && rec.scenario_copy.is_some() {
        given.scenario_path = rec.scenario_path.clone();
        given.scenario_files = rec.scenario_files.clone();
        given.scenario_copy = rec.scenario_copy.clone();
    } else if rec.scenario_copy.is_none() && given.scenario_copy.is_some() && copy_dir.exists() {
        given.scenario_copy = None;
        warnings.push(format!(
            "{} holds a {}/ that its manifest does not record as the batch's copy of its scenario (written by an older build, or yours): it is left as it is, and no copy is kept",
            dir.display(),
            crate::scenario_copy::SCENARIO_DIR
        ));
    }
}

/// Makes `dir` ready for runs once [`check_dir`] and the check of the run
/// files it holds passed: creates `runs/`, removes stale temporary files,
/// writes the manifest `given`, incomplete until the outputs are rebuilt,
/// then the scenario's copy it records (from `sources`, the model's files).
fn prepare_dir(dir: &Path, given: &Manifest, sources: &[crate::scenario_copy::SourceText]) -> Result<()> {
    std::fs::create_dir_all(runs_dir(dir)).map_err(io_err(runs_dir(dir)))?;
    remove_stale_temps(dir)?;
    given.write(dir)?;
    write_scenario_copy(dir, given, sources)
}

/// Writes the scenario's copy `given` records into `dir`
/// ([`crate::scenario_copy::write`]) from `sources`; nothing when it
/// records none. A copy already there with the recorded texts is left as
/// it is (a resume from the copy itself reads those files).
pub(crate) fn write_scenario_copy(
    dir: &Path,
    given: &Manifest,
    sources: &[crate::scenario_copy::SourceText],
) -> Result<()> {
    let Some(copy) = &given.scenario_copy else {
        return Ok(());
    };
    if crate::scenario_copy::read(dir, copy).is_ok() {
        return Ok(());
    }
    let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
    crate::scenario_copy::write(dir, copy, &texts)
}

/// Whether every shard in `shard_dirs` was made with `--keep-timeseries`
/// (its manifest records it): then what one unsharded batch of theirs
/// writes includes `timeseries.csv`, and `aistack merge` keeps the series
/// unless told otherwise. `false` when any manifest is missing or says no.
pub fn shards_kept_series(shard_dirs: &[PathBuf]) -> Result<bool> {
    for d in shard_dirs {
        match Manifest::read(d)? {
            Some(m) if m.outputs.as_ref().is_some_and(|o| o.keep_timeseries) => {}
            _ => return Ok(false),
        }
    }
    Ok(!shard_dirs.is_empty())
}

/// Runs (or resumes) a batch of `model` into `opts.out`. See the module docs.
pub fn run_batch<M: Model + ?Sized>(
    model: &M,
    opts: &BatchOptions,
    progress: &dyn Progress,
) -> Result<BatchReport> {
    if opts.runs == 0 {
        return Err(McError::Invalid("--runs must be at least 1".into()));
    }
    opts.output.check()?;
    // Resuming with other arguments than the batch's is refused naming
    // the field that differs, before the arguments are judged on their own
    // (`--design mc` against a replicated batch read as a bad
    // `--replicates` the user never typed: review s18-rev-mc, finding 4);
    // checked again under the lock by `check_dir`.
    if opts.resume
        && let Some(rec) = Manifest::read(&opts.out)?
    {
        rec.check_resume(&base_manifest(model, opts), &opts.out)?;
    }
    check_replicates(opts.design, opts.runs, opts.replicates)?;
    if let Some(r) = opts.until_rel_halfwidth {
        if !(r.is_finite() && r > 0.0) {
            // `inf` is no "never stop": every half-width is within it, so
            // the batch would stop at its first check.
            let why = if r == f64::INFINITY {
                ": every interval is within an infinite target, so the batch would stop at its \
                 first check (100 runs); to run all --runs, leave the rule out"
            } else {
                ""
            };
            return Err(McError::Invalid(format!(
                "--until-rel-halfwidth must be a finite number > 0 (the relative 95 % half-width \
                 to stop at, e.g. 0.03 for 3 %), got {r}{why}"
            )));
        }
        // `K/1` is the whole batch, as no shard is (audit s30 econ: `--shard
        // 0/1` was refused, with the reason for a Latin hypercube).
        if opts.design != Design::Mc {
            return Err(McError::Invalid(
                "--until-rel-halfwidth works with plain MC only, without --shard (a Latin \
                 hypercube's strata, replicated or not, are laid out for all --runs, so it cannot \
                 stop part-way)"
                    .into(),
            ));
        }
        if let Some(s) = opts.shard.filter(|s| s.count > 1) {
            return Err(McError::Invalid(format!(
                "--until-rel-halfwidth works with plain MC only, without --shard (shard {s} would \
                 stop on its own runs, not on the batch's first N, so the shards would not merge \
                 into one stopped batch): run the batch unsharded, or shard it with a fixed --runs"
            )));
        }
    }
    if !opts.stop_outcomes.is_empty() && opts.until_rel_halfwidth.is_none() {
        return Err(McError::Invalid(
            "--stop-outcome chooses what --until-rel-halfwidth watches; give --until-rel-halfwidth too"
                .into(),
        ));
    }
    if let Some(c) = opts
        .stop_outcomes
        .iter()
        .find(|o| crate::outputs::is_categorical(opts.output.categories, o))
    {
        return Err(McError::Invalid(format!(
            "--stop-outcome `{c}` is a category (a code per run), which has no mean to converge; \
             watch a quantity"
        )));
    }
    let params = model.parameters();
    let sampler = Sampler::replicated(
        &params,
        &model.correlations(),
        opts.design,
        opts.master_seed,
        opts.runs,
        opts.replicates,
    )?;
    let dir = opts.out.as_path();
    check_out_dir(dir)?;
    if !opts.stop_outcomes.is_empty() {
        probe_stop_outcomes(model, opts, &sampler)?;
    }
    let mut manifest = base_manifest(model, opts);
    if !opts.resume {
        // Before the lock, whose file would be left in a directory refused
        // here (and `aistack run` then refuses it as holding a foreign
        // `.lock`); `check_dir` checks again under the lock.
        refuse_foreign_outputs(dir, "batch")?;
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    // One writer per directory, held until the batch is finished; taken
    // before anything in it is removed or written. A directory that does
    // not exist has nothing to resume (refused by `check_dir`).
    let _lock = if dir.is_dir() { Some(lock_dir(dir)?) } else { None };
    let warnings: Vec<String> = check_dir(dir, &mut manifest, opts.resume)?;
    let shard = opts.shard.unwrap_or(Shard { index: 0, count: 1 });
    let done = list_runs(dir)?;
    let pool = thread_pool(opts.threads)?;
    // Run indices are walked lazily, a chunk at a time, never listed whole:
    // `--runs` may be a generous cap that the stopping rule never reaches
    // (10^9), so memory follows the runs done, not the runs asked for.
    let wanted = |range: std::ops::Range<u64>| range.filter(move |&i| shard.contains(i));
    // `done` is ordered: the runs reused, in run order.
    let reused_runs: Vec<u64> = done
        .iter()
        .copied()
        .filter(|&i| i < opts.runs && shard.contains(i))
        .collect();
    let reused = reused_runs.len() as u64;
    if reused > 0 {
        progress.phase(&format!(
            "checking the {reused} run files already in {}",
            dir.display()
        ));
    }
    pool.install(|| {
        check_reused_runs(
            dir,
            &reused_runs,
            Some(opts.master_seed),
            MadeWith {
                scenario: &manifest.scenario_hash,
                math: manifest.math_fingerprint.as_deref(),
            },
            &params,
            Some(&sampler),
            |_| {
                format!(
                    "move it out of {} and resume again (the run is then computed anew)",
                    runs_dir(dir).display()
                )
            },
        )
    })?;
    // Only now, with every check passed, is the directory written: a
    // refused resume leaves it as it was (a finished batch stays finished).
    prepare_dir(dir, &manifest, &model.sources())?;
    progress.start(runs_in_shard(opts.runs, shard), reused);
    let scenario = manifest.scenario_hash.clone();
    let compute = |i: u64| -> Result<RunRecord> {
        let seed = run_seed(opts.master_seed, i);
        let values = sampler.draw(i);
        let result = model
            .run(seed, &values)
            .map_err(|source| McError::Model { run: i, seed, source })?;
        let params = params
            .iter()
            .zip(&values)
            .map(|(p, &v)| (p.path.clone(), v))
            .collect();
        Ok(RunRecord {
            run: i,
            seed,
            params,
            scenario: scenario.clone(),
            result,
        })
    };
    let mut executed = 0u64;
    let mut stopped_at = None;
    match opts.until_rel_halfwidth {
        None => {
            for chunk in chunks(0..opts.runs, RUN_CHUNK) {
                let todo: Vec<u64> = wanted(chunk).filter(|i| !done.contains(i)).collect();
                execute_runs(&pool, &todo, dir, opts.durable, progress, &compute)?;
                executed += todo.len() as u64;
            }
        }
        Some(target) => {
            let mut outcomes: Vec<(String, Vec<f64>)> = Vec::new();
            for chunk in chunks(0..opts.runs, STOP_CHUNK) {
                let (start, end) = (chunk.start, chunk.end);
                let todo: Vec<u64> = (start..end).filter(|i| !done.contains(i)).collect();
                execute_runs(&pool, &todo, dir, opts.durable, progress, &compute)?;
                executed += todo.len() as u64;
                for i in start..end {
                    collect_scalars(
                        &read_run(&run_file_path(dir, i))?.result.scalars,
                        i,
                        &mut outcomes,
                    );
                }
                if start == 0 {
                    check_stop_outcomes(&opts.stop_outcomes, &outcomes, end, dir, opts.output.categories)?;
                }
                if end < opts.runs
                    && stop_reached(&outcomes, &opts.stop_outcomes, target, opts.output.categories)
                {
                    stopped_at = Some(end);
                    break;
                }
            }
        }
    }
    progress.finish();
    let last = stopped_at.unwrap_or(opts.runs);
    let final_runs: Vec<u64> = wanted(0..last).collect();
    progress.phase(&rebuild_phase(final_runs.len()));
    let replication = Replication::of(opts.design, opts.runs, opts.replicates);
    let report =
        pool.install(|| rebuild_outputs(dir, &final_runs, &opts.output, opts.design, replication))?;
    manifest.completed_runs = Some(final_runs.len() as u64);
    manifest.stopped_at = stopped_at;
    manifest.write(dir)?;
    sync_dir(dir);
    Ok(BatchReport {
        dir: dir.to_path_buf(),
        runs_in_outputs: final_runs.len() as u64,
        runs_executed: executed,
        runs_reused: reused.min(final_runs.len() as u64),
        stopped_at,
        bands_exact: report.bands_exact,
        manifest,
        table: report.table,
        warnings,
    })
}

/// Runs handed to the workers at a time by a batch without a stopping rule:
/// the list of a chunk's indices is all that is held of the runs to come
/// (512 KiB), and the workers wait for each other once a chunk.
const RUN_CHUNK: u64 = 1 << 16;

/// Runs between two checks of the stopping rule (`until_rel_halfwidth`).
const STOP_CHUNK: u64 = crate::convergence::STOP_BLOCK;

/// The consecutive ranges of at most `size` indices that cover `runs` in
/// order, each index once: `a..a+size`, `a+size..a+2·size`, …, the last one
/// cut at `runs.end`. A range's end saturates at `u64::MAX` instead of
/// overflowing. `size` must not be 0.
fn chunks(runs: std::ops::Range<u64>, size: u64) -> impl Iterator<Item = std::ops::Range<u64>> {
    let end = runs.end;
    runs.step_by(size as usize)
        .map(move |start| start..start.saturating_add(size).min(end))
}

/// `dir` as an absolute path without `.`, `..` or symbolic links (as given
/// when it cannot be resolved): how a merge records its shards.
fn canonical_name(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

/// How many of the runs `0..runs` fall to `shard`.
fn runs_in_shard(runs: u64, shard: Shard) -> u64 {
    if shard.index >= runs {
        0
    } else {
        (runs - 1 - shard.index) / shard.count + 1
    }
}

/// Refuses a run file among `runs` (in `dir`) that is not the batch's:
/// its checksum must hold, and its recorded run index, seed
/// (`run_seed(master_seed, i)`; not checked when `master_seed` is `None`,
/// for an eval whose design gives each row's seed), scenario (`batch.scenario`,
/// the manifest's `scenario_hash`) and, when the design draws them (`sampler`), parameter
/// values must be those the batch gives it ([`check_run_inputs`];
/// `batch.math`, the manifest's maths library fingerprint, names the cause
/// of a value that differs in its last bits). Reads
/// the files in parallel on the current rayon pool; the first bad file in
/// run order is named, with `what_to_do(run)`.
fn check_reused_runs(
    dir: &Path,
    runs: &[u64],
    master_seed: Option<u64>,
    batch: MadeWith<'_>,
    params: &[crate::model::ParamSpec],
    sampler: Option<&Sampler>,
    what_to_do: impl Fn(u64) -> String + Sync,
) -> Result<()> {
    let checks: Vec<Result<()>> = runs
        .par_iter()
        .map(|&i| {
            let expected: Option<Vec<(String, f64)>> =
                sampler.map(|s| params.iter().map(|p| p.path.clone()).zip(s.draw(i)).collect());
            let path = run_file_path(dir, i);
            let Some(master_seed) = master_seed else {
                let what_to_do = what_to_do(i);
                let recorded =
                    read_run_inputs(&path).map_err(|e| McError::Invalid(format!("{e}; {what_to_do}")))?;
                let seed = recorded.seed;
                let expected = expected.as_deref();
                return check_recorded_inputs(&path, &recorded, i, seed, batch, expected, &what_to_do);
            };
            check_run_inputs(
                &path,
                i,
                run_seed(master_seed, i),
                batch,
                expected.as_deref(),
                &what_to_do(i),
            )
        })
        .collect();
    checks.into_iter().collect()
}

/// Computes the runs `todo` on `pool` and stores each durably as it finishes.
///
/// Workers compute and encode; one writer thread writes, fsyncs and renames
/// each run file, so no worker waits on the disk (an fsync costs 10–20 ms on
/// a busy VM, 5–10 % of a run). The channel holds at most two finished runs
/// per worker, which bounds memory when the disk is slower than the workers.
/// All run files are on disk when this returns.
fn execute_runs(
    pool: &rayon::ThreadPool,
    todo: &[u64],
    dir: &Path,
    durable: bool,
    progress: &dyn Progress,
    compute: &(dyn Fn(u64) -> Result<RunRecord> + Sync),
) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<(u64, Vec<u8>)>(2 * pool.current_num_threads());
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<()> {
            for (run, bytes) in rx {
                write_atomic(&run_file_path(dir, run), &bytes, durable)?;
                progress.run_finished();
            }
            Ok(())
        });
        let work = pool.install(|| {
            todo.par_iter().try_for_each_with(tx, |tx, &i| {
                let rec = compute(i)?;
                validate_record(&rec)?;
                tx.send((i, encode_run(&rec)))
                    .map_err(|_| McError::Invalid("the run writer stopped".into()))
            })
        });
        // The writer's own error is the cause when workers found it gone.
        writer
            .join()
            .unwrap_or_else(|_| Err(McError::Invalid("the run writer panicked".into())))?;
        work
    })
}

/// Runs the batch's first run (its seed and point; the batch runs it again,
/// so this costs one run) before anything else, and refuses a watched
/// outcome it lacks unless the model declares that outcome conditional
/// ([`Model::conditional_outcome`]): a misspelt `--stop-outcome` is refused
/// with the closest name before any directory is created. An outcome every
/// run reports is never refused here. A conditional outcome the first run
/// lacks is checked after the first block ([`check_stop_outcomes`]).
fn probe_stop_outcomes<M: Model + ?Sized>(model: &M, opts: &BatchOptions, sampler: &Sampler) -> Result<()> {
    let seed = run_seed(opts.master_seed, 0);
    let result = model
        .run(seed, &sampler.draw(0))
        .map_err(|source| McError::Model { run: 0, seed, source })?;
    let names: Vec<&str> = result.scalars.iter().map(|(n, _)| n.as_str()).collect();
    // The candidates offered: quantities only, as a category is refused.
    let eligible = watchable(&names, opts.output.categories);
    let unknown: Vec<String> = opts
        .stop_outcomes
        .iter()
        .filter(|w| !names.contains(&w.as_str()) && model.conditional_outcome(w).is_none())
        .map(|w| {
            let near = stack::error::did_you_mean(w, eligible.iter().copied())
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            format!("`{w}`{near}")
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(McError::Invalid(format!(
        "--stop-outcome: the batch's first run reports no {}, so the stopping rule could not watch it; \
         nothing else was run. Besides its categories, which have no mean to watch, the first run \
         reports{}",
        unknown.join(", "),
        crate::error::reported_outcomes(&eligible)
    )))
}

/// The outcomes among `names` that `--stop-outcome` accepts: those that are
/// not categorical under `categories` (a category has no mean to converge).
fn watchable<'a>(names: &[&'a str], categories: Option<crate::outputs::Categories>) -> Vec<&'a str> {
    names
        .iter()
        .copied()
        .filter(|n| !crate::outputs::is_categorical(categories, n))
        .collect()
}

/// Refuses a watched outcome that none of the first `runs` runs reported
/// (a conditional outcome none of them had), listing the quantities they
/// did (not the categories, which `--stop-outcome` refuses).
fn check_stop_outcomes(
    watch: &[String],
    outcomes: &[(String, Vec<f64>)],
    runs: u64,
    dir: &Path,
    categories: Option<crate::outputs::Categories>,
) -> Result<()> {
    let unknown: Vec<&str> = watch
        .iter()
        .filter(|w| !outcomes.iter().any(|(n, _)| n == *w))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = outcomes.iter().map(|(n, _)| n.as_str()).collect();
    let known = watchable(&names, categories);
    Err(McError::Invalid(format!(
        "--stop-outcome: no run among the first {runs} reports {}; besides their categories they \
         report{}. The {runs} runs in {} are kept but the batch is not finished; start it again in a \
         new directory",
        unknown
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", "),
        crate::error::reported_outcomes(&known),
        dir.display()
    )))
}

/// Appends one run's scalars to per-outcome value lists; an outcome first seen at
/// run `i` starts there (earlier runs lacked it).
fn collect_scalars(scalars: &[(String, f64)], _run: u64, outcomes: &mut Vec<(String, Vec<f64>)>) {
    for (name, v) in scalars {
        match outcomes.iter_mut().find(|(n, _)| n == name) {
            Some((_, vals)) => vals.push(*v),
            None => outcomes.push((name.clone(), vec![*v])),
        }
    }
}

/// Refuses to merge shard `d` (manifest `m`) with the first one, `first_dir`
/// (`first`), when one is an eval's and the other a batch's, or both are
/// evals of different design files (by [`crate::EvalRecord::design_hash`])
/// or with parameters without a column set otherwise (`--others`). Other
/// differences (scenario, seed, versions) are named by the identity fields.
fn check_same_kind(first_dir: &Path, first: &Manifest, d: &Path, m: &Manifest) -> Result<()> {
    let kind = |m: &Manifest| match &m.eval {
        Some(e) => format!("`aistack eval` of the design {}", e.design_file),
        None => format!("`aistack batch` (design {})", m.design),
    };
    let (a, b) = match (&first.eval, &m.eval) {
        (None, None) => return Ok(()),
        (Some(a), Some(b)) => (a, b),
        _ => {
            return Err(McError::Merge(format!(
                "{} is a shard of an {}, {} of an {}: the shards merged must be those of one batch, \
                 or of one eval",
                first_dir.display(),
                kind(first),
                d.display(),
                kind(m)
            )));
        }
    };
    let design = |e: &crate::EvalRecord, m: &Manifest| {
        format!(
            "{} ({} rows, {})",
            e.design_file,
            m.runs,
            e.design_hash.as_deref().unwrap_or("hash not recorded")
        )
    };
    if a.design_hash != b.design_hash || first.runs != m.runs {
        return Err(McError::Merge(format!(
            "the design differs: {} evaluated {}, {} evaluated {}: the shards of one eval \
             evaluate the same design file; evaluate each shard of one design",
            first_dir.display(),
            design(a, first),
            d.display(),
            design(b, m)
        )));
    }
    // `--others` matters only where some parameter had no design column.
    let sets_nothing = |e: &crate::EvalRecord| e.others_parameters.is_empty();
    if a.others != b.others && !(sets_nothing(a) && sets_nothing(b)) {
        let others = |o: Option<crate::Others>| o.map_or("not given".to_string(), |o| format!("{o}"));
        return Err(McError::Merge(format!(
            "`--others` differs: {} set the parameters without a design column by {}, {} by {}",
            first_dir.display(),
            others(a.others),
            d.display(),
            others(b.others)
        )));
    }
    Ok(())
}

/// Options of `aistack merge`.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeOptions {
    /// The shard directories, each a finished `--shard K/M` batch.
    pub shard_dirs: Vec<PathBuf>,
    /// The merged batch directory (must not hold a batch).
    pub out: PathBuf,
    /// Output options (`--keep-timeseries`, memory budget).
    pub output: OutputOptions,
    /// The command line, recorded in the manifest.
    pub command_line: Vec<String>,
    /// The merging tool's build: a shard computed by another git revision is
    /// refused ([`check_build`]).
    pub build: Build,
    /// Worker threads reading the run files back (`--threads`); `None` uses
    /// every core. The outputs do not depend on it.
    pub threads: Option<usize>,
}

/// Merges finished shard directories into what one unsharded batch writes.
/// Each shard directory is locked while it is read ([`McError::Busy`] for
/// one another process is writing), as is the output directory.
pub fn merge(opts: &MergeOptions) -> Result<BatchReport> {
    opts.output.check()?;
    let first_dir = opts
        .shard_dirs
        .first()
        .ok_or_else(|| McError::Merge("no shard directories given".into()))?;
    // Before any lock: an --out that is a shard would be locked twice by
    // this process and be blamed on another one.
    if let Ok(out) = std::fs::canonicalize(&opts.out)
        && let Some(d) = opts
            .shard_dirs
            .iter()
            .find(|d| std::fs::canonicalize(d).is_ok_and(|d| d == out))
    {
        return Err(McError::Merge(format!(
            "--out {} is one of the shards being merged ({}): the merged batch needs a \
             directory of its own; choose another --out",
            opts.out.display(),
            d.display()
        )));
    }
    // Each shard locked until its runs are copied: a shard being resumed now
    // is refused (naming it), not merged half-written. A directory given
    // twice is locked once, so it is refused below as a repeated shard.
    let mut shard_locks: Vec<(PathBuf, Option<crate::lock::DirLock>)> = Vec::new();
    for d in &opts.shard_dirs {
        let key = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
        if d.is_dir() && !shard_locks.iter().any(|(k, _)| k == &key) {
            let lock = crate::lock::lock_dir_to_read(d)?;
            shard_locks.push((key, lock));
        }
    }
    let mut manifests = Vec::new();
    for d in &opts.shard_dirs {
        // Audit s30 econ: a shard directory that does not exist (a typo, or
        // a task that never ran) was refused as having no manifest.json.
        if !d.exists() {
            return Err(McError::Merge(format!(
                "{} does not exist: give the --out directory of each shard (a shard whose task \
                 never ran must be run first)",
                d.display()
            )));
        }
        if !d.is_dir() {
            return Err(McError::Merge(format!(
                "{} is not a directory: give the --out directory of each shard",
                d.display()
            )));
        }
        let Some(m) = Manifest::read(d)? else {
            // An interrupted eval has run files and no manifest yet.
            let unfinished = if list_runs(d)?.is_empty() {
                ""
            } else {
                " (run files without one: an unfinished `aistack eval`, which the same command \
                 with --resume finishes)"
            };
            return Err(McError::Merge(format!(
                "{} has no manifest.json{unfinished}",
                d.display()
            )));
        };
        if m.completed_runs.is_none() {
            return Err(McError::Merge(format!(
                "{} is not finished (resume it first: `aistack batch --resume {}`)",
                d.display(),
                d.display()
            )));
        }
        manifests.push(m);
    }
    let first = &manifests[0];
    for (d, m) in opts.shard_dirs.iter().zip(&manifests).skip(1) {
        check_same_kind(first_dir, first, d, m)?;
        if let (Some(a), Some(b)) = (&first.build.git_revision, &m.build.git_revision)
            && a != b
        {
            return Err(McError::Merge(format!(
                "`git_revision` differs: {} was computed by {}, {} by {}",
                first_dir.display(),
                first.build.describe(),
                d.display(),
                m.build.describe()
            )));
        }
        for ((field, a), (_, b)) in first
            .identity_fields(false)
            .into_iter()
            .zip(m.identity_fields(false))
        {
            if a != b {
                return Err(McError::Merge(format!(
                    "`{field}` differs: {} has {a}, {} has {b}",
                    first_dir.display(),
                    d.display()
                )));
            }
        }
    }
    // One maths library for every shard (where recorded), and this
    // machine's: the merge checks each run file's drawn values with it.
    let recorded_math = manifests
        .iter()
        .zip(&opts.shard_dirs)
        .find_map(|(m, d)| m.math_fingerprint.as_deref().map(|f| (f, d)));
    if let Some((f, fd)) = recorded_math {
        for (d, m) in opts.shard_dirs.iter().zip(&manifests) {
            if let Some(g) = m.math_fingerprint.as_deref()
                && g != f
            {
                return Err(McError::Merge(format!(
                    "`math_fingerprint` differs: {} ran where the maths library's fingerprint is \
                     {f}, {} where it is {g}: the two builds' maths give different last bits \
                     (another build's maths: one from before aistack computed its own, when glibc \
                     picked its exp/log/pow code by CPU feature, another libm version, or a \
                     miscompile), so the shards' runs are not those of one batch; run shard {} \
                     again with a build whose fingerprint is {f} (`aistack validate SCENARIO \
                     --print-math-fingerprint` prints a build's), then merge",
                    fd.display(),
                    d.display(),
                    m.shard.map_or_else(|| "0/1".to_string(), |s| s.to_string())
                )));
            }
        }
        check_math(Some(f), fd, crate::error::MathRefused::Merge)?;
    }
    // Every shard against the merging binary: then all known revisions are one.
    // The record: the shards' builds in shard order, then the merging one
    // (`builds` lists them in the order met; review s24 F5).
    let mut warnings = Vec::new();
    let mut shards_build: Option<Build> = None;
    for (d, m) in opts.shard_dirs.iter().zip(&manifests) {
        warnings.extend(check_build(&m.build, &opts.build, d)?);
        shards_build = Some(match shards_build {
            None => m.build.clone(),
            Some(b) => b.combine(&m.build),
        });
    }
    let build = shards_build.map_or_else(|| opts.build.clone(), |b| b.combine(&opts.build));
    let count = first.shard.map_or(1, |s| s.count);
    // Keyed by shard index, so memory follows the directories given, not
    // the recorded shard count (which a manifest may set to anything).
    let mut seen: std::collections::BTreeMap<u64, &Path> = std::collections::BTreeMap::new();
    for (d, m) in opts.shard_dirs.iter().zip(&manifests) {
        let s = m.shard.unwrap_or(Shard { index: 0, count: 1 });
        if s.count != count || s.index >= s.count {
            return Err(McError::Merge(format!(
                "{} is shard {s}, others are of {count}",
                d.display()
            )));
        }
        if let Some(other) = seen.insert(s.index, d) {
            return Err(McError::Merge(format!(
                "shard {s} given twice: {} and {}",
                other.display(),
                d.display()
            )));
        }
    }
    let missing_count = count - seen.len() as u64;
    if missing_count > 0 {
        // The first few missing, found among the first `given + 10` indices.
        const NAMED: usize = 10;
        let named: Vec<String> = (0..count)
            .filter(|k| !seen.contains_key(k))
            .take(NAMED)
            .map(|k| format!("{k}/{count}"))
            .collect();
        let more = if missing_count > named.len() as u64 {
            format!(" and {} more", missing_count - named.len() as u64)
        } else {
            String::new()
        };
        return Err(McError::Merge(format!(
            "missing shard(s) {}{more}",
            named.join(", ")
        )));
    }
    let out = opts.out.as_path();
    // Before the lock (see `run_batch`), then again under it.
    refuse_foreign_outputs(out, "merge")?;
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    let _lock = lock_dir(out)?;
    // Audit s20-econ #9: the same merge run again finishes one that was
    // interrupted (its manifest names these shards, records the same
    // batch and outputs, and has no `completed_runs`): the run files are
    // copied again from the shards and the outputs rebuilt, as an
    // uninterrupted merge does. Anything else already there is refused,
    // saying how to finish it.
    // Recorded canonicalised, and compared as a set of canonical paths: the
    // same shards, given in another order or spelling (relative or absolute,
    // a trailing slash), finish the same merge (audit s23-repro, F6).
    let merged_from: Vec<String> = opts.shard_dirs.iter().map(|d| canonical_name(d)).collect();
    let as_set = |v: &[String]| {
        v.iter()
            .map(|p| canonical_name(Path::new(p)))
            .collect::<std::collections::BTreeSet<String>>()
    };
    let finishing = match Manifest::read(out)? {
        None => false,
        Some(m)
            if m.completed_runs.is_none()
                && as_set(&m.merged_from) == as_set(&merged_from)
                && m.identity_fields(false) == first.identity_fields(false)
                && m.outputs.as_ref() == Some(&OutputsRecord::of(&opts.output)) =>
        {
            true
        }
        Some(m) => {
            let d = out.display();
            return Err(McError::Merge(
                match (m.completed_runs, m.merged_from.is_empty()) {
                    (Some(_), _) => {
                        format!("{d} already holds a finished batch (manifest.json): choose another --out")
                    }
                    (None, false) => format!(
                        "{d} holds an interrupted merge of other shards or output options (its \
                     manifest.json's `merged_from`: {}): finish that one with `aistack batch \
                     --resume {d}` or by running its merge command again, or choose another --out",
                        m.merged_from.join(", ")
                    ),
                    (None, true) => format!(
                        "{d} holds an interrupted `aistack batch`: finish it with `aistack batch \
                     --resume {d}`, or choose another --out"
                    ),
                },
            ));
        }
    };
    if finishing {
        remove_stale_temps(out)?;
    } else {
        if !list_runs(out)?.is_empty() {
            return Err(McError::RunsWithoutManifest(out.to_path_buf()));
        }
        refuse_foreign_outputs(out, "merge")?;
    }
    std::fs::create_dir_all(runs_dir(out)).map_err(io_err(runs_dir(out)))?;
    // Every run file is the batch's (seed, and drawn values): a file copied
    // in from another batch would otherwise change the merged outputs.
    let sampler = match first.design {
        Design::Mc | Design::Lhs => Some(Sampler::replicated(
            &first.parameters,
            &first.correlations,
            first.design,
            first.master_seed,
            first.runs,
            first.replicates,
        )?),
        Design::External => None,
    };
    let mut copies = Vec::new();
    for (d, m) in opts.shard_dirs.iter().zip(&manifests) {
        let s = m.shard.unwrap_or(Shard { index: 0, count: 1 });
        let runs: Vec<u64> = list_runs(d)?
            .into_iter()
            .filter(|&i| s.contains(i) && i < first.runs)
            .collect();
        // An eval with a `seed` column ran each row with its row's seed,
        // which only the design file says: not checked here (the eval
        // checked it, and the scenario and checksum still are).
        let seeds_from_design = first.eval.as_ref().is_some_and(|e| e.seed_column);
        check_reused_runs(
            d,
            &runs,
            (!seeds_from_design).then_some(first.master_seed),
            MadeWith {
                scenario: &m.scenario_hash,
                math: m.math_fingerprint.as_deref(),
            },
            &first.parameters,
            sampler.as_ref(),
            |_| {
                if m.eval.is_some() {
                    format!(
                        "evaluate shard {s} of the design again into a new directory (`aistack eval \
                         SCENARIO --design FILE --shard {s} --out NEW`), then merge with that one"
                    )
                } else {
                    format!(
                        "move it out of {} and finish that directory again with `aistack batch --resume {}` \
                         (the run is then computed anew), then merge",
                        runs_dir(d).display(),
                        d.display()
                    )
                }
            },
        )?;
        copies.push((d, runs));
    }
    let scenario_copy = merged_scenario_copy(&opts.shard_dirs, &manifests)?;
    let output = &opts.output;
    let mut manifest = first.clone();
    manifest.scenario_copy = scenario_copy.as_ref().map(|(c, _)| c.clone());
    manifest.shard = None;
    manifest.completed_runs = None;
    manifest.command_line = opts.command_line.clone();
    manifest.merged_from = merged_from;
    manifest.build = build;
    if manifests.iter().any(|m| m.math_fingerprint.is_none()) {
        // A shard of an older build: its maths is unknown.
        manifest.math_fingerprint = None;
    }
    manifest.outputs = Some(OutputsRecord::of(output));
    manifest.write(out)?;
    if let Some((copy, texts)) = &scenario_copy {
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        crate::scenario_copy::write(out, copy, &texts)?;
    }
    for (d, runs) in copies {
        for i in runs {
            let (src, dst) = (run_file_path(d, i), run_file_path(out, i));
            let tmp = dst.with_file_name(format!(".merge-{i}.tmp-{}", std::process::id()));
            // A hard link where the shard is on the same file system: a run
            // file is never changed in place (every write is a new file
            // renamed over it), so the two names cannot diverge, and the
            // merged batch costs no second copy of its runs on disk (4.6 GB
            // for 10,000 china-2025 runs: audit s23-scale, F5). A copy
            // otherwise.
            let _ = std::fs::remove_file(&tmp);
            link_or_copy(&src, &tmp)?;
            std::fs::rename(&tmp, &dst).map_err(io_err(&dst))?;
            // A rename onto a link to the same file (a merge finished again
            // after an interruption) succeeds and leaves `tmp` in place.
            let _ = std::fs::remove_file(&tmp);
        }
    }
    sync_dir(&runs_dir(out));
    // Everything needed from the shards is copied.
    drop(shard_locks);
    let present = list_runs(out)?;
    let runs: Vec<u64> = (0..first.runs).collect();
    if let Some(i) = runs.iter().find(|i| !present.contains(i)) {
        return Err(McError::Merge(format!("run {i} is in no shard directory")));
    }
    let replication = Replication::of(manifest.design, manifest.runs, manifest.replicates);
    let report = thread_pool(opts.threads)?
        .install(|| rebuild_outputs(out, &runs, output, manifest.design, replication))?;
    manifest.completed_runs = Some(runs.len() as u64);
    manifest.write(out)?;
    Ok(BatchReport {
        dir: out.to_path_buf(),
        runs_in_outputs: runs.len() as u64,
        runs_executed: 0,
        runs_reused: runs.len() as u64,
        stopped_at: None,
        bands_exact: report.bands_exact,
        manifest,
        table: report.table,
        warnings,
    })
}

/// The scenario's copy a merge writes once into its directory: the first
/// shard's that records one (`scenario/`, [`crate::scenario_copy`]), with
/// its texts, each checked against its recorded hash. Every shard that
/// records a copy must record the same one (the same files at the same
/// places), else the merge is refused naming both; shards of older builds
/// record none. `None` when no shard does.
fn merged_scenario_copy(
    dirs: &[PathBuf],
    manifests: &[Manifest],
) -> Result<Option<(crate::scenario_copy::ScenarioCopy, Vec<String>)>> {
    let mut recorded = dirs
        .iter()
        .zip(manifests)
        .filter_map(|(d, m)| m.scenario_copy.as_ref().map(|c| (d, c)));
    let Some((first_dir, copy)) = recorded.next() else {
        return Ok(None);
    };
    for (d, c) in recorded {
        if c != copy {
            let files = |c: &crate::scenario_copy::ScenarioCopy| {
                c.files
                    .iter()
                    .map(|f| format!("{} ({})", f.path, f.hash))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(McError::Merge(format!(
                "`scenario_copy` differs: {} keeps its scenario as {}, {} as {}: the shards of one                  batch are started with one command (the same scenario file); run the odd shard                  again with the first's command, then merge",
                first_dir.display(),
                files(copy),
                d.display(),
                files(c)
            )));
        }
    }
    let texts = crate::scenario_copy::read(first_dir, copy).map_err(|e| {
        McError::Merge(format!(
            "{e}: the merge copies the scenario from {}; restore its copy (`aistack batch --resume              {}` writes it again from the scenario file), then merge",
            first_dir.display(),
            first_dir.display()
        ))
    })?;
    Ok(Some((copy.clone(), texts)))
}

/// Puts a shard's run file `src` at `tmp` (in the merged batch's `runs/`):
/// a hard link where both are on one file system, else a copy made as
/// durable as a batch's own run files ([`copy_durably`]).
fn link_or_copy(src: &Path, tmp: &Path) -> Result<()> {
    if std::fs::hard_link(src, tmp).is_ok() {
        return Ok(());
    }
    copy_durably(src, tmp)
}

/// Copies `src` to `dst` and fsyncs `dst`, as a batch's run files are
/// written (`store::write_run`), so a merge that returned holds every run
/// file on disk. An error reading names `src`, one creating or writing
/// names `dst`: a full disk under the merged batch is reported there, not
/// at the shard it was copied from (audit s26-econ F3).
fn copy_durably(src: &Path, dst: &Path) -> Result<()> {
    use std::io::{ErrorKind, Read, Write};
    let mut from = std::fs::File::open(src).map_err(io_err(src))?;
    let mut to = std::fs::File::create(dst).map_err(io_err(dst))?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let k = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(src)(e)),
        };
        to.write_all(&buf[..k]).map_err(io_err(dst))?;
    }
    to.sync_all().map_err(io_err(dst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Range;

    /// `chunks(runs, size)` covers `runs` exactly once, in order, with no
    /// gap or overlap; every range but the last holds `size` indices.
    fn check_cover(runs: Range<u64>, size: u64) -> Vec<Range<u64>> {
        let got: Vec<Range<u64>> = chunks(runs.clone(), size).collect();
        let mut next = runs.start;
        for (k, c) in got.iter().enumerate() {
            assert_eq!(
                c.start, next,
                "gap or overlap before chunk {k} of {runs:?}: {got:?}"
            );
            assert!(c.start < c.end, "empty chunk {k} of {runs:?}: {c:?}");
            if k + 1 < got.len() {
                assert_eq!(c.end - c.start, size, "short chunk {k} of {runs:?}: {c:?}");
            } else {
                assert!(c.end - c.start <= size, "long last chunk of {runs:?}: {c:?}");
            }
            next = c.end;
        }
        assert_eq!(next, runs.end, "{runs:?} not covered to its end: {got:?}");
        let n = runs.end - runs.start;
        assert_eq!(got.len() as u64, n.div_ceil(size), "chunks of {runs:?}");
        got
    }

    /// The chunks as (start, end) pairs.
    fn bounds(runs: Range<u64>, size: u64) -> Vec<(u64, u64)> {
        chunks(runs, size).map(|c| (c.start, c.end)).collect()
    }

    /// A batch crosses the RUN_CHUNK boundary as it should: 0..N is covered
    /// once, in order, for N on both sides of one and of several chunks.
    #[test]
    fn chunks_cover_a_batch_once_in_order_across_the_chunk_boundary() {
        for n in [0, 1, 65_535, 65_536, 65_537, 200_000] {
            let got = check_cover(0..n, RUN_CHUNK);
            let flat: Vec<u64> = got.iter().cloned().flatten().collect();
            assert!(flat.iter().copied().eq(0..n), "N = {n}");
        }
        assert!(chunks(0..0, RUN_CHUNK).next().is_none());
        assert_eq!(bounds(0..1, RUN_CHUNK), [(0, 1)]);
        assert_eq!(bounds(0..65_535, RUN_CHUNK), [(0, 65_535)]);
        assert_eq!(bounds(0..65_536, RUN_CHUNK), [(0, 65_536)]);
        assert_eq!(bounds(0..65_537, RUN_CHUNK), [(0, 65_536), (65_536, 65_537)]);
        assert_eq!(
            bounds(0..200_000, RUN_CHUNK),
            [
                (0, 65_536),
                (65_536, 131_072),
                (131_072, 196_608),
                (196_608, 200_000)
            ]
        );
        // The stopping rule's chunks.
        assert_eq!(bounds(0..250, STOP_CHUNK), [(0, 100), (100, 200), (200, 250)]);
    }

    /// Near `u64::MAX` a chunk's end saturates instead of overflowing (the
    /// test profile checks overflow, so `start + size` would panic here).
    #[test]
    fn chunks_do_not_overflow_near_u64_max() {
        let max = u64::MAX;
        assert_eq!(bounds(max - 5..max, RUN_CHUNK), [(max - 5, max)]);
        assert_eq!(bounds(max - 1..max, STOP_CHUNK), [(max - 1, max)]);
        check_cover(max - 5..max, RUN_CHUNK);
        check_cover(max - 2 * RUN_CHUNK - 3..max, RUN_CHUNK);
        check_cover(max - 1_000..max, STOP_CHUNK);
        check_cover(max - 999..max, STOP_CHUNK);
        // The first chunks of the largest batch are whole ones.
        assert_eq!(
            chunks(0..max, RUN_CHUNK)
                .take(2)
                .map(|c| (c.start, c.end))
                .collect::<Vec<_>>(),
            [(0, RUN_CHUNK), (RUN_CHUNK, 2 * RUN_CHUNK)]
        );
    }

    /// Audit s26-econ F3: a run file that cannot be linked is copied, and a
    /// copy that cannot be written names the file being written, not the
    /// shard's file it was read from (a full merged disk was reported as the
    /// shard's "No space left on device"); one that cannot be read names the
    /// source. A copy has the source's bytes.
    #[test]
    fn a_failed_copy_names_the_file_it_could_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("run-000000000018.txt");
        std::fs::write(&src, b"run 18\n").unwrap();
        // `runs` is a regular file: neither a link nor a file can be made in it.
        std::fs::write(dir.path().join("runs"), b"").unwrap();
        let tmp = dir.path().join("runs").join(".merge-18.tmp-1");
        match link_or_copy(&src, &tmp) {
            Err(McError::Io { path, .. }) => assert_eq!(path, tmp),
            other => panic!("{other:?}"),
        }
        let missing = dir.path().join("run-000000000019.txt");
        match copy_durably(&missing, &dir.path().join("copy")) {
            Err(McError::Io { path, .. }) => assert_eq!(path, missing),
            other => panic!("{other:?}"),
        }
        let copy = dir.path().join("copy");
        copy_durably(&src, &copy).unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), b"run 18\n");
    }
}
