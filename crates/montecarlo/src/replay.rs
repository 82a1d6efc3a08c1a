//! Looking into one run of a batch: `aistack run --from-batch DIR --run I`.
//!
//! A batch keeps each run's outcomes and (with `--keep-timeseries`) its
//! series, but not its event trace, and `aistack explain` reads a single
//! run's directory. To look into run `i`, it is run again on its own with
//! the seed and parameter values the batch gave it. [`plan_replay`] finds
//! them from the directory's `manifest.json` with the batch's own sampler
//! ([`Sampler`], same design, N, master seed and correlations), so the
//! replay draws what the batch drew, and cross-checks them, bit for bit,
//! against the run's row of `runs.csv` and its run file `runs/run-….txt`
//! when they exist. [`ReplayPlan::check_model`] refuses a scenario whose
//! hash is not the manifest's.
//!
//! Directories: a batch (also resumed, merged, or one of a `compare`'s
//! `a/` and `b/`) and an `eval` directory (design `external`: the values
//! come from the run's file or its `runs.csv` row, its seed from the
//! master seed, or, when the design had a `seed` column, from the same
//! file or row) are supported. A shard directory replays the runs it holds.
//! Everything else is refused with what the directory is and what to do:
//! a `compare` top directory, `sensitivity` (Sobol, Morris) outputs, a
//! single run's output, a directory without `manifest.json`.

use crate::design::{Design, Sampler, run_seed};
use crate::manifest::{Build, MANIFEST_FORMAT, Manifest, identity_hash};
use crate::outputs::{num, read_runs_csv};
use crate::store::{RunInputs, check_recorded_inputs, read_run, run_file_path};
use crate::{McError, Model, Result};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// Run `run` of the batch in `dir`: its seed and parameter values, and what
/// they were checked against.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayPlan {
    /// The batch (or eval) directory.
    pub dir: PathBuf,
    /// The run's index in the batch (0-based, as in `runs.csv`'s `run`).
    pub run: u64,
    /// The seed the batch ran it with (`run_seed(master_seed, run)`; for an
    /// eval with a `seed` column, `run_seed(master_seed, s)` as recorded).
    pub seed: u64,
    /// Parameter values `(path, value)`, in the model's parameter order.
    pub params: Vec<(String, f64)>,
    /// The directory's manifest.
    pub manifest: Manifest,
    /// The run's scalar outcomes as the batch recorded them (its `runs.csv`
    /// row, else its run file), to compare a replay with; `None` when
    /// neither exists.
    pub recorded_outcomes: Option<Vec<(String, f64)>>,
    /// What the seed and values were found equal to, e.g. `runs.csv line 4`
    /// and `runs/run-000000000002.txt`; empty when the directory keeps
    /// neither.
    pub checked_against: Vec<String>,
}

impl ReplayPlan {
    /// The parameter values in model order (what [`Model::run`] takes).
    pub fn values(&self) -> Vec<f64> {
        self.params.iter().map(|(_, v)| *v).collect()
    }

    /// Refuses a model other than the batch's: its [`identity_hash`] must
    /// equal the manifest's `scenario_hash` (the scenario text and its bases
    /// are unchanged), and its parameters the manifest's. `what` names the
    /// model in the message (the scenario file).
    pub fn check_model<M: Model + ?Sized>(&self, model: &M, what: &str) -> Result<()> {
        let now = identity_hash(&model.identity());
        if now != self.manifest.scenario_hash {
            let changed = crate::manifest::changed_files(&self.manifest.scenario_files, &model.files())
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            return Err(McError::Invalid(format!(
                "{what} has hash {now}, but the batch in {} ran a scenario with hash {} \
                 (manifest.json `scenario_hash`): the scenario or one of its bases changed since \
                 the batch{changed}, so run {} cannot be replayed from it. Restore the scenario as it was \
                 (or give the file the batch ran), or run a new batch",
                self.dir.display(),
                self.manifest.scenario_hash,
                self.run
            )));
        }
        if model.parameters() != self.manifest.parameters {
            return Err(McError::Invalid(format!(
                "{what} has the batch's hash but other uncertain parameters than {}'s manifest \
                 (this build reads the scenario differently from the one that ran the batch): \
                 run {} cannot be replayed with this build",
                self.dir.display(),
                self.run
            )));
        }
        Ok(())
    }

