//! `aistack eval SCENARIO --design design.csv`: one run per row of an external
//! design whose columns are parameter paths (SALib, EMA Workbench, R's
//! `sensitivity` write such files), outcomes written in row order.
//!
//! Row r (0-based, header excluded) runs with seed `run_seed(master, r)`,
//! or, when the design has a [`SEED_COLUMN`] (`seed`), with `run_seed(master,
//! s)` for that row's value s: the stochastic stream of run s of a batch with
//! the same master seed. Rows with equal `seed` share the model's noise
//! (common random numbers), so a Saltelli design whose rows of one base
//! sample share a seed keeps that noise out of the differences its indices
//! are built from, as `sensitivity` does. A design may vary a subset of the uncertain parameters when
//! [`EvalOptions::others`] says how to set the rest ([`Others`]: each at its
//! distribution's median, or drawn per row as run r of a plain Monte Carlo
//! batch with the same master seed draws it); without it, every model
//! parameter needs a column. Unknown and repeated columns, a design without
//! rows, and an `--out` that holds a finished batch or eval (or, without a
//! manifest, files an eval writes: [`crate::store::refuse_foreign_outputs`])
//! are refused; one
//! holding run files of an unfinished eval is finished with
//! [`EvalOptions::resume`] (each file checked against its row), and a
//! finished eval resumed with the arguments it ran with is left as it is
//! (its outputs rebuilt to the same bytes), so a requeued array task
//! succeeds. Every row
//! (of the shard) is checked ([`Model::check`]) before the first run, so a row the scenario
//! would refuse is named (design file, line and column) before any run is
//! made; a run that fails anyway leaves no run files behind. Outputs in
//! `out`: `runs/` (durable per-row files), `runs.csv` (row = run, every
//! parameter's value as run, the filled ones included), `bands.csv`,
//! `summary.json`, `convergence.csv` and `manifest.json` (design `external`,
//! and `eval`: [`EvalRecord`]), like a batch, so `plot` works on it too.
//!
//! With [`EvalOptions::shard`] `K/M`, only the rows r with `r % M == K` run
//! (r still their index in the whole design, so seeds and values are those
//! of the unsharded eval), as a batch's `--shard`; the manifest records the
//! shard and the design's hash ([`EvalRecord::design_hash`]), and
//! [`crate::merge`] of the M shard directories writes what one unsharded
//! eval writes, refusing shards of another design, scenario or seed.

use crate::design::{Design, Sampler, run_seed, validate_parameters};
use crate::manifest::{
    Build, MANIFEST_FORMAT, Manifest, OutputsRecord, Shard, TARGET_TRIPLE, check_build, crate_versions,
    identity_hash,
};
use crate::outputs::{OutputOptions, RunsTable, rebuild_outputs};
use crate::runner::{Progress, thread_pool};
use crate::store::{RunRecord, list_runs, runs_dir, write_run};
use crate::{McError, Model, ParamSpec, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How `eval` sets the parameters its design has no column for (`--others`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Others {
    /// Each at its distribution's median, the same in every row (`--others median`).
    Median,
    /// Each drawn per row: row r gets the value run r of a plain Monte Carlo
    /// batch (`--design mc`) with the same master seed draws ([`Sampler::draw`]),
    /// declared rank correlations among the drawn parameters included
    /// (`--others drawn`).
    Drawn,
}

impl std::fmt::Display for Others {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Others::Median => "median",
            Others::Drawn => "drawn",
        })
    }
}

impl std::str::FromStr for Others {
    type Err = McError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "median" => Ok(Others::Median),
            "drawn" => Ok(Others::Drawn),
            other => Err(McError::Invalid(format!(
                "`{other}`: expected `median` (each parameter without a column at its \
                 distribution's median) or `drawn` (drawn per row as a batch's plain Monte Carlo run)"
            ))),
        }
    }
}

/// The optional design column that sets a row's run seed: a non-negative
/// integer s, run with `run_seed(master_seed, s)` (as run s of a batch),
/// instead of row r's own `run_seed(master_seed, r)`. A scenario parameter
/// of this name (none has one) would take the column as its own instead.
pub const SEED_COLUMN: &str = "seed";

/// What an eval records in its manifest (`eval`): the design file and how
/// the parameters it has no column for were set. Their values, as run, are
/// in `runs.csv` like every other parameter's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalRecord {
    /// The design CSV, as given.
    pub design_file: String,
    /// [`identity_hash`] of the design file's bytes: what `merge` compares
    /// to refuse shards of different designs (the path may differ between
    /// machines). `None` in manifests written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_hash: Option<String>,
    /// How the parameters without a column were set (`--others`); `None`
    /// when it was not given (then every parameter had a column).
    pub others: Option<Others>,
    /// The parameters without a column in the design, in the model's order
    /// (empty when the design gives every one).
    pub others_parameters: Vec<String>,
    /// True when the design had a [`SEED_COLUMN`]: each row's run seed is
    /// then the one its run file and `runs.csv` record (`run_seed(master,
    /// s)`), not `run_seed(master, row)`, and `run --from-batch` replays
    /// it with that seed. False (and absent) otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub seed_column: bool,
}

/// What an eval did.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalReport {
    /// The runs table as written to `runs.csv`.
    pub table: RunsTable,
    /// What the caller should tell the user (declared rank correlations
    /// that `--others drawn` cannot honour).
    pub notes: Vec<String>,
    /// What the manifest records of the design: its file and how the
    /// parameters without a column were set.
    pub record: EvalRecord,
    /// Rows run by this call; the rest of the table's rows were reused
    /// from run files (`--resume`).
    pub ran_now: u64,
}

