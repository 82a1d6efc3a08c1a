//! Sensitivity analysis: which uncertain parameter matters for which outcome.
//!
//! - **Rank correlations** of a batch ([`rank_sensitivity`]): Spearman's ρ and
//!   the partial rank correlation coefficient (PRCC: the correlation of ranks
//!   after removing the linear effect of every other parameter's ranks,
//!   computed from the inverse of the rank correlation matrix,
//!   PRCCⱼ = −Pⱼᵧ/√(Pⱼⱼ·Pᵧᵧ)).
//! - **Morris elementary effects** ([`morris`]): r one-at-a-time trajectories
//!   on a p-level grid in probability space (levels (l + ½)/p, jumps of
//!   Δ = ½ of probability); EEⱼ = Δy / Δu, reported as μ, μ* = mean |EE| and
//!   σ. Units: outcome unit per unit of probability.
//! - **Sobol indices** ([`sobol_sensitivity`]): Saltelli sampling with base
//!   matrices A and B (N rows each) and Aᴮ⁽ʲ⁾ (A with column j from B), N(d+2)
//!   runs; first order Sⱼ = mean((f(B) − m)(f(Aᴮ⁽ʲ⁾) − f(A)))/V (Saltelli 2010) and
//!   total STⱼ = mean((f(A) − f(Aᴮ⁽ʲ⁾))²)/(2V) (Jansen 1999), V the variance of
//!   f over A and B and m its mean (centring keeps Sⱼ's error from growing
//!   with m²/V); 95% percentile bootstrap intervals. A and B come from
//!   [`SaltelliSampler`]: by default row i of A is the first d coordinates of
//!   point i of a 2d-dimensional Owen-scrambled Sobol' sequence
//!   ([`crate::qmc`]) and row i of B the next d, as in Saltelli et al. (2010)
//!   and SALib; or independent pseudo-random draws per row. Parameters are
//!   sampled independently (declared correlations are ignored, and said so
//!   in [`SobolReport::notes`]: Sobol indices assume independent inputs).
//!   Row i of every matrix uses run seed i, so the model's own noise is
//!   common within a row.

use crate::design::{open01, run_seed, unit_stream, validate_parameters};
use crate::error::reported_outcomes;
use crate::linalg::inverse;
use crate::outputs::{AtomicFile, RunsTable, csv_file, num};
use crate::qmc::{MAX_DIMS, MAX_POINTS, SobolSequence};
use crate::runner::{Progress, thread_pool};
use crate::stats::{Welford, quantile_sorted, ranks, spearman};
use crate::{McError, Model, ParamSpec, RankCorrelation, Result};
use rand::{Rng, RngCore};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Spearman and partial rank correlation of one parameter with one outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct RankSensitivityRow {
    /// Outcome name.
    pub outcome: String,
    /// Parameter path.
    pub parameter: String,
    /// Runs used (those reporting the outcome).
    pub n: u64,
    /// Spearman rank correlation, in [−1, 1] (NaN for a constant parameter).
    pub spearman: f64,
    /// Partial rank correlation, in [−1, 1] (NaN when undefined).
    pub prcc: f64,
}

/// Rank correlation table of every parameter with every outcome of a batch.
pub fn rank_sensitivity(t: &RunsTable) -> Vec<RankSensitivityRow> {
    let mut rows = Vec::new();
    for name in &t.outcome_names {
        let y_opt = t.outcome(name).unwrap_or_default();
        let keep: Vec<usize> = (0..y_opt.len()).filter(|&r| y_opt[r].is_some()).collect();
        let y: Vec<f64> = keep.iter().filter_map(|&r| y_opt[r]).collect();
        let cols: Vec<Vec<f64>> = (0..t.param_names.len())
            .map(|j| keep.iter().map(|&r| t.params[r][j]).collect())
            .collect();
        let varying: Vec<usize> = (0..cols.len())
            .filter(|&j| cols[j].iter().any(|&v| v != cols[j][0]))
            .collect();
        let prcc = prcc(
            &varying.iter().map(|&j| ranks(&cols[j])).collect::<Vec<_>>(),
            &ranks(&y),
        );
        for (j, p) in t.param_names.iter().enumerate() {
            let pr = varying
                .iter()
                .position(|&v| v == j)
                .and_then(|k| prcc.as_ref().map(|v| v[k]));
            rows.push(RankSensitivityRow {
                outcome: name.clone(),
                parameter: p.clone(),
                n: y.len() as u64,
                spearman: spearman(&cols[j], &y),
                prcc: pr.unwrap_or(f64::NAN),
            });
        }
    }
    rows
}

/// PRCC of each ranked column with ranked y, or `None` when it is undefined
/// for all of them (a constant or non-finite correlation, e.g. a constant y).
///
/// PRCC_j is the correlation of the residuals of x_j and of y once the
/// other columns are regressed out. When the rank correlation matrix is
/// invertible it is read off its inverse, −P_jy/√(P_jj·P_yy). When it is
/// singular (a column, or y, is an exact linear function of others: an
/// outcome that passes a parameter through, or two rank-identical
/// parameters) each PRCC is computed on its own by sweeping the other
/// columns out of the matrix, skipping any column already spanned by those
/// swept before it (the pseudo-inverse's least-squares residuals, which do
/// not depend on which collinear column is kept). A PRCC is then NaN only
/// where it is truly 0/0: x_j or y has nothing left once the others are
/// regressed out. An outcome equal in rank to a parameter gets PRCC 1 for
/// that parameter and NaN for the others; two rank-identical parameters
/// both get NaN, and every other parameter its ordinary PRCC.
fn prcc(x: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let mut all: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    all.push(y);
    let k = all.len();
    let mut c = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..k {
            c[i][j] = if i == j {
                1.0
            } else {
                crate::stats::pearson(all[i], all[j])
            };
        }
    }
    if c.iter().flatten().any(|v| !v.is_finite()) {
        return None;
    }
    let yk = k - 1;
    match inverse(&c) {
        Some(p) => Some(
            (0..yk)
                .map(|j| -p[j][yk] / (p[j][j] * p[yk][yk]).sqrt())
                .collect(),
        ),
        None => Some(
            (0..yk)
                .map(|j| {
                    let others: Vec<usize> = (0..yk).filter(|&o| o != j).collect();
                    swept_partial(&c, &others, j, yk)
                })
                .collect(),
        ),
    }
}

/// Residual variance below which a swept column counts as spanned by those
/// swept before it (the correlation matrix has unit diagonal; exact rank
/// collinearity leaves about 1e-15).
const SPANNED: f64 = 1e-9;