    /// A warning when the batch was computed by another git revision than
    /// `running` (both known): the code may have changed, and the replay then
    /// differs from the batch's run.
    pub fn build_warning(&self, running: &Build) -> Option<String> {
        match (&self.manifest.build.git_revision, &running.git_revision) {
            (Some(a), Some(b)) if a != b => Some(format!(
                "the batch in {} was computed by aistack built from {}, this binary was built \
                 from {}: if the model's code changed in between, the replay differs from the \
                 batch's run {} (its outcomes are compared with the batch's below)",
                self.dir.display(),
                self.manifest.build.describe(),
                running.describe(),
                self.run
            )),
            _ => None,
        }
    }

    /// A warning when the batch's runs were computed where the maths
    /// library's fingerprint (manifest.json `math_fingerprint`) is not this
    /// machine's: the same code then gives other last bits, the likely cause
    /// of any difference from the batch's run. `None` when they agree or the
    /// manifest has none.
    pub fn math_warning(&self) -> Option<String> {
        let running = scheduler::math_fingerprint();
        let recorded = self.manifest.math_fingerprint.as_deref()?;
        (recorded != running).then(|| {
            format!(
                "the batch in {} was computed where the maths library's fingerprint is {recorded}, \
                 this build's is {running}: its maths library gives different last bits (a build \
                 from before aistack computed its own maths, when glibc picked its exp/log/pow \
                 code by CPU feature, another libm version, or a miscompile), so the replay may \
                 differ from the batch's run {} in the last digits; that, not the model, is the \
                 cause of such a difference below. Replay with a build whose fingerprint is \
                 {recorded} to reproduce it bit for bit",
                self.dir.display(),
                self.run
            )
        })
    }