/// Options of `aistack eval`.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalOptions {
    /// The design CSV (`--design`): header of parameter paths, one run per row.
    pub design_csv: PathBuf,
    /// Output directory (must not already hold runs).
    pub out: PathBuf,
    /// Master seed for the runs' stochastic processes (`--seed`).
    pub master_seed: u64,
    /// Worker threads (`--threads`; `None`: every core).
    pub threads: Option<usize>,
    /// Output options.
    pub output: OutputOptions,
    /// Version of the calling tool, recorded in the manifest.
    pub tool_version: String,
    /// The calling tool's build (git revision), recorded in the manifest.
    pub build: Build,
    /// The command line, recorded in the manifest.
    pub command_line: Vec<String>,
    /// How to set the parameters the design has no column for (`--others`);
    /// `None`: a design must give every parameter, and one that does not is
    /// refused with the missing parameters and both choices.
    pub others: Option<Others>,
    /// Finish an interrupted eval in `out` (`--resume`): its run files are
    /// reused where each is the row's (checksum, seed, scenario and values,
    /// bit for bit), the other rows are run.
    pub resume: bool,
    /// Only this shard's rows (`--shard K/M`: rows r with `r % M == K`,
    /// counted from 0 as the run index); `None` (or `K/1`): every row.
    pub shard: Option<Shard>,
}

/// Reads a design: returns, per row, the values in the model's parameter order.
pub fn read_design(path: &Path, params: &[crate::ParamSpec]) -> Result<Vec<Vec<f64>>> {
    Ok(read_design_rows(path, params)?
        .into_iter()
        .map(|r| r.values)
        .collect())
}

/// One row of a design file.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignRow {
    /// 1-based line of the row in the file (the header is line 1).
    pub line: u64,
    /// The values, in the model's parameter order.
    pub values: Vec<f64>,
}

/// Reads a design with each row's line: refuses unknown, missing and repeated
/// columns, cells that are not finite numbers (naming file:line and column)
/// and a file without rows.
pub fn read_design_rows(path: &Path, params: &[crate::ParamSpec]) -> Result<Vec<DesignRow>> {
    Ok(read_design_table(path, params, None)?.rows)
}

/// The refusal of design column `i` (from 0), headed `h`, that names no
/// uncertain parameter of `params`: with the closest name among the
/// parameters and the optional `seed` column, and a hint for the usual
/// slips: a row index written by pandas (`index=False`) or R's `write.csv`
/// (`row.names = FALSE`), whose header is empty or `Unnamed: 0`, and a
/// batch's `run` column (rename it `seed`).
fn unknown_column(path: &Path, i: usize, columns: usize, h: &str, params: &[ParamSpec]) -> McError {
    let (file, col) = (path.display(), i + 1);
    // One column whose name holds `;` or a tab: another delimiter (Excel
    // writes `;` where the decimal mark is a comma).
    if columns == 1
        && let Some(name) = [(';', "semicolons"), ('\t', "tabs")]
            .into_iter()
            .find_map(|(d, name)| h.contains(d).then_some(name))
    {
        return McError::Invalid(format!(
            "{file}:1: the header is one column holding {name}: the design looks separated by \
             {name}, and a design is comma-separated CSV (columns are parameter paths, and \
             optionally `{SEED_COLUMN}`); write it with commas (pandas: `df.to_csv(\"{file}\", \
             index=False)`; Excel: save as \"CSV (Comma delimited)\"; R: `write.csv`), with `.` \
             as the decimal mark"
        ));
    }
    if h.is_empty() && i + 1 == columns && i > 0 {
        return McError::Invalid(format!(
            "{file}:1: column {col}, the last, has no name: the header ends with a comma; remove \
             it (and the rows' trailing commas, if they have them)"
        ));
    }
    if h.is_empty() || h.starts_with("Unnamed: ") {
        let name = if h.is_empty() {
            "no name".to_string()
        } else {
            format!("the name `{h}`")
        };
        return McError::Invalid(format!(
            "{file}:1: column {col} has {name}: it looks like a row index, which pandas writes \
             unless told `index=False` (`df.to_csv(\"{file}\", index=False)`) and R's write.csv \
             unless told `row.names = FALSE`; write the design without it (a design's columns \
             are parameter paths, and optionally `{SEED_COLUMN}`)"
        ));
    }
    if h == "run" {
        return McError::Invalid(format!(
            "{file}:1: column {col} `run` is no parameter: to run a batch's runs again, rename \
             its `run` column `{SEED_COLUMN}` (a `{SEED_COLUMN}` column s runs a row with run s's \
             seed; give the batch's --seed) and leave out runs.csv's own `seed` column (the seeds \
             derived from it, not run indices); to run its rows with fresh noise, drop the column"
        ));
    }
    let mut known: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
    // Names are case-sensitive: `Seed` or `SEED` (R, Stata) is `seed`.
    let near = known
        .iter()
        .copied()
        .chain([SEED_COLUMN])
        .find(|k| k.eq_ignore_ascii_case(h))
        .or_else(|| stack::error::did_you_mean(h, known.iter().copied().chain([SEED_COLUMN])))
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    let known = if known.is_empty() {
        format!(
            "the scenario declares none (give numbers a distribution under `uncertain`); the \
             optional `{SEED_COLUMN}` column sets a row's seed"
        )
    } else {
        known.push(SEED_COLUMN);
        format!("known: {} (optional: a row's seed)", known.join(", "))
    };
    McError::Invalid(format!(
        "{file}:1: column {col} `{h}` is not an uncertain parameter of the scenario{near}; {known}"
    ))
}