/// The partial correlation of `a` and `b` given the columns `sweep` of the
/// correlation matrix `c`: the sweep operator pivots on each column of
/// `sweep` in turn, skipping one whose remaining variance is below
/// [`SPANNED`]. NaN when `a` or `b` has no variance left.
fn swept_partial(c: &[Vec<f64>], sweep: &[usize], a: usize, b: usize) -> f64 {
    let mut m = c.to_vec();
    let k = m.len();
    for &p in sweep {
        let d = m[p][p];
        if d.is_nan() || d < SPANNED {
            continue;
        }
        let col: Vec<f64> = (0..k).map(|i| m[i][p]).collect();
        for i in 0..k {
            for l in 0..k {
                m[i][l] -= col[i] * col[l] / d;
            }
        }
    }
    let (va, vb) = (m[a][a], m[b][b]);
    if va < SPANNED || vb < SPANNED {
        return f64::NAN;
    }
    (m[a][b] / (va * vb).sqrt()).clamp(-1.0, 1.0)
}

/// Writes `sensitivity.csv`: `outcome,parameter,n,spearman,prcc` (empty cell for NaN).
pub fn write_rank_sensitivity(path: &Path, rows: &[RankSensitivityRow]) -> Result<()> {
    rank_sensitivity_file(path, rows)?.commit()
}

/// [`write_rank_sensitivity`]'s file, written but not yet committed.
fn rank_sensitivity_file(path: &Path, rows: &[RankSensitivityRow]) -> Result<AtomicFile> {
    let cell = |v: f64| if v.is_finite() { num(v) } else { String::new() };
    csv_file(
        path,
        &["outcome", "parameter", "n", "spearman", "prcc"].map(String::from),
        rows.iter().map(|r| {
            vec![
                r.outcome.clone(),
                r.parameter.clone(),
                r.n.to_string(),
                cell(r.spearman),
                cell(r.prcc),
            ]
        }),
    )
}

/// The outcome's value in one run's result, `None` when the run does not report it.
fn outcome_of(res: &crate::RunResult, outcome: &str) -> Option<f64> {
    res.scalars.iter().find(|(n, _)| n == outcome).map(|(_, v)| *v)
}

/// One run's value of the outcome, with the names the run reports (to list
/// them when no run reports the outcome).
type Point = (Option<f64>, Vec<String>);

/// One Morris trajectory: its points' outcomes in visiting order, and the
/// parameters in the order they moved, each with whether it moved up.
type Trajectory = (Vec<Point>, Vec<(usize, bool)>);

/// Runs the model at unit point `u` (mapped through each parameter's quantile function).
fn eval_point<M: Model + ?Sized>(
    model: &M,
    params: &[crate::ParamSpec],
    (seed, run): (u64, u64),
    u: &[f64],
    outcome: &str,
    progress: &dyn Progress,
) -> Result<Point> {
    let x: Vec<f64> = params.iter().zip(u).map(|(p, &u)| p.dist.quantile(u)).collect();
    let res = model
        .run(seed, &x)
        .map_err(|source| McError::Model { run, seed, source })?;
    progress.run_finished();
    let v = outcome_of(&res, outcome);
    let names = if v.is_none() {
        res.scalars.iter().map(|(n, _)| n.clone()).collect()
    } else {
        Vec::new()
    };
    Ok((v, names))
}

/// The note a sensitivity method that samples its parameters independently
/// (Sobol, Morris) gives when the model declares rank correlations: which
/// ones it ignored, and `why`. `None` when none are declared.
pub fn ignored_correlations_note(correlations: &[RankCorrelation], why: &str) -> Option<String> {
    if correlations.is_empty() {
        return None;
    }
    let pairs: Vec<String> = correlations
        .iter()
        .map(|c| format!("{} ~ {} (ρ = {})", c.a, c.b, c.rho))
        .collect();
    Some(format!(
        "the declared rank correlations {} were ignored: {why}",
        pairs.join(", ")
    ))
}

/// Refuses an outcome that the batch's first run does not report, before
/// the batch: every run must report the analysed outcome (see
/// [`require_outcome`]), so a batch whose first run lacks it could only
/// fail, after all its runs. The first run is the batch's own (same seed
/// and point, so an outcome it reports is never refused here); it costs one
/// run more, and the batch runs it again. The error gives the outcomes the
/// run reports ([`reported_outcomes`]) and, for an outcome the model declares conditional
/// ([`Model::conditional_outcome`]), why it can be missing; else, for a
/// near miss, the closest name.
fn probe_outcome<M: Model + ?Sized>(
    model: &M,
    params: &[crate::ParamSpec],
    seed: u64,
    u: &[f64],
    outcome: &str,
) -> Result<()> {
    let x: Vec<f64> = params.iter().zip(u).map(|(p, &u)| p.dist.quantile(u)).collect();
    let res = model
        .run(seed, &x)
        .map_err(|source| McError::Model { run: 0, seed, source })?;
    if outcome_of(&res, outcome).is_some() {
        return Ok(());
    }
    let names: Vec<&str> = res.scalars.iter().map(|(n, _)| n.as_str()).collect();
    // An outcome the model declares conditional is no misspelling: say
    // why it can be missing (and what every run reports), not a near name.
    let near = match model.conditional_outcome(outcome) {
        Some(why) => format!(" As the model says, {why}."),
        None => stack::error::did_you_mean(outcome, names.iter().copied())
            .map(|n| format!(" Did you mean `{n}`?"))
            .unwrap_or_default(),
    };
    Err(McError::Invalid(format!(
        "outcome `{outcome}` is missing in the first run, so the analysis would fail after all its \
         runs; nothing else was run.{near} The first run reports{}",
        reported_outcomes(&names)
    )))
}