    /// The outcomes where a replay's `scalars` differ from the batch's record
    /// of the run (compared bit for bit), as `` `name`: batch X, replay Y ``;
    /// empty when they agree or the batch kept no record.
    pub fn outcome_differences(&self, scalars: &[(String, f64)]) -> Vec<String> {
        let Some(recorded) = &self.recorded_outcomes else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, v) in recorded {
            match scalars.iter().find(|(n, _)| n == name) {
                Some((_, r)) if r.to_bits() == v.to_bits() => {}
                Some((_, r)) => out.push(format!("`{name}`: batch {}, replay {}", num(*v), num(*r))),
                None => out.push(format!("`{name}`: batch {}, replay none", num(*v))),
            }
        }
        for (name, r) in scalars {
            if !recorded.iter().any(|(n, _)| n == name) {
                out.push(format!("`{name}`: batch none, replay {}", num(*r)));
            }
        }
        out
    }

    /// Where the run came from, for a replayed run's `summary.json`
    /// (`replayed_from`): batch directory, run index, seed, design, master
    /// seed, N (and the replicates R of a replicated Latin hypercube), the parameter values by path, what they were checked
    /// against, and for a row of an eval its design file (`design_file`, as
    /// the manifest records it).
    pub fn record(&self) -> Value {
        let params: Map<String, Value> = self.params.iter().map(|(p, v)| (p.clone(), json!(v))).collect();
        // Absolute, so the record still leads to the batch from elsewhere.
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        let mut record = json!({
            "batch_dir": dir.display().to_string(),
            "run": self.run,
            "seed": self.seed,
            "design": self.manifest.design.to_string(),
            "master_seed": self.manifest.master_seed,
            "batch_runs": self.manifest.runs,
            "scenario_hash": self.manifest.scenario_hash,
            "parameters": params,
            "checked_against": self.checked_against,
        });
        if let Some(e) = &self.manifest.eval {
            record["design_file"] = json!(e.design_file);
        }
        if self.manifest.replicates != 1 {
            record["replicates"] = json!(self.manifest.replicates);
        }
        record
    }

    /// One paragraph saying which run this is and where its seed and values
    /// come from, for the printed summary.
    pub fn describe(&self) -> String {
        let what = if self.manifest.design == Design::External {
            format!(
                "row {} of the eval in {} (design file {}, master seed {})",
                self.run,
                self.dir.display(),
                self.manifest
                    .eval
                    .as_ref()
                    .map_or("not recorded", |e| e.design_file.as_str()),
                self.manifest.master_seed
            )
        } else {
            format!(
                "run {} of the batch in {} (design {}, master seed {}, {} runs{})",
                self.run,
                self.dir.display(),
                self.manifest.design,
                self.manifest.master_seed,
                self.manifest.runs,
                if self.manifest.replicates == 1 {
                    String::new()
                } else {
                    format!(" in {} replicates", self.manifest.replicates)
                }
            )
        };
        let values = if self.params.is_empty() {
            "no uncertain parameters".to_string()
        } else {
            self.params
                .iter()
                .map(|(p, v)| format!("{p} = {}", num(*v)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let checked = if self.checked_against.is_empty() {
            String::new()
        } else {
            format!("; equal to {}", self.checked_against.join(" and "))
        };
        format!("Replay of {what}: seed {}, {values}{checked}.", self.seed)
    }
}

/// The scenario file a batch ran: the manifest's `scenario_path` (absolute),
/// or, for a manifest written before it was recorded, the one `.ron`
/// argument of its recorded command line, as typed. That one may be
/// relative to the working directory the batch was started in, which no
/// manifest records: a caller opens it as any path typed on a command line,
/// relative to the current directory, and when it is not there says where
/// it looked.
pub fn recorded_scenario(manifest: &Manifest) -> Option<PathBuf> {
    if let Some(p) = &manifest.scenario_path {
        return Some(PathBuf::from(p));
    }
    let rons: Vec<&String> = manifest
        .command_line
        .iter()
        .skip(1)
        .filter(|a| a.ends_with(".ron"))
        .collect();
    match rons.as_slice() {
        [one] => Some(PathBuf::from(one)),
        _ => None,
    }
}

/// Finds run `run` of the batch (or eval) in `dir`: its seed and parameter
/// values from the manifest with the batch's own sampler, checked against
/// the run's `runs.csv` row and run file where they exist. See the module
/// docs for the directories it refuses and why.
pub fn plan_replay(dir: &Path, run: u64) -> Result<ReplayPlan> {
    let manifest = match Manifest::read(dir)? {
        Some(m) => m,
        None => return Err(not_a_batch(dir)),
    };
    let d = dir.display();
    if manifest.format != MANIFEST_FORMAT {
        return Err(McError::Invalid(format!(
            "{d}/manifest.json has format {}, this build reads format {MANIFEST_FORMAT}: \
             replay it with the aistack version that wrote it ({})",
            manifest.format, manifest.tool_version
        )));
    }
    check_index(dir, &manifest, run)?;
    let run_file = run_file_path(dir, run);
    let record = if run_file.exists() {
        Some(read_run(&run_file)?)
    } else {
        None
    };
    if manifest.completed_runs.is_none() && record.is_none() {
        return Err(McError::Invalid(format!(
            "run {run} of the batch in {d} has not finished: the batch was interrupted \
             (manifest.json has no `completed_runs`) before run {run} was written to {}. \
             Finish the batch first (`aistack batch --resume {d}`), \
             then replay the run",
            run_file.display()
        )));
    }
    let paths: Vec<String> = manifest.parameters.iter().map(|p| p.path.clone()).collect();
    let runs_csv = dir.join("runs.csv");
    let row = if runs_csv.exists() {
        runs_csv_row(&runs_csv, &paths, run, manifest.completed_runs.is_some())?
    } else {
        None
    };
    let values: Vec<f64> = match manifest.design {
        Design::Mc | Design::Lhs => Sampler::replicated(
            &manifest.parameters,
            &manifest.correlations,
            manifest.design,
            manifest.master_seed,
            manifest.runs,
            manifest.replicates,
        )?
        .draw(run),
        Design::External => match (&record, &row) {
            (Some(rec), _) => rec.params.iter().map(|(_, v)| *v).collect(),
            (None, Some(row)) => row.values.clone(),
            (None, None) => {
                return Err(McError::Invalid(format!(
                    "{d} is an `aistack eval` directory (design `external`): row {run}'s values \
                     are read from its run file or runs.csv, and it has neither ({} is missing, \
                     runs.csv {}); evaluate that design row again with `aistack eval`",
                    run_file.display(),
                    if runs_csv.exists() {
                        "has no such row"
                    } else {
                        "too"
                    }
                )));
            }
        },
    };
    // An eval whose design had a seed column ran row `run` with the seed its
    // run file and runs.csv record (both checked against it below); every
    // other row, with run_seed(master, run).
    let seed = match (&manifest.eval, &record, &row) {
        (Some(e), Some(rec), _) if e.seed_column => rec.seed,
        (Some(e), None, Some(row)) if e.seed_column => row.seed,
        _ => run_seed(manifest.master_seed, run),
    };
    let mut checked_against = Vec::new();
    if let Some(rec) = &record {
        let recorded = RunInputs {
            run: rec.run,
            seed: rec.seed,
            params: rec.params.clone(),
            scenario: rec.scenario.clone(),
        };
        let expected: Vec<(String, f64)> = paths.iter().cloned().zip(values.iter().copied()).collect();
        check_recorded_inputs(
            &run_file,
            &recorded,
            run,
            seed,
            crate::store::MadeWith {
                scenario: &manifest.scenario_hash,
                math: manifest.math_fingerprint.as_deref(),
            },
            Some(&expected),
            "refusing to replay a run whose inputs are in doubt",
        )?;
        checked_against.push(format!("runs/{}", file_name(&run_file)));
    }
    if let Some(row) = &row {
        row.check(
            &runs_csv,
            seed,
            &paths,
            &values,
            manifest.math_fingerprint.as_deref(),
        )?;
        checked_against.insert(0, format!("runs.csv line {}", row.line));
    }
    let recorded_outcomes = match (&row, &record) {
        (Some(row), _) => Some(row.outcomes.clone()),
        (None, Some(rec)) => Some(rec.result.scalars.clone()),
        (None, None) => None,
    };
    Ok(ReplayPlan {
        dir: dir.to_path_buf(),
        run,
        seed,
        params: paths.into_iter().zip(values).collect(),
        manifest,
        recorded_outcomes,
        checked_against,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Refuses an index the directory does not hold: past N, past where the
/// stopping rule ended the batch, or in another shard.
fn check_index(dir: &Path, m: &Manifest, run: u64) -> Result<()> {
    let d = dir.display();
    let what = if m.design == Design::External {
        "rows of the design (eval)"
    } else {
        "runs"
    };
    if run >= m.runs {
        return Err(McError::Invalid(format!(
            "run {run} is out of range: {d} holds {} {what}, indices 0 to {} (as in runs.csv's `run` column)",
            m.runs,
            m.runs.saturating_sub(1)
        )));
    }
    if let Some(k) = m.stopped_at
        && run >= k
    {
        return Err(McError::Invalid(format!(
            "run {run} was never run: the stopping rule (--until-rel-halfwidth) ended the batch in \
             {d} after {k} of {} runs, indices 0 to {}",
            m.runs,
            k.saturating_sub(1)
        )));
    }
    if let Some(s) = m.shard
        && !s.contains(run)
    {
        return Err(McError::Invalid(format!(
            "run {run} is not in {d}, which holds shard {s} of its batch (runs i with i % {} = {}); \
             run {run} is in shard {}/{}: replay it from that shard's directory or from the merged batch",
            s.count,
            s.index,
            run % s.count,
            s.count
        )));
    }
    Ok(())
}

/// The error for a directory without `manifest.json`, saying what it is.
fn not_a_batch(dir: &Path) -> McError {
    let d = dir.display();
    let has = |f: &str| dir.join(f).exists();
    let message = if !dir.exists() {
        format!("{d} does not exist: give the directory of `aistack batch` (its --out)")
    } else if has("compare.csv") {
        format!(
            "{d} is the output of `aistack compare`: its two batches are {d}/a (scenario A) and \
             {d}/b (scenario B), each with its own manifest.json; replay a run of one of them: \
             --from-batch {d}/a or --from-batch {d}/b"
        )
    } else if has("sobol.json") || has("sobol.csv") || has("morris.json") || has("morris.csv") {
        format!(
            "{d} is the output of `aistack sensitivity`: its model runs (a Saltelli or Morris \
             design) are not kept as runs, so none can be replayed. To look into one combination \
             of values, write it as a row of a design CSV and run `aistack eval SCENARIO --design \
             FILE` (or run a batch), then replay from that directory"
        )
    } else if has("summary.json") && has("timeseries.csv") && !has("runs.csv") {
        format!(
            "{d} is the output of a single `aistack run`, not a batch: `aistack explain {d}` and \
             `aistack plot {d}` work on it directly"
        )
    } else if has("runs.csv") {
        format!(
            "{d} has runs.csv but no manifest.json, so how its runs were drawn (design, master \
             seed, N) is unknown and none can be replayed"
        )
    } else {
        format!("{d} holds no manifest.json: it is not a batch directory (`aistack batch ... --out DIR`)")
    };
    McError::Invalid(message)
}

/// A run's row of `runs.csv`, parsed.
struct CsvRow {
    /// 1-based line in the file.
    line: u64,
    seed: u64,
    values: Vec<f64>,
    outcomes: Vec<(String, f64)>,
}

impl CsvRow {
    /// Refuses a row whose seed or values differ (bit for bit) from the design's.
    /// `math`: the manifest's maths library fingerprint, named as the cause
    /// of a value that differs when it is not this machine's.
    fn check(
        &self,
        path: &Path,
        seed: u64,
        paths: &[String],
        values: &[f64],
        math: Option<&str>,
    ) -> Result<()> {
        let recorded = paths.iter().map(String::as_str).zip(self.values.iter().copied());
        check_inputs(
            &format!("{}:{}", path.display(), self.line),
            self.seed,
            recorded,
            seed,
            values,
            math,
        )
    }
}

/// Refuses recorded inputs (a seed, and values by parameter path) that
/// differ, bit for bit, from the seed and values the design gives.
fn check_inputs<'a>(
    at: &str,
    recorded_seed: u64,
    recorded: impl Iterator<Item = (&'a str, f64)>,
    seed: u64,
    values: &[f64],
    math: Option<&str>,
) -> Result<()> {
    if recorded_seed != seed {
        return Err(mismatch(
            at,
            "seed",
            &recorded_seed.to_string(),
            &seed.to_string(),
        ));
    }
    for ((p, a), b) in recorded.zip(values) {
        if a.to_bits() != b.to_bits() {
            if let Some(cause) = crate::manifest::math_cause(math) {
                return Err(McError::Invalid(format!(
                    "{at}: the run's `{p}` is {}, but the batch's design computed here gives {}: {cause}",
                    num(a),
                    num(*b)
                )));
            }
            return Err(mismatch(at, &format!("`{p}`"), &num(a), &num(*b)));
        }
    }
    Ok(())
}

fn mismatch(at: &str, what: &str, recorded: &str, design: &str) -> McError {
    McError::Invalid(format!(
        "{at}: the run's {what} is {recorded}, but the batch's manifest gives {design}: \
         the file does not belong to this manifest (edited, or copied from another batch); \
         refusing to replay a run whose inputs are in doubt"
    ))
}

/// Reads run `run`'s row of `runs.csv` (columns `run,seed,<paths>,<outcomes>`).
/// A finished batch's file must have the row and the manifest's columns.
fn runs_csv_row(path: &Path, paths: &[String], run: u64, complete: bool) -> Result<Option<CsvRow>> {
    let t = read_runs_csv(path, paths.len())?;
    if t.param_names != paths {
        return Err(McError::Invalid(format!(
            "{}:1: parameter columns {} differ from the manifest's parameters {}: the file does \
             not belong to this manifest",
            path.display(),
            t.param_names.join(","),
            paths.join(",")
        )));
    }
    let Some(r) = t.runs.iter().position(|&i| i == run) else {
        if complete {
            return Err(McError::Invalid(format!(
                "{} has no row for run {run}, though the manifest says the batch finished: \
                 rebuild the outputs (`aistack merge` or `--resume`) or replay from a copy of the batch",
                path.display()
            )));
        }
        return Ok(None);
    };
    let outcomes = t
        .outcome_names
        .iter()
        .zip(&t.outcomes[r])
        .filter_map(|(n, v)| v.map(|v| (n.clone(), v)))
        .collect();
    Ok(Some(CsvRow {
        // Header on line 1, one line per record (no cell holds a newline).
        line: r as u64 + 2,
        seed: t.seeds[r],
        values: t.params[r].clone(),
        outcomes,
    }))
}