/// A design as read: its rows, and the parameters it has no column for.
struct DesignTable {
    /// The rows; a parameter without a column holds `NaN` until [`fill_others`].
    rows: Vec<DesignRow>,
    /// Indices (into the parameters) of those without a column, ascending.
    missing: Vec<usize>,
    /// Each row's [`SEED_COLUMN`] value, when the design has that column.
    seeds: Option<Vec<u64>>,
    /// [`identity_hash`] of the file's bytes.
    hash: String,
}

/// Reads a design (see [`read_design_rows`]). Parameters without a column are
/// refused when `others` is `None` (naming them and both choices of
/// `--others`), else left `NaN` for [`fill_others`].
fn read_design_table(path: &Path, params: &[ParamSpec], others: Option<Others>) -> Result<DesignTable> {
    let csv_err = |source| McError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(crate::error::io_err(path))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(McError::Invalid(format!(
            "{}: the design file is empty: it needs a header of parameter paths (line 1) and \
             one row of values per run",
            path.display()
        )));
    }
    // Flexible: a row with another number of fields than the header is
    // refused below with its file:line and both counts, not the csv crate's
    // record and byte offsets.
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut header: Vec<String> = rd.headers().map_err(csv_err)?.iter().map(String::from).collect();
    // The seed column (unless a parameter has its name) is no parameter:
    // its index, then blanked so the checks below pass over it.
    let seed_col = header
        .iter()
        .position(|h| h == SEED_COLUMN)
        .filter(|_| !params.iter().any(|p| p.path == SEED_COLUMN));
    if let Some(c) = seed_col {
        if let Some(j) = header[c + 1..].iter().position(|h| h == SEED_COLUMN) {
            return Err(McError::Invalid(format!(
                "{}:1: column `{SEED_COLUMN}` appears twice (columns {} and {}); give one",
                path.display(),
                c + 1,
                c + j + 2
            )));
        }
        header[c] = String::new();
    }
    for (i, h) in header.iter().enumerate() {
        if Some(i) == seed_col {
            continue;
        }
        if !params.iter().any(|p| &p.path == h) {
            return Err(unknown_column(path, i, header.len(), h, params));
        }
        if let Some(j) = header[..i].iter().position(|e| e == h) {
            return Err(McError::Invalid(format!(
                "{}:1: column `{h}` appears twice (columns {} and {}); give each parameter one column",
                path.display(),
                j + 1,
                i + 1
            )));
        }
    }
    let cols: Vec<Option<usize>> = params
        .iter()
        .map(|p| header.iter().position(|h| h == &p.path))
        .collect();
    let missing: Vec<usize> = (0..params.len()).filter(|&j| cols[j].is_none()).collect();
    if !missing.is_empty() && others.is_none() {
        let names: Vec<String> = missing.iter().map(|&j| format!("`{}`", params[j].path)).collect();
        let given: Vec<&str> = header
            .iter()
            .filter(|h| !h.is_empty())
            .map(String::as_str)
            .collect();
        let given = if given.is_empty() {
            "no parameter".to_string()
        } else {
            given.join(", ")
        };
        return Err(McError::Invalid(format!(
            "{}:1: no column for {} of the scenario's {} uncertain parameters: {} (the design gives \
             {given}). Give each a column, or choose how to set the parameters without one: \
             `--others median` holds each at its distribution's median, `--others drawn` draws \
             each per row as run r of a plain Monte Carlo batch with the same --seed draws it",
            path.display(),
            missing.len(),
            params.len(),
            names.join(", ")
        )));
    }
    let mut rows = Vec::new();
    let mut seeds = seed_col.map(|_| Vec::new());
    let mut lines = LineCounter::new(&bytes);
    for rec in rd.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| lines.record_line(p.byte()));
        if rec.len() != header.len() {
            return Err(McError::Invalid(format!(
                "{}:{line}: row has {} field{}, the header has {} ({}): give one value per column",
                path.display(),
                rec.len(),
                if rec.len() == 1 { "" } else { "s" },
                header.len(),
                header.join(", ")
            )));
        }
        // The cell of column `c`, unless it is blank (which read "`` is
        // not a finite number": audit s30).
        let filled = |c: usize, name: &str, every_row_gives: &str| {
            let cell = rec.get(c).unwrap_or("");
            if cell.trim().is_empty() {
                return Err(McError::Invalid(format!(
                    "{}:{line}: column `{name}` (column {} of the header) is empty: every row \
                     gives {every_row_gives}",
                    path.display(),
                    c + 1
                )));
            }
            Ok(cell)
        };
        if let (Some(c), Some(seeds)) = (seed_col, seeds.as_mut()) {
            let cell = filled(c, SEED_COLUMN, "its seed, a run index")?;
            seeds.push(seed_cell(cell).ok_or_else(|| {
                McError::Invalid(format!(
                    "{}:{line}: column `{SEED_COLUMN}` = `{cell}` is not a non-negative integer \
                     (or, written as a float, is not below 2^53, where floats skip integers: \
                     write it as an integer); row seeds are run indices: the row runs with run \
                     s's seed",
                    path.display()
                ))
            })?);
        }
        let values = cols
            .iter()
            .zip(params)
            .map(|(c, p)| {
                let Some(c) = *c else {
                    return Ok(f64::NAN);
                };
                let cell = filled(c, &p.path, "a number in every parameter column")?;
                cell.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    McError::Invalid(format!(
                        "{}:{line}: column `{}` = `{cell}` is not a finite number",
                        path.display(),
                        p.path
                    ))
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        rows.push(DesignRow { line, values });
    }
    if rows.is_empty() {
        return Err(McError::Invalid(format!(
            "{}: the design has no rows (only a header, line 1): nothing to evaluate",
            path.display()
        )));
    }
    Ok(DesignTable {
        rows,
        missing,
        seeds,
        hash: identity_hash(&bytes),
    })
}