/// Every point's value of the outcome, or an error naming the groups (base
/// rows or trajectories: `(one, many)` names one and several) where some run
/// did not report it (with `why`, the model's reason it can be missing, [`Model::conditional_outcome`],
/// if it gives one), or, when no run did, the outcomes the runs do report.
/// Checked after all runs: the runs that lack an outcome are only known once
/// they have run.
fn require_outcome(
    groups: &[Vec<Point>],
    outcome: &str,
    (one, many): (&str, &str),
    why: Option<String>,
) -> Result<Vec<Vec<f64>>> {
    let missing: Vec<usize> = (0..groups.len())
        .filter(|&g| groups[g].iter().any(|p| p.0.is_none()))
        .collect();
    if missing.is_empty() {
        return Ok(groups
            .iter()
            .map(|g| g.iter().filter_map(|p| p.0).collect())
            .collect());
    }
    if missing.len() == groups.len() && groups.iter().flatten().all(|p| p.0.is_none()) {
        let names: Vec<&str> = groups
            .first()
            .and_then(|g| g.first())
            .map(|p| p.1.iter().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(McError::Invalid(format!(
            "no run reports outcome `{outcome}`; each reports{}",
            reported_outcomes(&names)
        )));
    }
    let shown: Vec<String> = missing.iter().take(20).map(usize::to_string).collect();
    Err(McError::Invalid(format!(
        "outcome `{outcome}` is missing in some runs, so its indices are undefined: {} {}{} \
         ({} of {}) {} a run that does not report it. An outcome that only some runs report is \
         conditional on what makes it exist; analyse one that every run reports{}",
        // One group is named in the singular ("trajectories 3 (1 of 4)": audit s30).
        if missing.len() == 1 { one } else { many },
        shown.join(", "),
        if missing.len() > shown.len() { ", …" } else { "" },
        missing.len(),
        groups.len(),
        if missing.len() == 1 { "has" } else { "have" },
        why.map(|w| format!(" (as the model says, {w})"))
            .unwrap_or_default()
    )))
}

/// Options of Morris screening.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisOptions {
    /// Outcome to screen.
    pub outcome: String,
    /// Trajectories r (each costs d + 1 runs).
    pub trajectories: u64,
    /// Grid levels p (even, ≥ 2; 4 is usual).
    pub levels: u32,
    /// Master seed.
    pub master_seed: u64,
    /// Worker threads (`None`: every core).
    pub threads: Option<usize>,
    /// Where to write `morris.csv` and `morris.json` (the design, to
    /// reproduce the run), if anywhere.
    pub out: Option<PathBuf>,
    /// The tool, its build and command line, for `morris.json`'s provenance.
    pub invocation: crate::manifest::Invocation,
}

/// `morris.json`: how a `morris.csv` was made, enough to make it again
/// (the counterpart of [`SobolDesignRecord`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MorrisDesignRecord {
    /// Outcome screened.
    pub outcome: String,
    /// Always `morris` (one-at-a-time trajectories on a grid).
    pub design: String,
    /// Trajectories r.
    pub trajectories: u64,
    /// Grid levels p (jumps of p/2 levels).
    pub levels: u32,
    /// Master seed (run seeds, starting levels, the order parameters move in).
    pub master_seed: u64,
    /// Model runs made: r·(d + 1).
    pub runs_evaluated: u64,
    /// The model's identity hash (as `scenario_hash` in a batch manifest).
    pub scenario_hash: String,
    /// Version of the `montecarlo` library that made it.
    pub library_version: String,
    /// The parameters, in model order, with their distributions.
    pub parameters: Vec<ParamSpec>,
    /// Declared rank correlations, ignored (one parameter moves at a time).
    pub ignored_correlations: Vec<RankCorrelation>,
    /// Where the directory's copy of the scenario files is (`scenario/`,
    /// as a batch manifest's `scenario_copy`); absent when none was kept
    /// (a model without files, or a `scenario/` this record does not own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_copy: Option<crate::scenario_copy::ScenarioCopy>,
    /// What made it: the tool and its build, the machine's maths library,
    /// the scenario file and the command line, as a batch manifest has them
    /// (flattened: `tool_version`, `git_revision`, … `command_line`).
    #[serde(flatten)]
    pub provenance: crate::manifest::Provenance,
}

/// Morris statistics of one parameter (units: outcome unit per unit of probability).
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisRow {
    /// Parameter path.
    pub parameter: String,
    /// Mean elementary effect μ.
    pub mu: f64,
    /// Mean absolute elementary effect μ* (importance).
    pub mu_star: f64,
    /// Standard deviation σ of the effects (non-linearity or interactions).
    pub sigma: f64,
}

/// The files `sensitivity --method morris` writes in `--out`, each with how
/// its text starts (what tells a table of its own from another file);
/// `morris.json` is pretty-printed with its `outcome` first.
const MORRIS_FILES: [(&str, &str); 2] = [
    (
        "morris.csv",
        "outcome,parameter,trajectories,levels,mu,mu_star,sigma\n",
    ),
    ("morris.json", "{\n  \"outcome\": "),
];

/// The files `sensitivity` (Sobol') writes in `--out`, as [`MORRIS_FILES`];
/// `sobol.json` is pretty-printed with its `outcome` first.
const SOBOL_FILES: [(&str, &str); 3] = [
    (
        "sobol.csv",
        "outcome,parameter,s1,s1_low,s1_high,st,st_low,st_high\n",
    ),
    ("sensitivity.csv", "outcome,parameter,n,spearman,prcc\n"),
    ("sobol.json", "{\n  \"outcome\": "),
];

/// A table to write: its file, written to its temporary name.
type PendingTable<'a> = Box<dyn FnOnce() -> Result<AtomicFile> + 'a>;

/// Writes a sensitivity's tables and its record (`sobol.json`,
/// `morris.json`: the last of `names`) into `dir` so that a partial result
/// never looks complete (audit s26 econ F9: a full disk left a
/// finished-looking `sobol.csv` without `sobol.json`). Every file is first
/// written to its temporary name and synced to disk ([`AtomicFile::sync`],
/// so an error reported only at fsync comes now); only once all are is the old record
/// removed, the tables renamed into place, and the record renamed last: a
/// directory holding the record holds the tables it describes, and one
/// refused while writing keeps its earlier tables. On failure the temporary
/// files are removed (this process holds the directory's lock) and the
/// error says what the directory holds and gives `command_line` to type
/// again.
fn write_tables<T: Serialize>(
    dir: &Path,
    names: &[&str],
    tables: Vec<PendingTable<'_>>,
    record: &T,
    command_line: &[String],
) -> Result<()> {
    let record_name = names.last().copied().unwrap_or("record");
    let record_path = dir.join(record_name);
    let again = if command_line.is_empty() {
        "the same sensitivity".to_string()
    } else {
        format!("`{}`", crate::error::command_to_type(command_line))
    };
    let fail = |e: McError, committing: bool| {
        // Each of this call's temporary files (a failure to remove one
        // does not keep the others).
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if crate::store::is_temp_of(&entry.file_name().to_string_lossy(), names) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let holds = if committing {
            format!(
                "{} holds no {record_name}, which is written last, so the tables there are \
                 incomplete",
                dir.display()
            )
        } else {
            format!(
                "nothing in {} was replaced (the tables are renamed into place only once every \
                 one is written)",
                dir.display()
            )
        };
        McError::Invalid(format!(
            "{e}; {holds}: once that is fixed (free space, a larger file size limit), {again} \
             writes them"
        ))
    };
    let mut pending = Vec::with_capacity(tables.len() + 1);
    for table in tables {
        let mut file = table().map_err(|e| fail(e, false))?;
        file.sync().map_err(|e| fail(e, false))?;
        pending.push(file);
    }
    let text = crate::store::json_record_text(&record_path, record).map_err(|e| fail(e, false))?;
    let mut last = AtomicFile::create(&record_path).map_err(|e| fail(e, false))?;
    std::io::Write::write_all(&mut last, &text)
        .map_err(|e| fail(crate::error::io_err(&record_path)(e), false))?;
    // Every file on disk before the old record goes: an error reported
    // only at fsync replaces nothing; the commits below only rename.
    last.sync().map_err(|e| fail(e, false))?;
    match std::fs::remove_file(&record_path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(fail(crate::error::io_err(&record_path)(e), false)),
    }
    for file in pending {
        file.commit().map_err(|e| fail(e, true))?;
    }
    crate::store::sync_dir(dir);
    last.commit().map_err(|e| fail(e, true))?;
    crate::store::sync_dir(dir);
    Ok(())
}

/// The `scenario_copy` recorded in the JSON record `dir/name`, if it
/// records one.
fn recorded_copy(dir: &Path, name: &str) -> Option<crate::scenario_copy::ScenarioCopy> {
    let text = std::fs::read(dir.join(name)).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    serde_json::from_value(v.get("scenario_copy")?.clone()).ok()
}

/// Writes the copy of `model`'s scenario files into `dir/scenario/` for the
/// record `own` (`sobol.json` or `morris.json`) about to be written, and
/// returns what that record keeps of it, so a sensitivity's directory holds
/// what it takes to run it again, as a batch's does
/// ([`crate::scenario_copy`]). A `scenario/` already holding these very
/// files is kept. One holding other files is replaced only when it is
/// `own`'s earlier copy; one that `other` (the other method's record in
/// the directory) records, or that no record does (the user's own folder),
/// is left as it is and no copy is kept (`None`):
/// [`sensitivity_copy_note`] says so. Callers hold the directory's lock.
fn keep_scenario_copy<M: Model + ?Sized>(
    dir: &Path,
    model: &M,
    own: &str,
    other: &str,
) -> Result<Option<crate::scenario_copy::ScenarioCopy>> {
    let sources = model.sources();
    let Some(copy) = crate::scenario_copy::plan(&sources) else {
        return Ok(None);
    };
    crate::scenario_copy::remove_stale(dir)?;
    let there = dir.join(crate::scenario_copy::SCENARIO_DIR);
    if there.exists() {
        if crate::scenario_copy::read(dir, &copy).is_ok() {
            return Ok(Some(copy));
        }
        if recorded_copy(dir, other).is_some() || recorded_copy(dir, own).is_none() {
            return Ok(None);
        }
    }
    let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
    crate::scenario_copy::write(dir, &copy, &texts)?;
    Ok(Some(copy))
}

/// What to tell the user when the record `record` (`sobol.json` or
/// `morris.json`) in `dir` keeps no copy of its scenario though `dir`
/// holds a `scenario/`: that folder belongs to another record or to the
/// user, and was left as it is. `None` when the record keeps its copy, or
/// there is no folder.
pub fn sensitivity_copy_note(dir: &Path, record: &str) -> Option<String> {
    let there = dir.join(crate::scenario_copy::SCENARIO_DIR);
    if !there.exists() || recorded_copy(dir, record).is_some() {
        return None;
    }
    let whose = ["sobol.json", "morris.json"]
        .into_iter()
        .filter(|r| *r != record)
        .find(|r| recorded_copy(dir, r).is_some())
        .map_or_else(
            || "not one a sensitivity record names (yours, or an older build's)".to_string(),
            |r| format!("the copy {r} records, of its scenario"),
        );
    Some(format!(
        "{} holds {}, so it was left as it is and {record} keeps no copy of this scenario: give \
         --out a directory of its own to keep one",
        there.display(),
        whose
    ))
}

/// Refuses an `--out` that exists and is no directory, or that holds a batch
/// or an eval (`manifest.json`), as `batch`, `eval` and `merge` refuse it:
/// the tables would sit among that batch's outputs, and Sobol's
/// `sensitivity.csv` would replace the one describing the batch's `runs.csv`.
/// Also refuses one holding a file of `files` (name, how its text starts)
/// that does not start as this command writes it: another file of that name
/// (the user's own `sensitivity.csv`) would be replaced; and a
/// `sensitivity.csv` without Sobol's own tables beside it, and a directory
/// holding a batch's or a run's files or a batch's plot ([`crate::charts::PLOT_MARKER`],
/// its charts): `plot`'s `sensitivity.csv` has the same header (review
/// s26-2, F4). Its own tables, of
/// an earlier call, are replaced, so a sensitivity run again into its
/// `--out` writes the new tables.
fn check_sensitivity_out(dir: &Path, files: &[(&str, &str)]) -> Result<()> {
    crate::runner::check_out_dir(dir)?;
    if crate::manifest::Manifest::path(dir).exists() {
        return Err(McError::Invalid(format!(
            "{} holds a batch (manifest.json): sensitivity does not write its tables among a \
             batch's outputs (its sensitivity.csv would replace the one describing the batch's \
             runs.csv); choose another --out",
            dir.display()
        )));
    }
    // A batch's or a run's outputs without a manifest, or a batch's plot
    // (review s26-2, F4: plot's sensitivity.csv has this one's header, and
    // was replaced beside the batch's charts).
    let mut others = crate::store::batch_outputs_in(dir);
    if dir.join(crate::charts::PLOT_MARKER).exists() {
        others.push(crate::charts::PLOT_MARKER.into());
    }
    if let Some((first, _)) = crate::charts::plot_svgs_in(dir).first() {
        others.push(format!("{first} (a batch's plot)"));
    }
    if !others.is_empty() {
        return Err(McError::Invalid(format!(
            "{} holds {}: the output of another aistack command (a batch, run or plot), and \
             sensitivity does not write its tables among them (its sensitivity.csv would \
             replace plot's), so nothing was run: choose another --out",
            dir.display(),
            others.join(", ")
        )));
    }
    // `plot` writes a `sensitivity.csv` with the same header: one is this
    // command's only beside its Sobol' tables (`sobol.json`, or `sobol.csv`,
    // renamed into place before it, when the record's rename failed).
    let own_record = ["sobol.json", "sobol.csv"].iter().any(|f| dir.join(f).exists());
    let foreign: Vec<&str> = files
        .iter()
        .filter(|(name, start)| {
            let path = dir.join(name);
            path.exists()
                && (!std::fs::read(&path).is_ok_and(|text| text.starts_with(start.as_bytes()))
                    || (*name == "sensitivity.csv" && !own_record))
        })
        .map(|(name, _)| *name)
        .collect();
    if !foreign.is_empty() {
        return Err(McError::Invalid(format!(
            "{} holds {}, which sensitivity did not write (not its table's first line, or no \
             sobol.json or sobol.csv beside it), and it \
             would replace {}, so nothing was run: choose another --out, or move {} away",
            dir.display(),
            foreign.join(", "),
            if foreign.len() == 1 { "it" } else { "them" },
            if foreign.len() == 1 { "it" } else { "them" }
        )));
    }
    Ok(())
}