/// A design's `seed` cell as a run index: a non-negative integer, written
/// as one (`3`) or as a float with no fraction (`3.0`, `3e0`: what
/// `numpy.savetxt` and pandas write for a float column), below 2⁵³ when
/// written as a float (from there on a float does not hold every integer,
/// so `9007199254740993.0` would silently be another run).
fn seed_cell(cell: &str) -> Option<u64> {
    let cell = cell.trim();
    cell.parse::<u64>().ok().or_else(|| {
        let v: f64 = cell.parse().ok()?;
        (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 9_007_199_254_740_992.0).then_some(v as u64)
    })
}

/// Line numbers of a design's records, counted as the records are read:
/// each call scans only the bytes since the previous record, so reading a
/// design is linear in its size (counting from the file's start for every
/// record made a 20,000-row design take 105 s to read: audit s23-scale, F1).
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Bytes before this position have been counted.
    pos: usize,
    /// Line ends in `bytes[..pos]`.
    ends: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            bytes,
            pos: 0,
            ends: 0,
        }
    }

    /// The 1-based line on which the record that the csv crate places at
    /// byte `start` begins. The crate puts a record's start right after the
    /// previous record's terminator, so the line ends (LF, CRLF or a lone
    /// CR) and blank lines between the two are skipped first; its own
    /// `line()` counts from there and is off by one for CRLF files and by
    /// the blank lines before a row. Records come in increasing order; an
    /// earlier `start` is counted again from the file's start.
    fn record_line(&mut self, start: u64) -> u64 {
        let bytes = self.bytes;
        let start = usize::try_from(start).unwrap_or(usize::MAX).min(bytes.len());
        let skipped = bytes[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let end = start + skipped;
        if end < self.pos {
            (self.pos, self.ends) = (0, 0);
        }
        // A line end is a `\n`, or a `\r` not followed by `\n` (old Mac
        // files). `end` never splits a CRLF pair (the skip above takes the
        // whole terminator), so looking one byte past it is what a count
        // from the start would see.
        self.ends += (self.pos..end)
            .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
            .count() as u64;
        self.pos = end;
        self.ends + 1
    }
}

/// Sets the parameters `missing` of every row as `others` says: the
/// distribution's median, or row r's value in a plain Monte Carlo batch of
/// `model` with master seed `master_seed` ([`Sampler::draw`] of run r, or
/// of run `seeds[r]` when the design has a seed column, so rows that share
/// the model's noise share the drawn values too).
fn fill_others<M: Model + ?Sized>(
    model: &M,
    params: &[ParamSpec],
    rows: &mut [DesignRow],
    (missing, seeds): (&[usize], Option<&[u64]>),
    others: Others,
    master_seed: u64,
) -> Result<()> {
    if missing.is_empty() {
        return Ok(());
    }
    match others {
        Others::Median => {
            for row in rows.iter_mut() {
                for &j in missing {
                    row.values[j] = params[j].dist.quantile(0.5);
                }
            }
        }
        Others::Drawn => {
            let sampler = Sampler::new(
                params,
                &model.correlations(),
                Design::Mc,
                master_seed,
                rows.len() as u64,
            )?;
            for (r, row) in rows.iter_mut().enumerate() {
                let drawn = sampler.draw(seeds.map_or(r as u64, |s| s[r]));
                for &j in missing {
                    row.values[j] = drawn[j];
                }
            }
        }
    }
    Ok(())
}

/// The declared rank correlations that `--others drawn` cannot honour: those
/// between a parameter the design gives and one drawn, as a note (`None` if
/// there are none). The drawn value is the batch's, correlated with the
/// batch's draw of the other parameter, not with the design's value.
fn broken_correlations_note<M: Model + ?Sized>(
    model: &M,
    params: &[ParamSpec],
    missing: &[usize],
    others: Option<Others>,
) -> Option<String> {
    if others != Some(Others::Drawn) {
        return None;
    }
    let drawn = |path: &str| missing.iter().any(|&j| params[j].path == path);
    let pairs: Vec<String> = model
        .correlations()
        .iter()
        .filter(|c| drawn(&c.a) != drawn(&c.b))
        .map(|c| format!("{} ~ {} (ρ = {})", c.a, c.b, c.rho))
        .collect();
    (!pairs.is_empty()).then(|| {
        format!(
            "the declared rank correlations {} link a parameter the design gives to one \
             `--others drawn` draws; the drawn values are those of the batch's runs, correlated \
             with the batch's draws, not with the design's values, so the eval's rows do not \
             follow these correlations",
            pairs.join(", ")
        )
    })
}