/// Morris elementary-effects screening of `model` (see the module docs).
pub fn morris<M: Model + ?Sized>(
    model: &M,
    o: &MorrisOptions,
    progress: &dyn Progress,
) -> Result<Vec<MorrisRow>> {
    let params = model.parameters();
    validate_parameters(&params)?;
    // Each argument named on its own (audit s26 econ F13: one message for
    // both did not say which was wrong).
    if o.levels < 2 || !o.levels.is_multiple_of(2) {
        return Err(McError::Invalid(format!(
            "--levels {}: Morris needs an even number of grid levels, at least 2 (4 is usual), \
             so that every step moves half the grid",
            o.levels
        )));
    }
    if o.trajectories < 2 {
        return Err(McError::Invalid(format!(
            "--trajectories {}: Morris needs at least 2 trajectories for the spread σ of the \
             effects (10–50 is usual)",
            o.trajectories
        )));
    }
    let (d, p) = (params.len(), o.levels);
    if d == 0 {
        return Err(McError::Invalid(
            "the scenario declares no uncertain parameters, so there is nothing to screen: \
             give some numbers a distribution under `uncertain: { \"path\": Dist(…) }`"
                .into(),
        ));
    }
    let jump = p / 2;
    let du = f64::from(jump) / f64::from(p);
    let level_u = |l: u32| (f64::from(l) + 0.5) / f64::from(p);
    if let Some(dir) = &o.out {
        check_sensitivity_out(dir, &MORRIS_FILES)?;
    }
    // Locked before any run, so a second process on this --out is refused
    // now, not after computing; a refusal below removes a directory made here.
    let mut out_lock = o.out.as_deref().map(crate::lock::lock_out_dir).transpose()?;
    // Per trajectory: the visited points' outcomes, in visiting order, and
    // the order in which the parameters moved (up or down).
    // A trajectory's starting levels and the order its parameters move in.
    let start = |t: u64| {
        let mut rng = unit_stream(o.master_seed, t, "montecarlo/morris");
        let lv: Vec<u32> = (0..d).map(|_| rng.random_range(0..p)).collect();
        let mut order: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        (lv, order)
    };
    let (lv0, _) = start(0);
    let u0: Vec<f64> = lv0.iter().map(|&l| level_u(l)).collect();
    probe_outcome(model, &params, run_seed(o.master_seed, 0), &u0, &o.outcome)?;
    let one = |t: u64| -> Result<Trajectory> {
        let (mut lv, order) = start(t);
        let seed = run_seed(o.master_seed, t);
        // One model run at the trajectory's current grid levels.
        let at = |lv: &[u32]| {
            let u: Vec<f64> = lv.iter().map(|&l| level_u(l)).collect();
            eval_point(model, &params, (seed, t), &u, &o.outcome, progress)
        };
        let mut points = vec![at(&lv)?];
        let mut moves = Vec::with_capacity(d);
        for &j in &order {
            let up = lv[j] + jump < p;
            lv[j] = if up { lv[j] + jump } else { lv[j] - jump };
            points.push(at(&lv)?);
            moves.push((j, up));
        }
        Ok((points, moves))
    };
    progress.start(o.trajectories * (d as u64 + 1), 0);
    let per_traj: Vec<Trajectory> = thread_pool(o.threads)?.install(|| {
        (0..o.trajectories)
            .into_par_iter()
            .map(one)
            .collect::<Result<_>>()
    })?;
    progress.finish();
    let (points, moves): (Vec<_>, Vec<_>) = per_traj.into_iter().unzip();
    let ys = require_outcome(
        &points,
        &o.outcome,
        ("trajectory", "trajectories"),
        model.conditional_outcome(&o.outcome),
    )?;
    let mut acc = vec![(Welford::new(), 0.0f64); d];
    for (y, moves) in ys.iter().zip(&moves) {
        for (k, &(j, up)) in moves.iter().enumerate() {
            let e = if up {
                (y[k + 1] - y[k]) / du
            } else {
                (y[k] - y[k + 1]) / du
            };
            acc[j].0.push(e);
            acc[j].1 += e.abs();
        }
    }
    let rows: Vec<MorrisRow> = params
        .iter()
        .zip(acc)
        .map(|(p, (w, abs))| MorrisRow {
            parameter: p.path.clone(),
            mu: w.mean(),
            mu_star: abs / w.count().max(1) as f64,
            sigma: w.sd(),
        })
        .collect();
    if let (Some(dir), Some(lock)) = (&o.out, &mut out_lock) {
        lock.keep();
        let record = MorrisDesignRecord {
            outcome: o.outcome.clone(),
            design: "morris".into(),
            trajectories: o.trajectories,
            levels: o.levels,
            master_seed: o.master_seed,
            runs_evaluated: o.trajectories * (d as u64 + 1),
            scenario_hash: crate::manifest::identity_hash(&model.identity()),
            library_version: env!("CARGO_PKG_VERSION").into(),
            parameters: params.clone(),
            ignored_correlations: model.correlations(),
            scenario_copy: keep_scenario_copy(dir, model, "morris.json", "sobol.json")?,
            provenance: crate::manifest::Provenance::of(&o.invocation, model),
        };
        write_tables(
            dir,
            &MORRIS_FILES.map(|(name, _)| name),
            vec![Box::new(|| morris_file(&dir.join("morris.csv"), o, &rows))],
            &record,
            &o.invocation.command_line,
        )?;
    }
    Ok(rows)
}

/// Writes `morris.csv` (not yet committed): `outcome,parameter,trajectories,levels,mu,mu_star,sigma`, one row
/// per parameter in model order (μ, μ*, σ in outcome units per unit of probability).
fn morris_file(path: &Path, o: &MorrisOptions, rows: &[MorrisRow]) -> Result<AtomicFile> {
    csv_file(
        path,
        &[
            "outcome",
            "parameter",
            "trajectories",
            "levels",
            "mu",
            "mu_star",
            "sigma",
        ]
        .map(String::from),
        rows.iter().map(|r| {
            vec![
                o.outcome.clone(),
                r.parameter.clone(),
                o.trajectories.to_string(),
                o.levels.to_string(),
                num(r.mu),
                num(r.mu_star),
                num(r.sigma),
            ]
        }),
    )
}

/// How the Saltelli base matrices A and B are drawn (`--sampler`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SaltelliSampler {
    /// Quasi-random (`sobol`, the default): row i of A is the first d
    /// coordinates of point i of a 2d-dimensional Sobol' sequence,
    /// Owen-scrambled with a key drawn from the master seed, and row i of B
    /// the next d. Converges faster than `random` for the same runs; best at
    /// N a power of two; at most 64 parameters (128 dimensions).
    #[default]
    Sobol,
    /// Pseudo-random (`random`): rows of A and B drawn independently from
    /// the streams `montecarlo/saltelli/A` and `…/B` of run i (the only
    /// design before session 9, so it reproduces earlier results exactly).
    Random,
}

impl std::fmt::Display for SaltelliSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SaltelliSampler::Sobol => "sobol",
            SaltelliSampler::Random => "random",
        })
    }
}

impl std::str::FromStr for SaltelliSampler {
    type Err = McError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "sobol" => Ok(SaltelliSampler::Sobol),
            "random" => Ok(SaltelliSampler::Random),
            other => Err(McError::Invalid(format!(
                "unknown sampler `{other}` (expected `sobol` or `random`)"
            ))),
        }
    }
}

/// Options of `aistack sensitivity` (Sobol indices by Saltelli sampling).
#[derive(Clone, Debug, PartialEq)]
pub struct SobolOptions {
    /// Outcome to decompose (`--outcome`).
    pub outcome: String,
    /// Base sample size N (`--runs`); the model runs N·(d + 2) times. With
    /// the Sobol' sampler a power of two (1024, 4096, …) is best.
    pub base_samples: u64,
    /// How A and B are drawn (`--sampler`; default Sobol' points).
    pub sampler: SaltelliSampler,
    /// Master seed.
    pub master_seed: u64,
    /// Worker threads (`None`: every core).
    pub threads: Option<usize>,
    /// Bootstrap resamples for the confidence intervals (e.g. 200).
    pub bootstrap: u32,
    /// Where to write `sobol.csv`, `sobol.json` (the design, to reproduce
    /// the run) and `sensitivity.csv` (rank correlations on sample A), if anywhere.
    pub out: Option<PathBuf>,
    /// The tool, its build and command line, for `sobol.json`'s provenance.
    pub invocation: crate::manifest::Invocation,
}

/// Sobol indices of one parameter, with 95% bootstrap intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct SobolRow {
    /// Parameter path.
    pub parameter: String,
    /// First-order index Sⱼ.
    pub s1: f64,
    /// Its 95% interval, lower end.
    pub s1_low: f64,
    /// Its 95% interval, upper end.
    pub s1_high: f64,
    /// Total index STⱼ.
    pub st: f64,
    /// Its 95% interval, lower end.
    pub st_low: f64,
    /// Its 95% interval, upper end.
    pub st_high: f64,
}

/// Result of [`sobol_sensitivity`].
#[derive(Clone, Debug, PartialEq)]
pub struct SobolReport {
    /// Outcome decomposed.
    pub outcome: String,
    /// Model runs made: N·(d + 2).
    pub runs_evaluated: u64,
    /// Variance of the outcome (outcome unit squared).
    pub variance: f64,
    /// One row per parameter, in model order.
    pub rows: Vec<SobolRow>,
    /// Rank correlations on sample A (the base sample: Sobol' points or
    /// pseudo-random draws, both with independent uniform marginals).
    pub rank_rows: Vec<RankSensitivityRow>,
    /// What the caller should know about the design (a Sobol' N that is not
    /// a power of two; declared rank correlations that were ignored), one
    /// sentence each; `aistack sensitivity` prints them as notes.
    pub notes: Vec<String>,
}

/// `sobol.json`: how a `sobol.csv` was made, enough to make it again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SobolDesignRecord {
    /// Outcome decomposed.
    pub outcome: String,
    /// Always `saltelli` (A, B and the N·d matrices Aᴮ⁽ʲ⁾).
    pub design: String,
    /// How A and B were drawn.
    pub sampler: SaltelliSampler,
    /// Base sample size N.
    pub base_samples: u64,
    /// Master seed (run seeds, the scramble key, the bootstrap).
    pub master_seed: u64,
    /// Bootstrap resamples behind the intervals.
    pub bootstrap: u32,
    /// Model runs made: N·(d + 2).
    pub runs_evaluated: u64,
    /// The model's identity hash (as `scenario_hash` in a batch manifest).
    pub scenario_hash: String,
    /// Version of the `montecarlo` library that made it.
    pub library_version: String,
    /// The parameters, in model order, with their distributions.
    pub parameters: Vec<ParamSpec>,
    /// Declared rank correlations, ignored (inputs sampled independently).
    pub ignored_correlations: Vec<RankCorrelation>,
    /// Where the directory's copy of the scenario files is (`scenario/`,
    /// as a batch manifest's `scenario_copy`); absent when none was kept
    /// (a model without files, or a `scenario/` this record does not own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_copy: Option<crate::scenario_copy::ScenarioCopy>,
    /// What made it: the tool and its build, the machine's maths library,
    /// the scenario file and the command line, as a batch manifest has them
    /// (flattened: `tool_version`, `git_revision`, … `command_line`).
    #[serde(flatten)]
    pub provenance: crate::manifest::Provenance,
}

/// (S1, ST) of every parameter over the base rows `idx` (all rows, or one
/// bootstrap resample, with repeats). f(B) is centred on the mean `m` of f
/// over A and B of those same rows before it multiplies the difference:
/// E[f(A_B) − f(A)] = 0, so subtracting a constant leaves the estimator
/// unbiased, but the raw f(B) adds a term m·(f(A_B) − f(A)) whose variance
/// grows as m²/V, which made S1 useless for an outcome with |mean| ≫ sd (an
/// interval 1.6 wide for S1 ≈ 1 at |mean|/sd ≈ 10, N = 1024). Saltelli et
/// al. (2010) and SALib centre the output for this reason. `m` is
/// recomputed per resample, like V, so the interval carries its error.
fn sobol_estimates(fa: &[f64], fb: &[f64], fab: &[Vec<f64>], idx: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let mut w = Welford::new();
    idx.iter().for_each(|&i| {
        w.push(fa[i]);
        w.push(fb[i]);
    });
    let (m, v) = (w.mean(), w.sd().powi(2));
    let n = idx.len() as f64;
    let s1 = fab
        .iter()
        .map(|c| idx.iter().map(|&i| (fb[i] - m) * (c[i] - fa[i])).sum::<f64>() / n / v)
        .collect();
    let st = fab
        .iter()
        .map(|c| idx.iter().map(|&i| (fa[i] - c[i]).powi(2)).sum::<f64>() / n / (2.0 * v))
        .collect();
    (s1, st)
}