/// Checks every row with [`Model::check`] before any run. A refused row is
/// named by file:line, with the column(s) whose value the scenario refuses:
/// each column is tried alone, the others at their parameter's median. A
/// parameter without a column (`missing`, set by `--others`) is named as such.
fn check_rows<M: Model + ?Sized>(
    model: &M,
    path: &Path,
    params: &[ParamSpec],
    rows: &[DesignRow],
    missing: &[usize],
    others: Option<Others>,
) -> Result<()> {
    let medians: Vec<f64> = params.iter().map(|p| p.dist.quantile(0.5)).collect();
    for row in rows {
        let Err(e) = model.check(&row.values) else {
            continue;
        };
        let culprits: Vec<usize> = (0..params.len())
            .filter(|&j| {
                let mut alone = medians.clone();
                alone[j] = row.values[j];
                model.check(&alone).is_err()
            })
            .collect();
        let cell = |j: usize| format!("`{}` = {}", params[j].path, show(row.values[j]));
        let what = if culprits.iter().any(|j| missing.contains(j)) {
            let how = others.map_or_else(String::new, |o| format!("--others {o}"));
            culprits
                .iter()
                .map(|&j| {
                    if missing.contains(&j) {
                        format!("{} (no column: set by {how})", cell(j))
                    } else {
                        format!("column {}", cell(j))
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            match culprits.len() {
                0 => "the row's values together".to_string(),
                1 => format!("column {}", cell(culprits[0])),
                _ => format!(
                    "columns {}",
                    culprits.iter().map(|&j| cell(j)).collect::<Vec<_>>().join(", ")
                ),
            }
        };
        return Err(McError::Invalid(format!(
            "{}:{}: {what}: the scenario refuses it: {e}; no run was made",
            path.display(),
            row.line
        )));
    }
    Ok(())
}

/// Most design cells [`outside_support_note`] names; the rest are counted.
const OUTSIDE_NAMED: usize = 5;

/// A note naming the design cells (of `rows`, the parameters with a column,
/// not those in `missing`) outside their parameter's declared support
/// ([`scheduler::Dist::support`]: values its distribution cannot take),
/// `None` when there are none. They are run as given — a value beyond the
/// distribution may be the point of the experiment — but said, since a
/// slip (MW for GW, a percent for a share) looks the same.
fn outside_support_note(
    path: &Path,
    params: &[ParamSpec],
    rows: &[DesignRow],
    missing: &[usize],
) -> Option<String> {
    let mut named = Vec::new();
    let mut count = 0usize;
    for row in rows {
        for (j, p) in params.iter().enumerate() {
            let v = row.values[j];
            let (lo, hi) = p.dist.support();
            if missing.contains(&j) || (lo <= v && v <= hi) {
                continue;
            }
            count += 1;
            if named.len() < OUTSIDE_NAMED {
                named.push(format!(
                    "{}:{} `{}` = {} ({} on [{lo}, {hi}])",
                    path.display(),
                    row.line,
                    p.path,
                    show(v),
                    p.dist.name()
                ));
            }
        }
    }
    (count > 0).then(|| {
        format!(
            "{count} design cell{} outside {} parameter's declared distribution (values a batch \
             never draws), run as given: {}{}",
            if count == 1 { " lies" } else { "s lie" },
            if count == 1 { "its" } else { "their" },
            named.join(", "),
            if count > named.len() {
                format!(" and {} more", count - named.len())
            } else {
                String::new()
            }
        )
    })
}

/// Refuses a run file, found when resuming an eval, whose recorded inputs
/// are those of its row as the design once gave it, not as it gives it now
/// (audit s26 econ F5: the design file edited after the eval was
/// interrupted was reported as a corrupt run file, in a batch's words).
/// `row` is the row's index and line in `design_csv`; `seed` the seed this
/// design gives it and whether a `seed` column gave it; `expected` the
/// row's values now (those of the `missing` parameters, set by `--others`,
/// are not the design's and are left to the run file check). A file this
/// cannot read, or whose index or parameter paths differ, is left to that
/// check too.
fn refuse_changed_row(
    path: &Path,
    (r, line): (u64, u64),
    (seed, column_seeds): (u64, bool),
    expected: &[(String, f64)],
    missing: &[usize],
    design_csv: &Path,
    what_to_do: &str,
) -> Result<()> {
    let Ok(rec) = crate::store::read_run_inputs(path) else {
        return Ok(());
    };
    if rec.run != r
        || rec.params.len() != expected.len()
        || rec.params.iter().zip(expected).any(|((a, _), (b, _))| a != b)
    {
        return Ok(());
    }
    let mut changed: Vec<String> = rec
        .params
        .iter()
        .zip(expected)
        .enumerate()
        .filter(|&(j, ((_, then), (_, now)))| !missing.contains(&j) && then.to_bits() != now.to_bits())
        .map(|(_, ((p, then), (_, now)))| format!("`{p}` is {} now, {} then", show(*now), show(*then)))
        .collect();
    if column_seeds && rec.seed != seed && !changed.is_empty() {
        changed.push(format!("its `{SEED_COLUMN}` gives another run seed than then"));
    }
    if changed.is_empty() {
        return Ok(());
    }
    Err(McError::Invalid(format!(
        "{}:{line}: design row {r} differs from the row its run was made with ({}): the design \
         file changed since the eval was interrupted. Restore the design as it was and resume, \
         or evaluate the changed design into another --out; or, to resume with the changed \
         design, for {}: {what_to_do}",
        design_csv.display(),
        changed.join(", "),
        path.display()
    )))
}

/// Refuses a run file, found when resuming an eval, whose row the design
/// gives as it gave it then, but that was made with other arguments than
/// this command's: another scenario, another `--seed`, or other values of
/// the parameters `--others` sets (`missing`). The eval has no manifest
/// until it finishes, so the arguments it was started with are known only
/// from its run files (audit s30 econ: a `--seed` or `--others` other than
/// the interrupted eval's was reported as a run file "copied from another
/// batch, or edited", in a batch's words, with the advice to move it away,
/// which only moved the refusal to the next row). A file this cannot read,
/// or whose index differs, is left to the run file check, as is one of this
/// scenario whose parameter paths differ.
fn refuse_other_arguments(
    path: &Path,
    r: u64,
    (seed, column_seeds): (u64, bool),
    scenario: &str,
    expected: &[(String, f64)],
    missing: &[usize],
    o: &EvalOptions,
) -> Result<()> {
    let Ok(rec) = crate::store::read_run_inputs(path) else {
        return Ok(());
    };
    if rec.run != r {
        return Ok(());
    }
    let out = o.out.display();
    let way_on = format!(
        "resume with the arguments the interrupted eval was started with (its run files record \
         the scenario, seeds and values they were made with, not its command), or evaluate into \
         another --out (or remove {out} first)"
    );
    let file = path.display();
    if !rec.scenario.is_empty() && rec.scenario != scenario {
        return Err(McError::Invalid(format!(
            "{out} holds an interrupted eval of another scenario: {file} was made with the \
             scenario {}, this command's is {scenario} (another file, or the file changed since); \
             {way_on}",
            rec.scenario
        )));
    }
    if rec.params.len() != expected.len() || rec.params.iter().zip(expected).any(|((a, _), (b, _))| a != b) {
        return Ok(());
    }
    if rec.seed != seed {
        let or_column = if column_seeds {
            format!(" (or the row's `{SEED_COLUMN}` changed since)")
        } else {
            String::new()
        };
        return Err(McError::Invalid(format!(
            "{file}: row {r} was run with the seed {}, but this command gives it {seed}: the \
             interrupted eval ran with another --seed than {}{or_column}; {way_on}",
            rec.seed, o.master_seed
        )));
    }
    // The first few, as the note on cells outside their distribution.
    let mut others: Vec<String> = missing
        .iter()
        .filter_map(|&j| {
            let ((p, then), (_, now)) = (&rec.params[j], &expected[j]);
            (then.to_bits() != now.to_bits())
                .then(|| format!("`{p}` was {} then, is {} now", show(*then), show(*now)))
        })
        .collect();
    if others.len() > 3 {
        let more = others.len() - 3;
        others.truncate(3);
        others.push(format!("and {more} more"));
    }
    if !others.is_empty() {
        let given = o
            .others
            .map_or("no --others".to_string(), |m| format!("--others {m}"));
        return Err(McError::Invalid(format!(
            "{file}: row {r}'s parameters without a design column were set otherwise than this \
             command's {given} sets them ({}): the interrupted eval ran with another --others; \
             {way_on}",
            others.join(", ")
        )));
    }
    Ok(())
}

/// A design value as a message shows it: as `{}` prints it, or in
/// e-notation (`1e300`) where that would be a long run of digits (audit s26
/// econ F13: 1e300 was echoed as a 301-digit integer).
fn show(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Runs one model run per design row and writes the outputs (see the module docs).
pub fn eval_design<M: Model + ?Sized>(
    model: &M,
    o: &EvalOptions,
    progress: &dyn Progress,
) -> Result<EvalReport> {
    let params = model.parameters();
    validate_parameters(&params)?;
    let DesignTable {
        mut rows,
        missing,
        seeds,
        hash: design_hash,
    } = read_design_table(&o.design_csv, &params, o.others)?;
    // `K/1` is the whole design, as no shard is.
    let shard = o.shard.filter(|s| s.count > 1);
    let in_shard = |r: u64| shard.is_none_or(|s| s.contains(r));
    crate::runner::check_out_dir(&o.out)?;
    // Before the lock, whose file would stay in a directory refused here;
    // again under it below.
    crate::store::refuse_foreign_outputs(&o.out, "eval")?;
    // Locked before the check below, so another eval writing here now is
    // named as such; a directory created below is locked then.
    let mut lock = if o.out.is_dir() {
        Some(crate::lock::lock_dir(&o.out)?)
    } else {
        None
    };
    // A finished eval resumed with its own arguments is left as it is (a
    // requeued array task whose shard had finished succeeds); checked
    // against what this command would record once everything is known.
    let finished = match Manifest::read(&o.out)? {
        Some(rec) if o.resume && rec.eval.is_some() => Some(rec),
        Some(_) => {
            return Err(McError::Invalid(format!(
                "{} holds a finished batch or eval (manifest.json); eval does not add to it: \
                 choose another --out, or remove that directory first",
                o.out.display()
            )));
        }
        None => None,
    };
    // Rows an interrupted eval finished (its run files; no manifest yet).
    let done = list_runs(&o.out)?;
    if !done.is_empty() && !o.resume {
        return Err(McError::Invalid(format!(
            "{} already holds run files (runs/) of an unfinished eval: finish it with the same \
             command and `--resume`, or choose another --out",
            o.out.display()
        )));
    }
    crate::store::refuse_foreign_outputs(&o.out, "eval")?;
    if let Some(others) = o.others {
        let filled = (missing.as_slice(), seeds.as_deref());
        fill_others(model, &params, &mut rows, filled, others, o.master_seed)?;
    }
    // Only this shard's rows: each task of an array checks what it runs.
    let mine: Vec<DesignRow> = rows
        .iter()
        .enumerate()
        .filter(|&(r, _)| in_shard(r as u64))
        .map(|(_, row)| row.clone())
        .collect();
    check_rows(model, &o.design_csv, &params, &mine, &missing, o.others)?;
    let support_note = outside_support_note(&o.design_csv, &params, &mine, &missing);
    drop(mine);
    // Each row's line in the design file, for a resumed row that differs.
    let row_lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    let column_seeds = seeds.is_some();
    let design: Vec<Vec<f64>> = rows.into_iter().map(|r| r.values).collect();
    let record = EvalRecord {
        design_file: o.design_csv.display().to_string(),
        design_hash: Some(design_hash),
        others: o.others,
        others_parameters: missing.iter().map(|&j| params[j].path.clone()).collect(),
        seed_column: seeds.is_some(),
    };
    let runs: Vec<u64> = (0..design.len() as u64).filter(|&r| in_shard(r)).collect();
    let mut given = eval_manifest(
        model,
        o,
        params.clone(),
        shard,
        (design.len() as u64, runs.len() as u64),
        record.clone(),
    );
    // A finished eval whose manifest records no copy of its scenario (an
    // older build's) but whose directory holds a `scenario/` (that build's
    // user's, perhaps): left as it is, and no copy is kept, as a batch's
    // resume does.
    let copy_dir = o.out.join(crate::scenario_copy::SCENARIO_DIR);
    let copy_note = match &finished {
        Some(rec) if rec.scenario_copy.is_none() && given.scenario_copy.is_some() && copy_dir.exists() => {
            given.scenario_copy = None;
            Some(format!(
                "{} holds a {}/ that its manifest does not record as the eval's copy of its scenario \
                 (written by an older build, or yours): it is left as it is, and no copy is kept",
                o.out.display(),
                crate::scenario_copy::SCENARIO_DIR
            ))
        }
        _ => None,
    };
    // A finished eval's rows are reused only from the same build, as a
    // batch's (review s18-rev-mc, finding 1: a lost row was run again by
    // another build and the old manifest kept).
    let mut build_note = None;
    if let Some(rec) = &finished {
        check_finished(rec, &given, &o.out)?;
        build_note = check_build(&rec.build, &o.build, &o.out)?;
    }
    let pool = thread_pool(o.threads)?;
    let created = !o.out.exists();
    std::fs::create_dir_all(runs_dir(&o.out)).map_err(crate::error::io_err(runs_dir(&o.out)))?;
    if lock.is_none() {
        lock = Some(crate::lock::lock_dir(&o.out)?);
    }
    let seeds: Vec<u64> = match &seeds {
        Some(s) => s.iter().map(|&s| run_seed(o.master_seed, s)).collect(),
        None => (0..design.len() as u64)
            .map(|r| run_seed(o.master_seed, r))
            .collect(),
    };
    // Resuming: every run file must be its row's, before anything runs.
    let scenario = identity_hash(&model.identity());
    for &r in &done {
        let path = crate::store::run_file_path(&o.out, r);
        let what_to_do = format!(
            "move it out of {} and resume again (the row is then run anew)",
            runs_dir(&o.out).display()
        );
        let Some(values) = design.get(r as usize) else {
            return Err(McError::Invalid(format!(
                "{}: run {r}, but the design has {} rows: the file is not this eval's; {what_to_do}",
                path.display(),
                design.len()
            )));
        };
        if let Some(s) = shard.filter(|s| !s.contains(r)) {
            return Err(McError::Invalid(format!(
                "{}: row {r} is not in shard {s} (rows r with r % {} = {}): the directory holds \
                 runs of another shard or of the whole design; resume it with the --shard it was \
                 started with, or {what_to_do}",
                path.display(),
                s.count,
                s.index
            )));
        }
        let expected: Vec<(String, f64)> = params
            .iter()
            .map(|p| p.path.clone())
            .zip(values.iter().copied())
            .collect();
        refuse_changed_row(
            &path,
            (r, row_lines[r as usize]),
            (seeds[r as usize], column_seeds),
            &expected,
            &missing,
            &o.design_csv,
            &what_to_do,
        )?;
        refuse_other_arguments(
            &path,
            r,
            (seeds[r as usize], column_seeds),
            &scenario,
            &expected,
            &missing,
            o,
        )?;
        crate::store::check_run_inputs(
            &path,
            r,
            seeds[r as usize],
            crate::store::MadeWith {
                scenario: &scenario,
                math: None,
            },
            Some(&expected),
            &what_to_do,
        )?;
    }
    // `runs`, above: the rows this call writes the outputs of (every row,
    // or the shard's).
    let todo: Vec<(u64, u64)> = runs
        .iter()
        .filter(|r| !done.contains(r))
        .map(|&r| (r, seeds[r as usize]))
        .collect();
    progress.start(runs.len() as u64, (runs.len() - todo.len()) as u64);
    let ran = run_rows(model, o, &params, &design, &todo, &pool, progress);
    if ran.is_err() {
        // Run files of a failed eval would only block the next attempt (a
        // row that fails fails again): remove those this call wrote, never
        // those it reused, and the directories if this call created them
        // and they are empty.
        for &(r, _) in &todo {
            let _ = std::fs::remove_file(crate::store::run_file_path(&o.out, r));
        }
        let _ = std::fs::remove_dir(runs_dir(&o.out));
        if created {
            drop(lock.take());
            let _ = std::fs::remove_file(o.out.join(crate::lock::LOCK_FILE));
            let _ = std::fs::remove_dir(&o.out);
        }
    }
    ran?;
    progress.finish();
    progress.phase(&crate::runner::rebuild_phase(runs.len()));
    // The outputs are rebuilt from the run files: the same bytes when the
    // eval had finished (so a damaged `runs.csv` is repaired), whose
    // manifest then stays as it was (the build that ran the rows).
    let table = rebuild_outputs(&o.out, &runs, &o.output, Design::External, None)?.table;
    let notes = support_note
        .into_iter()
        .chain(broken_correlations_note(model, &params, &missing, o.others))
        .chain(build_note)
        .chain(copy_note)
        .collect();
    // The scenario's copy before the manifest that records it (a finished
    // eval's copy is written again where it is missing or changed).
    let copy_record = finished
        .as_ref()
        .map_or(&given, |rec| if todo.is_empty() { rec } else { &given });
    crate::runner::write_scenario_copy(&o.out, copy_record, &model.sources())?;
    match &finished {
        None => given.write(&o.out)?,
        // Rows lost from a finished eval ran again: the manifest records
        // this command and both builds.
        Some(rec) if !todo.is_empty() => Manifest {
            build: rec.build.combine(&o.build),
            // Rows of an older build, whose maths is unknown, stay unknown.
            math_fingerprint: rec.math_fingerprint.as_ref().and(given.math_fingerprint.clone()),
            ..given
        }
        .write(&o.out)?,
        Some(_) => {}
    }
    Ok(EvalReport {
        table,
        notes,
        record,
        ran_now: todo.len() as u64,
    })
}

/// Refuses to resume the finished eval in `dir` (recorded in `rec`) with
/// other arguments than those it ran with (`given`, the manifest this
/// command would write): scenario, seed, design file's content, rows,
/// shard, `--others` and the outputs asked for.
fn check_finished(rec: &Manifest, given: &Manifest, dir: &Path) -> Result<()> {
    let eval_fields = |m: &Manifest| {
        let e = m.eval.as_ref();
        vec![
            (
                "design_hash",
                e.and_then(|e| e.design_hash.clone()).unwrap_or_default(),
            ),
            (
                "others",
                e.and_then(|e| e.others)
                    .map_or_else(|| "none".to_string(), |o| format!("--others {o}")),
            ),
            ("seed_column", e.is_some_and(|e| e.seed_column).to_string()),
            ("outputs", serde_json::to_string(&m.outputs).unwrap_or_default()),
        ]
    };
    let fields = |m: &Manifest| {
        let mut f = m.identity_fields(true);
        f.extend(eval_fields(m));
        f
    };
    for ((field, recorded), (_, now)) in fields(rec).into_iter().zip(fields(given)) {
        if recorded != now {
            return Err(McError::Invalid(format!(
                "cannot resume {}: it holds a finished eval whose {field} was {recorded}, this \
                 command's is {now}; resume it with the arguments it ran with (its manifest's \
                 command_line), or choose another --out",
                dir.display()
            )));
        }
    }
    crate::manifest::check_math(
        rec.math_fingerprint.as_deref(),
        dir,
        crate::error::MathRefused::ResumeEval,
    )
}

/// Runs the design rows `todo`, `(row, its run seed)`, on `pool`, each
/// written durably as it finishes.
fn run_rows<M: Model + ?Sized>(
    model: &M,
    o: &EvalOptions,
    params: &[crate::ParamSpec],
    design: &[Vec<f64>],
    todo: &[(u64, u64)],
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
) -> Result<()> {
    let scenario = identity_hash(&model.identity());
    pool.install(|| {
        todo.par_iter().try_for_each(|&(run, seed)| {
            let values = &design[run as usize];
            let result = model
                .run(seed, values)
                .map_err(|source| McError::Model { run, seed, source })?;
            let params = params
                .iter()
                .zip(values)
                .map(|(p, &v)| (p.path.clone(), v))
                .collect();
            write_run(
                &o.out,
                &RunRecord {
                    run,
                    seed,
                    params,
                    scenario: scenario.clone(),
                    result,
                },
                true,
            )?;
            progress.run_finished();
            Ok::<(), McError>(())
        })
    })
}

/// Writes the manifest of a finished eval (design `external`): `rows` in
/// the design, `completed` of them (those of `shard`) in the outputs.
fn eval_manifest<M: Model + ?Sized>(
    model: &M,
    o: &EvalOptions,
    params: Vec<crate::ParamSpec>,
    shard: Option<Shard>,
    (rows, completed): (u64, u64),
    record: EvalRecord,
) -> Manifest {
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
        design: Design::External,
        replicates: 1,
        runs: rows,
        shard,
        until_rel_halfwidth: None,
        stop_outcomes: Vec::new(),
        parameters: params,
        correlations: model.correlations(),
        crate_versions: crate_versions(),
        target: TARGET_TRIPLE.to_string(),
        rustc_version: crate::manifest::rustc_version(),
        build_profile: crate::manifest::build_profile(),
        rustflags: crate::manifest::rustflags(),
        math_fingerprint: Some(crate::manifest::math_fingerprint()),
        command_line: o.command_line.clone(),
        merged_from: Vec::new(),
        completed_runs: Some(completed),
        stopped_at: None,
        outputs: Some(OutputsRecord::of(&o.output)),
        eval: Some(record),
    }
}

#[cfg(test)]
mod tests {
    use super::LineCounter;

    /// The count from the file's start for every record, which
    /// `LineCounter` replaced: its answers must not change.
    fn line_from_start(bytes: &[u8], start: usize) -> u64 {
        let skipped = bytes[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let before = &bytes[..start + skipped];
        let ends = before
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n')))
            .count();
        ends as u64 + 1
    }

    #[test]
    fn counting_as_records_are_read_gives_the_lines_a_count_from_the_start_gives() {
        // LF, CRLF, lone CR, blank lines, a quoted field holding line ends,
        // and a file ending without a terminator.
        let text = b"a,b\n1,2\r\n\r\n3,4\r5,6\n\n\n\"x\ny\",7\r\n8,9";
        let mut rd = csv::ReaderBuilder::new().has_headers(true).from_reader(&text[..]);
        let mut lines = LineCounter::new(text);
        let mut got = Vec::new();
        for rec in rd.records() {
            let start = rec.unwrap().position().unwrap().byte();
            let want = line_from_start(text, start as usize);
            assert_eq!(lines.record_line(start), want, "record at byte {start}");
            got.push(want);
        }
        assert_eq!(got, [2, 4, 5, 8, 10]);
        // A record asked for again, out of order, is counted from the start.
        assert_eq!(lines.record_line(4), 2);
    }
}