/// A warning when N was too small for the indices to mean much: an index
/// whose 95 % interval is wider than 0.5 (half the range an index can
/// take) or lies wholly outside [0, 1] (where no index lies).
fn too_few_samples_note(n: u64, rows: &[SobolRow]) -> Option<String> {
    let worst = rows
        .iter()
        .flat_map(|r| {
            [
                ("S1", r.s1, r.s1_low, r.s1_high),
                ("ST", r.st, r.st_low, r.st_high),
            ]
            .map(|(which, v, lo, hi)| (r, which, v, hi - lo, hi < 0.0 || lo > 1.0))
        })
        .filter(|(_, _, _, width, outside)| *width > 0.5 || *outside)
        .max_by(|a, b| a.3.total_cmp(&b.3))?;
    let (row, which, v, width, _) = worst;
    Some(format!(
        "N = {n} base samples is too few for this outcome: {which} of {} is {v:.3} with a 95 % \
         interval {width:.2} wide (indices lie in [0, 1]; only sampling noise puts one outside); \
         use a larger N (a power of two, e.g. {})",
        row.parameter,
        (n.next_power_of_two() * 4).max(256)
    ))
}

/// Sobol first-order and total indices of `model` for one outcome (see the module docs).
pub fn sobol_sensitivity<M: Model + ?Sized>(
    model: &M,
    o: &SobolOptions,
    progress: &dyn Progress,
) -> Result<SobolReport> {
    let params = model.parameters();
    validate_parameters(&params)?;
    let (d, n) = (params.len(), o.base_samples);
    if d == 0 {
        return Err(McError::Invalid(
            "the scenario declares no uncertain parameters, so there is no variance to decompose: \
             give some numbers a distribution under `uncertain: { \"path\": Dist(…) }`"
                .into(),
        ));
    }
    if n < 2 {
        return Err(McError::Invalid(format!(
            "--runs (the base sample size N) must be at least 2, got {n}"
        )));
    }
    let sequence = match o.sampler {
        SaltelliSampler::Random => None,
        SaltelliSampler::Sobol => Some(sobol_points(d, n, o.master_seed)?),
    };
    if let Some(dir) = &o.out {
        check_sensitivity_out(dir, &SOBOL_FILES)?;
    }
    // Locked before any run, so a second process on this --out is refused
    // now, not after computing; a refusal below removes a directory made here.
    let mut out_lock = o.out.as_deref().map(crate::lock::lock_out_dir).transpose()?;
    // Row i's points in A and B.
    let points_ab = |i: u64| -> (Vec<f64>, Vec<f64>) {
        match &sequence {
            Some(seq) => {
                let mut a = seq.point(i);
                let b = a.split_off(d);
                (a, b)
            }
            None => {
                let mut ra = unit_stream(o.master_seed, i, "montecarlo/saltelli/A");
                let mut rb = unit_stream(o.master_seed, i, "montecarlo/saltelli/B");
                (
                    (0..d).map(|_| open01(&mut ra)).collect(),
                    (0..d).map(|_| open01(&mut rb)).collect(),
                )
            }
        }
    };
    probe_outcome(
        model,
        &params,
        run_seed(o.master_seed, 0),
        &points_ab(0).0,
        &o.outcome,
    )?;
    // Per base row: its point in A, then the outcomes at A, B and each A_B^(j).
    let row = |i: u64| -> Result<(Vec<f64>, Vec<Point>)> {
        let (ua, ub) = points_ab(i);
        let seed = run_seed(o.master_seed, i);
        let mut points = vec![
            eval_point(model, &params, (seed, i), &ua, &o.outcome, progress)?,
            eval_point(model, &params, (seed, i), &ub, &o.outcome, progress)?,
        ];
        for j in 0..d {
            let mut u = ua.clone();
            u[j] = ub[j];
            points.push(eval_point(model, &params, (seed, i), &u, &o.outcome, progress)?);
        }
        Ok((ua, points))
    };
    progress.start(n * (d as u64 + 2), 0);
    let rows: Vec<(Vec<f64>, Vec<Point>)> =
        thread_pool(o.threads)?.install(|| (0..n).into_par_iter().map(row).collect::<Result<_>>())?;
    progress.finish();
    let (ua_rows, points): (Vec<Vec<f64>>, Vec<Vec<Point>>) = rows.into_iter().unzip();
    let ys = require_outcome(
        &points,
        &o.outcome,
        ("base row", "base rows"),
        model.conditional_outcome(&o.outcome),
    )?;
    let fa: Vec<f64> = ys.iter().map(|y| y[0]).collect();
    let fb: Vec<f64> = ys.iter().map(|y| y[1]).collect();
    let fab: Vec<Vec<f64>> = (0..d).map(|j| ys.iter().map(|y| y[2 + j]).collect()).collect();
    if let Some(&v) = fa.first()
        && fa.iter().chain(&fb).all(|&x| x == v)
    {
        return Err(McError::Invalid(format!(
            "outcome `{}` is constant ({} in all {} runs of samples A and B): with no variance to \
             decompose, Sobol indices are undefined; nothing written",
            o.outcome,
            num(v),
            2 * n
        )));
    }
    let all: Vec<usize> = (0..n as usize).collect();
    let (s1, st) = sobol_estimates(&fa, &fb, &fab, &all);
    let mut boot_rng = unit_stream(o.master_seed, u64::MAX - 1, "montecarlo/bootstrap");
    let (mut bs1, mut bst) = (vec![Vec::new(); d], vec![Vec::new(); d]);
    for _ in 0..o.bootstrap {
        let idx: Vec<usize> = (0..n as usize)
            .map(|_| boot_rng.random_range(0..n as usize))
            .collect();
        let (a, b) = sobol_estimates(&fa, &fb, &fab, &idx);
        for j in 0..d {
            bs1[j].push(a[j]);
            bst[j].push(b[j]);
        }
    }
    let ci = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (quantile_sorted(v, 0.025), quantile_sorted(v, 0.975))
    };
    let mut w = Welford::new();
    fa.iter().chain(&fb).for_each(|&x| w.push(x));
    let out_rows: Vec<SobolRow> = (0..d)
        .map(|j| {
            let ((s1_low, s1_high), (st_low, st_high)) = (ci(&mut bs1[j]), ci(&mut bst[j]));
            SobolRow {
                parameter: params[j].path.clone(),
                s1: s1[j],
                s1_low,
                s1_high,
                st: st[j],
                st_low,
                st_high,
            }
        })
        .collect();
    let table = RunsTable {
        runs: (0..n).collect(),
        seeds: (0..n).map(|i| run_seed(o.master_seed, i)).collect(),
        param_names: params.iter().map(|p| p.path.clone()).collect(),
        params: ua_rows
            .iter()
            .map(|ua| params.iter().zip(ua).map(|(p, &u)| p.dist.quantile(u)).collect())
            .collect(),
        outcome_names: vec![o.outcome.clone()],
        outcomes: fa.iter().map(|&v| vec![Some(v)]).collect(),
    };
    let rank_rows = rank_sensitivity(&table);
    let correlations = model.correlations();
    let mut notes = Vec::new();
    if o.sampler == SaltelliSampler::Sobol && !n.is_power_of_two() {
        notes.push(format!(
            "N = {n} is not a power of two: Sobol' points are balanced at N = 2^m (e.g. {} or {}), \
             where the indices converge fastest; these are valid, with a larger error than at 2^m",
            n.next_power_of_two() / 2,
            n.next_power_of_two()
        ));
    }
    notes.extend(too_few_samples_note(n, &out_rows));
    notes.extend(ignored_correlations_note(
        &correlations,
        "Sobol indices assume independent inputs, so every parameter was sampled independently",
    ));
    let runs_evaluated = n * (d as u64 + 2);
    if let (Some(dir), Some(lock)) = (&o.out, &mut out_lock) {
        lock.keep();
        let record = SobolDesignRecord {
            outcome: o.outcome.clone(),
            design: "saltelli".into(),
            sampler: o.sampler,
            base_samples: n,
            master_seed: o.master_seed,
            bootstrap: o.bootstrap,
            runs_evaluated,
            scenario_hash: crate::manifest::identity_hash(&model.identity()),
            library_version: env!("CARGO_PKG_VERSION").into(),
            parameters: params.clone(),
            ignored_correlations: correlations,
            scenario_copy: keep_scenario_copy(dir, model, "sobol.json", "morris.json")?,
            provenance: crate::manifest::Provenance::of(&o.invocation, model),
        };
        write_tables(
            dir,
            &SOBOL_FILES.map(|(name, _)| name),
            vec![
                Box::new(|| sobol_file(&dir.join("sobol.csv"), &o.outcome, &out_rows)),
                Box::new(|| rank_sensitivity_file(&dir.join("sensitivity.csv"), &rank_rows)),
            ],
            &record,
            &o.invocation.command_line,
        )?;
    }
    Ok(SobolReport {
        outcome: o.outcome.clone(),
        runs_evaluated,
        variance: w.sd().powi(2),
        rows: out_rows,
        rank_rows,
        notes,
    })
}

/// The scrambled 2d-dimensional Sobol' sequence of a Saltelli design with d
/// parameters and N base rows, its key drawn from the master seed (stream
/// `montecarlo/saltelli/sobol-scramble` of the design replication), or an
/// error when d > 64 or N > 2³².
fn sobol_points(d: usize, n: u64, master_seed: u64) -> Result<SobolSequence> {
    if 2 * d > MAX_DIMS {
        return Err(McError::Invalid(format!(
            "the Sobol' sampler draws A and B from a {}-dimensional sequence ({d} parameters × 2), \
             and this build has direction numbers for {MAX_DIMS} dimensions ({} parameters): \
             screen the parameters with `--method morris` first, or use `--sampler random`",
            2 * d,
            MAX_DIMS / 2
        )));
    }
    if n > MAX_POINTS {
        return Err(McError::Invalid(format!(
            "the Sobol' sampler has at most 2^32 points, and N = {n}; use `--sampler random`"
        )));
    }
    let key = unit_stream(master_seed, u64::MAX, "montecarlo/saltelli/sobol-scramble").next_u64();
    SobolSequence::scrambled(2 * d, key)
}

/// Writes `sobol.csv` (not yet committed): `outcome,parameter,s1,s1_low,s1_high,st,st_low,st_high`, one row
/// per parameter in model order (indices with their 95% bootstrap intervals).
fn sobol_file(path: &Path, outcome: &str, rows: &[SobolRow]) -> Result<AtomicFile> {
    csv_file(
        path,
        &[
            "outcome",
            "parameter",
            "s1",
            "s1_low",
            "s1_high",
            "st",
            "st_low",
            "st_high",
        ]
        .map(String::from),
        rows.iter().map(|r| {
            let mut v = vec![outcome.to_string(), r.parameter.clone()];
            // As in sensitivity.csv: an undefined value is an empty cell.
            v.extend(
                [r.s1, r.s1_low, r.s1_high, r.st, r.st_low, r.st_high]
                    .map(|x| if x.is_finite() { num(x) } else { String::new() }),
            );
            v
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A few outcomes are listed; many are counted, from the first, with
    /// where all are described (audit finding 7: ~160 names on one line).
    #[test]
    fn many_outcomes_are_counted_not_listed() {
        assert_eq!(reported_outcomes(&["a", "b"]), ": a, b");
        assert_eq!(reported_outcomes(&[]), " no outcome");
        let many: Vec<String> = (0..158).map(|k| format!("energy.x{k}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let said = reported_outcomes(&many);
        assert!(
            said.starts_with(" 158 outcomes, from `energy.x0` (docs/model.md, \"Scalar outcomes\""),
            "{said}"
        );
        assert!(!said.contains("energy.x1"), "{said}");
        // When no run reports the outcome, the same.
        let point: Point = (None, many.iter().map(|n| n.to_string()).collect());
        let e = require_outcome(&[vec![point]], "y", ("row", "rows"), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("no run reports outcome `y`; each reports 158 outcomes, from `energy.x0`"),
            "{e}"
        );
    }

    /// One group lacking the outcome is named in the singular (it read
    /// "trajectories 3 (1 of 4) have a run": audit s30), several in the plural.
    #[test]
    fn missing_groups_are_named_in_number() {
        let names = || vec!["y".to_string()];
        let group = |missing: bool| vec![(if missing { None } else { Some(1.0) }, names()); 3];
        let words = ("trajectory", "trajectories");
        let groups: Vec<Vec<Point>> = (0..4).map(|g| group(g == 3)).collect();
        let e = require_outcome(&groups, "y", words, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("undefined: trajectory 3 (1 of 4) has a run that does not report it"),
            "{e}"
        );
        let groups: Vec<Vec<Point>> = (0..4).map(|g| group(g >= 2)).collect();
        let e = require_outcome(&groups, "y", words, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("undefined: trajectories 2, 3 (2 of 4) have a run that does not report it"),
            "{e}"
        );
    }
}
