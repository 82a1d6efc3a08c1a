//! The final outputs of a batch directory, rebuilt from `DIR/runs/` in run
//! order: `runs.csv` (and `runs.do`, which reads it into Stata), `bands.csv`,
//! `summary.json`, `convergence.csv` and, on request, `timeseries.csv`. Each is written to a temporary name and renamed,
//! so a reader never sees a partial file presented as complete.
//!
//! Because the outputs depend only on the set of run files, a resumed batch,
//! a merged set of shards and an uninterrupted batch write the same bytes.
//!
//! **Memory budget.** Exact bands keep every series value (8 bytes each)
//! until all runs are read. When the total would pass
//! [`OutputOptions::memory_budget_bytes`], the values are dropped and a
//! second pass fills one [`BinSketch`] per (metric, entity, instant) over the
//! range seen in the first pass, and a third keeps the min and max of the
//! few bins its quantiles read; the per-row error bound is written to
//! `bands.csv`. The per-key state (Welford, range, date) is always kept:
//! about 100 bytes per (metric, entity, instant).
//!
//! **Categorical series** (codes, such as the input that bound a month's
//! output; see [`OutputOptions::categories`]) get no quantiles: each of
//! their cells counts runs per category (8 bytes per category) in the
//! first pass, so their shares are exact whichever way quantities are
//! summarised, and a merge of shards writes the same shares as one batch.

use crate::convergence::{convergence_rows, replicate_groups, replicated_convergence_rows};
use crate::design::{Design, Replication};
use crate::error::io_err;
use crate::series::{Instant, Series, SeriesKey};
use crate::sketch::BinSketch;
use crate::stats::{OutcomeSummary, REPORTED_QUANTILES, Welford, quantiles_in_place};
use crate::store::{RunRecord, read_run, run_file_path, sync_dir};
use crate::{McError, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Default of [`OutputOptions::memory_budget_bytes`]: 512 MiB, about 1,400
/// ten-year china-2025 runs of exact bands.
pub const DEFAULT_MEMORY_BUDGET_BYTES: u64 = 512 << 20;

/// How outputs are rebuilt.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputOptions {
    /// Which scalar outcomes and series metrics are categories (codes, not
    /// quantities), and their names: `summary.json` gives an outcome's
    /// shares of runs, not a mean, and leaves it out of the convergence
    /// table and the default stopping rule; `bands.csv` gives a series'
    /// share of runs in each category per instant, not mean and
    /// quantiles. `None`: everything is a quantity.
    pub categories: Option<Categories>,
    /// Also write `timeseries.csv` (every run's series, long format with `run`).
    pub keep_timeseries: bool,
    /// Bytes of series values bands may hold for exact quantiles; past it they use sketches.
    pub memory_budget_bytes: u64,
    /// Bins per sketch (more bins: tighter bound, more memory: 4 bytes × bins × keys).
    pub sketch_bins: usize,
    /// Also write `runs.parquet`, `bands.parquet` (and `timeseries.parquet` with
    /// `keep_timeseries`); needs the crate's `parquet` feature, refused without it.
    pub parquet: bool,
}

/// Tells the codes and names of a scalar outcome or series metric whose
/// values are categories (which input bound, say), `None` for a quantity:
/// `(code, name)` pairs. A model crate supplies the function (aistack's is
/// `stack::report::category_codes`).
#[derive(Clone, Copy, Debug)]
pub struct Categories(pub fn(&str) -> Option<CategoryCodes>);

/// A category's `(code, name)` pairs.
pub type CategoryCodes = &'static [(i64, &'static str)];

impl Categories {
    /// The codes and names of `name` (an outcome or a series metric), if it is a category.
    pub fn of(&self, name: &str) -> Option<CategoryCodes> {
        (self.0)(name)
    }
}

impl PartialEq for Categories {
    /// The same function (options compare equal when they name the same one).
    fn eq(&self, other: &Self) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

/// Whether `categories` calls `outcome` a category.
pub fn is_categorical(categories: Option<Categories>, outcome: &str) -> bool {
    categories.is_some_and(|c| c.of(outcome).is_some())
}

/// Share of runs in each category, in code order, for the categories that
/// occur; a value that is no listed code is counted as `unknown`.
pub fn category_shares(values: &[f64], codes: &[(i64, &'static str)]) -> Vec<(&'static str, f64)> {
    let mut counts = vec![0u64; codes.len() + 1];
    for &v in values {
        counts[category_index(codes, v)] += 1;
    }
    shares_of_counts(codes, &counts)
        .filter(|(_, k, _)| *k > 0)
        .map(|(name, _, share)| (name, share))
        .collect()
}

/// Where `v` is counted among `codes`' categories: its code's position, or
/// `codes.len()` (`unknown`) for a value that is no listed code.
fn category_index(codes: &[(i64, &'static str)], v: f64) -> usize {
    codes
        .iter()
        .position(|(c, _)| *c as f64 == v)
        .unwrap_or(codes.len())
}

/// `(name, count, share)` of every category of `codes` in code order, then
/// `unknown`, from `counts` (one per code, then the unknown count).
fn shares_of_counts<'a>(
    codes: &'a [(i64, &'static str)],
    counts: &'a [u64],
) -> impl Iterator<Item = (&'static str, u64, f64)> + 'a {
    let n = counts.iter().sum::<u64>().max(1) as f64;
    codes
        .iter()
        .map(|(_, name)| *name)
        .chain(std::iter::once(UNKNOWN_CATEGORY))
        .zip(counts.iter().copied())
        .map(move |(name, k)| (name, k, k as f64 / n))
}

/// The category of a value that is none of an outcome's or series' codes.
pub const UNKNOWN_CATEGORY: &str = "unknown";

impl Default for OutputOptions {
    /// No time series; 512 MiB for exact bands; 2048-bin sketches.
    fn default() -> Self {
        OutputOptions {
            categories: None,
            keep_timeseries: false,
            memory_budget_bytes: DEFAULT_MEMORY_BUDGET_BYTES,
            sketch_bins: 2048,
            parquet: false,
        }
    }
}

/// Whether this build writes Parquet (the crate's `parquet` feature): without
/// it, [`OutputOptions::check`] refuses `parquet`.
pub const PARQUET_SUPPORTED: bool = cfg!(feature = "parquet");

impl OutputOptions {
    /// Refuses options this build cannot honour (Parquet without the `parquet`
    /// feature), so a batch fails before its runs rather than after.
    pub fn check(&self) -> Result<()> {
        if self.parquet && !cfg!(feature = "parquet") {
            return Err(McError::Invalid(
                "Parquet output needs a build with the `parquet` feature \
                 (cargo build --release -p aistack --features parquet)"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// The `runs.csv` table in memory: one row per run, in run order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunsTable {
    /// Run indices, ascending.
    pub runs: Vec<u64>,
    /// Each run's seed.
    pub seeds: Vec<u64>,
    /// Parameter paths (columns after `seed`).
    pub param_names: Vec<String>,
    /// `params[r][j]`: run r's value of parameter j.
    pub params: Vec<Vec<f64>>,
    /// Scalar outcome names, in order of first appearance in run order.
    pub outcome_names: Vec<String>,
    /// `outcomes[r][k]`: run r's outcome k, `None` when the run did not report it.
    pub outcomes: Vec<Vec<Option<f64>>>,
}

impl RunsTable {
    /// Values of parameter `name` in run order.
    pub fn param(&self, name: &str) -> Option<Vec<f64>> {
        let j = self.param_names.iter().position(|n| n == name)?;
        Some(self.params.iter().map(|r| r[j]).collect())
    }
    /// Values of outcome `name` in run order, with `None` for runs without it.
    pub fn outcome(&self, name: &str) -> Option<Vec<Option<f64>>> {
        let k = self.outcome_names.iter().position(|n| n == name)?;
        Some(
            self.outcomes
                .iter()
                .map(|r| r.get(k).copied().flatten())
                .collect(),
        )
    }
}

/// A file written under a temporary name and renamed into place by [`commit`](Self::commit).
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<std::fs::File>,
}

impl AtomicFile {
    /// Starts writing `path` (through `.<name>.tmp-<pid>` beside it).
    pub fn create(path: &Path) -> Result<Self> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let f = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            out: BufWriter::with_capacity(1 << 16, f),
        })
    }
    /// The writer.
    pub fn writer(&mut self) -> &mut BufWriter<std::fs::File> {
        &mut self.out
    }
    /// Flushes the buffer and fsyncs the temporary file, without renaming
    /// it: a caller renaming several files together syncs each first, so
    /// that an error the file system reports only at fsync (a full disk
    /// under delayed allocation, NFS, a quota) comes before anything is
    /// replaced (review s26-2, F6). [`commit`](Self::commit) then finds
    /// nothing left to write.
    pub fn sync(&mut self) -> Result<()> {
        self.out.flush().map_err(io_err(&self.tmp))?;
        self.out.get_ref().sync_all().map_err(io_err(&self.tmp))
    }
    /// Flushes, fsyncs and renames into place.
    pub fn commit(self) -> Result<()> {
        let AtomicFile { path, tmp, out } = self;
        let f = out.into_inner().map_err(|e| McError::Io {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
        f.sync_all().map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io_err(&path))
    }
    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes go to the temporary file (buffered); only [`AtomicFile::commit`]
/// puts them at the destination, so a writer that fails half-way (the
/// Parquet writer, say) leaves no partial file under the real name.
impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Writes a CSV atomically from rows of string cells.
pub fn write_csv(path: &Path, header: &[String], rows: impl IntoIterator<Item = Vec<String>>) -> Result<()> {
    csv_file(path, header, rows)?.commit()
}

/// Writes a CSV from rows of string cells to its temporary file, flushed
/// but not yet [committed](AtomicFile::commit): for files that are renamed
/// into place together, once every one of them is written.
pub fn csv_file(
    path: &Path,
    header: &[String],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<AtomicFile> {
    let mut file = AtomicFile::create(path)?;
    {
        let mut w = csv::Writer::from_writer(file.writer());
        let csv_err = |source| McError::Csv {
            path: path.to_path_buf(),
            source,
        };
        w.write_record(header).map_err(csv_err)?;
        for r in rows {
            w.write_record(&r).map_err(csv_err)?;
        }
        w.flush().map_err(|e| io_err(path)(e))?;
    }
    Ok(file)
}

/// Formats a number for CSV: shortest round-trip text (`0.1`, `3.0`, `1e25`).
pub fn num(v: f64) -> String {
    format!("{v:?}")
}

/// Band cells across runs: each distinct (metric, entity) key and time is
/// interned once, and each (key, time) pair that any run reported is a cell
/// (one row of `bands.csv`).
#[derive(Default)]
struct Cells {
    key_index: HashMap<SeriesKey, u32>,
    keys: Vec<SeriesKey>,
    time_index: HashMap<u64, u32>,
    /// Global instants: time and the first date seen for it.
    times: Vec<Instant>,
    /// `cell_of[key][time]`: the cell, or `NO_CELL`.
    cell_of: Vec<Vec<u32>>,
    /// `(key, time)` of each cell, in order of creation.
    cells: Vec<(u32, u32)>,
    welford: Vec<Welford>,
}

const NO_CELL: u32 = u32::MAX;

impl Cells {
    /// The cell of every slot of `s`'s grid (instant-major), creating cells
    /// for pairs seen for the first time; `NO_CELL` where the run reported nothing.
    fn map_run(&mut self, s: &Series, slots: &mut Vec<u32>) {
        let keys: Vec<u32> = s
            .keys()
            .iter()
            .map(|k| {
                let n = self.keys.len() as u32;
                let id = *self.key_index.entry(k.clone()).or_insert(n);
                if id == n {
                    self.keys.push(k.clone());
                    self.cell_of.push(vec![NO_CELL; self.times.len()]);
                }
                id
            })
            .collect();
        let times: Vec<u32> = s
            .instants()
            .iter()
            .map(|i| {
                let n = self.times.len() as u32;
                let id = *self.time_index.entry(i.time_year.to_bits()).or_insert(n);
                if id == n {
                    self.times.push(i.clone());
                    self.cell_of.iter_mut().for_each(|row| row.push(NO_CELL));
                }
                id
            })
            .collect();
        slots.clear();
        let kn = keys.len();
        for (idx, v) in s.values().iter().enumerate() {
            if v.is_nan() {
                slots.push(NO_CELL);
                continue;
            }
            let (k, t) = (keys[idx % kn] as usize, times[idx / kn] as usize);
            let mut cell = self.cell_of[k][t];
            if cell == NO_CELL {
                cell = self.cells.len() as u32;
                self.cell_of[k][t] = cell;
                self.cells.push((k as u32, t as u32));
                self.welford.push(Welford::new());
            }
            slots.push(cell);
        }
    }

    /// Cell indices in `bands.csv` order: metric, entity, then time (total order).
    fn output_order(&self) -> Vec<u32> {
        // Keys are ranked once (a few hundred string comparisons' worth)
        // rather than compared as strings inside the sort of every cell
        // (~47,000 in a ten-year run). Keys are distinct, so ranks order
        // cells exactly as the keys do.
        let mut by_key: Vec<u32> = (0..self.keys.len() as u32).collect();
        by_key.sort_by(|&a, &b| self.keys[a as usize].cmp(&self.keys[b as usize]));
        let mut rank = vec![0u32; self.keys.len()];
        for (r, &k) in by_key.iter().enumerate() {
            rank[k as usize] = r as u32;
        }
        let mut order: Vec<u32> = (0..self.cells.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (ka, ta) = self.cells[a as usize];
            let (kb, tb) = self.cells[b as usize];
            rank[ka as usize].cmp(&rank[kb as usize]).then_with(|| {
                self.times[ta as usize]
                    .time_year
                    .total_cmp(&self.times[tb as usize].time_year)
            })
        });
        order
    }
}

/// Runs read `CHUNK` at a time in parallel (on the current rayon pool), then
/// handed to `f` one by one in run order, with the run's `timeseries.csv`
/// lines when `ts` is set.
fn for_each_run(
    dir: &Path,
    runs: &[u64],
    ts: bool,
    mut f: impl FnMut(RunRecord, Option<String>) -> Result<()>,
) -> Result<()> {
    const CHUNK: usize = 16;
    for chunk in runs.chunks(CHUNK) {
        let read: Vec<Result<(RunRecord, Option<String>)>> = chunk
            .par_iter()
            .map(|&run| {
                let rec = read_run(&run_file_path(dir, run))?;
                let lines = ts.then(|| timeseries_lines(&rec));
                Ok((rec, lines))
            })
            .collect();
        for r in read {
            let (rec, lines) = r?;
            f(rec, lines)?;
        }
    }
    Ok(())
}

/// One more read of every run file past the memory budget, handing each
/// series value to `f` with its cell's sketch. The same runs in the same
/// order as the first pass, so a fresh [`Cells`] numbers the cells as it did.
fn sketch_pass(
    dir: &Path,
    runs: &[u64],
    slots: &mut Vec<u32>,
    sketches: &mut [BinSketch],
    f: fn(&mut BinSketch, f64),
) -> Result<()> {
    let mut cells = Cells::default();
    for_each_run(dir, runs, false, |rec, _| {
        cells.map_run(&rec.result.series, slots);
        for (&c, &v) in slots.iter().zip(rec.result.series.values()) {
            if c != NO_CELL {
                f(&mut sketches[c as usize], v);
            }
        }
        Ok(())
    })
}

/// One run's `timeseries.csv` rows: `run,time_year,date,metric,entity,value` in canonical order.
fn timeseries_lines(rec: &RunRecord) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(rec.result.series.values().len() * 64);
    for p in rec.result.series.points() {
        let _ = writeln!(
            s,
            "{},{:?},{},{},{},{:?}",
            rec.run, p.instant.time_year, p.instant.date, p.key.metric, p.key.entity, p.value
        );
    }
    s
}

/// What a rebuild produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RebuildReport {
    /// The runs table (as written to `runs.csv`).
    pub table: RunsTable,
    /// Whether every band quantile is exact (false: sketches were used).
    pub bands_exact: bool,
    /// Number of (metric, entity, instant) rows in `bands.csv`.
    pub band_rows: usize,
}

/// One row of `bands.csv`: a quantity's statistics across runs at one
/// instant, or the share of runs in one category of a categorical series
/// (see [`OutputOptions::categories`]).
#[derive(Clone, Debug, PartialEq)]
pub struct BandRow {
    /// Metric name.
    pub metric: String,
    /// Entity name.
    pub entity: String,
    /// The category this row gives the share of (its name, or
    /// [`UNKNOWN_CATEGORY`]); empty for a quantity.
    pub category: String,
    /// Time (model unit, years).
    pub time_year: f64,
    /// ISO date of the instant.
    pub date: String,
    /// Runs that reported this point (for a category: at this instant, in
    /// any category).
    pub n: u64,
    /// Mean across those runs; for a category, the share of them in it
    /// (0 to 1; the mean of its 0/1 indicator). `sd`, `q` and the error
    /// bound are NaN (empty cells) on category rows.
    pub mean: f64,
    /// Standard deviation (n − 1); NaN (an empty cell in `bands.csv`) when
    /// only one run reports the cell.
    pub sd: f64,
    /// Percentiles 5, 25, 50, 75, 95 (type 7, or from the sketch).
    pub q: [f64; 5],
    /// Bound on the absolute error of `q` (0 when exact).
    pub quantile_abs_error_max: f64,
}

/// Appends a run's scalars to the table (a new outcome becomes a new column).
fn push_row(table: &mut RunsTable, rec: &RunRecord, first_run: u64) -> Result<()> {
    let run = rec.run;
    if table.runs.is_empty() {
        table.param_names = rec.params.iter().map(|(n, _)| n.clone()).collect();
    } else if rec.params.len() != table.param_names.len()
        || rec
            .params
            .iter()
            .zip(&table.param_names)
            .any(|((a, _), b)| a != b)
    {
        return Err(McError::Invalid(format!(
            "run {run} has different parameters from run {first_run}"
        )));
    }
    table.runs.push(run);
    table.seeds.push(rec.seed);
    table.params.push(rec.params.iter().map(|(_, v)| *v).collect());
    let mut row = vec![None; table.outcome_names.len()];
    for (name, v) in &rec.result.scalars {
        let k = match table.outcome_names.iter().position(|n| n == name) {
            Some(k) => k,
            None => {
                if name == "run" || name == "seed" || table.param_names.contains(name) {
                    return Err(McError::Invalid(format!(
                        "outcome `{name}` clashes with a runs.csv column"
                    )));
                }
                table.outcome_names.push(name.clone());
                row.push(None);
                row.len() - 1
            }
        };
        row[k] = Some(*v);
    }
    table.outcomes.push(row);
    Ok(())
}

/// Rebuilds every output of `dir` from the run files of `runs` (ascending run indices).
///
/// Runs are read a few at a time in parallel on the current rayon pool and
/// folded in run order; band quantiles are computed in parallel per row
/// (each row's result does not depend on how rows are split).
///
/// First it removes what an earlier rebuild of `dir` may have left that
/// this one will not rewrite, so that no file disagreeing with the new
/// `runs.csv` remains: temporary files of an interrupted rebuild
/// ([`crate::store::remove_stale_output_temps`]), `timeseries.csv` without
/// `keep_timeseries`, and the Parquet files without `parquet` (e.g. a batch
/// written with `--parquet` resumed by a build without the feature).
///
/// `design` is how the runs' parameters were chosen; `summary.json`
/// records it next to `mcse`, whose meaning depends on it
/// ([`mcse_definition`]). `replication` groups the runs of a replicated
/// Latin hypercube (`None` for one sample): `mcse` is then the
/// between-replicate standard error ([`REPLICATED_MCSE_DEFINITION`]) and
/// `convergence.csv` has a row per replicate
/// ([`replicated_convergence_rows`]); every other output is the same.
pub fn rebuild_outputs(
    dir: &Path,
    runs: &[u64],
    opts: &OutputOptions,
    design: Design,
    replication: Option<Replication>,
) -> Result<RebuildReport> {
    opts.check()?;
    crate::store::remove_stale_output_temps(dir, &crate::store::BATCH_FILES)?;
    for (file, written) in [
        ("timeseries.csv", opts.keep_timeseries),
        ("runs.parquet", opts.parquet),
        ("bands.parquet", opts.parquet),
        ("timeseries.parquet", opts.parquet && opts.keep_timeseries),
    ] {
        let path = dir.join(file);
        if !written && path.exists() {
            std::fs::remove_file(&path).map_err(io_err(&path))?;
        }
    }
    #[cfg(feature = "parquet")]
    let mut ts_parquet = (opts.parquet && opts.keep_timeseries)
        .then(|| crate::parquet_out::TimeseriesParquet::create(&dir.join("timeseries.parquet")));
    let mut table = RunsTable::default();
    let mut cells = Cells::default();
    let mut exact = true;
    let mut held_bytes = 0u64;
    // Exact bands: per run, its value of every cell known then (NaN: not reported).
    let mut held: Vec<Vec<f64>> = Vec::new();
    let mut slots = Vec::new();
    let ts_path = dir.join("timeseries.csv");
    let mut ts = if opts.keep_timeseries {
        let mut f = AtomicFile::create(&ts_path)?;
        writeln!(f.writer(), "run,time_year,date,metric,entity,value").map_err(io_err(&ts_path))?;
        Some(f)
    } else {
        None
    };
    let first_run = runs.first().copied().unwrap_or(0);
    // A categorical series' cells count runs per category (exactly, in
    // either pass mode): `key_codes[key]` its codes, `counts[cell]` one
    // count per code then `unknown` (empty for a quantity's cell).
    let mut key_codes: Vec<Option<CategoryCodes>> = Vec::new();
    let mut counts: Vec<Vec<u64>> = Vec::new();
    for_each_run(dir, runs, opts.keep_timeseries, |rec, lines| {
        push_row(&mut table, &rec, first_run)?;
        cells.map_run(&rec.result.series, &mut slots);
        for key in &cells.keys[key_codes.len()..] {
            key_codes.push(opts.categories.and_then(|c| c.of(&key.metric)));
        }
        counts.resize_with(cells.cells.len(), Vec::new);
        let values = rec.result.series.values();
        for (&c, &v) in slots.iter().zip(values) {
            if c != NO_CELL {
                cells.welford[c as usize].push(v);
                if let Some(codes) = key_codes[cells.cells[c as usize].0 as usize] {
                    let n = &mut counts[c as usize];
                    n.resize(codes.len() + 1, 0);
                    n[category_index(codes, v)] += 1;
                }
            }
        }
        if exact {
            let mut row = vec![f64::NAN; cells.cells.len()];
            for (&c, &v) in slots.iter().zip(values) {
                if c != NO_CELL {
                    row[c as usize] = v;
                }
            }
            held_bytes += 8 * row.len() as u64;
            held.push(row);
            if held_bytes > opts.memory_budget_bytes {
                exact = false;
                held = Vec::new();
            }
        }
        if let (Some(f), Some(lines)) = (ts.as_mut(), lines) {
            f.writer().write_all(lines.as_bytes()).map_err(io_err(&ts_path))?;
        }
        #[cfg(feature = "parquet")]
        if let Some(p) = ts_parquet.as_mut() {
            p.push_run(&rec)?;
        }
        Ok(())
    })?;
    for row in &mut table.outcomes {
        row.resize(table.outcome_names.len(), None);
    }
    let no_quantiles = ([f64::NAN; 5], f64::NAN);
    let quantile_rows: Vec<([f64; 5], f64)> = if exact {
        (0..cells.cells.len())
            .into_par_iter()
            .map(|c| {
                if !counts[c].is_empty() {
                    return no_quantiles;
                }
                // One value per run at most: sized once, not grown by a
                // filtered iterator's doublings (48,000 columns in a batch).
                let mut vals: Vec<f64> = Vec::with_capacity(held.len());
                vals.extend(
                    held.iter()
                        .filter_map(|row| row.get(c).copied().filter(|v| !v.is_nan())),
                );
                let q = quantiles_in_place(&mut vals, &REPORTED_QUANTILES);
                ([q[0], q[1], q[2], q[3], q[4]], 0.0)
            })
            .collect()
    } else {
        // A category's cells need no sketch: one bin, never read.
        let mut sketches: Vec<BinSketch> = cells
            .welford
            .iter()
            .zip(&counts)
            .map(|(w, n)| {
                let bins = if n.is_empty() { opts.sketch_bins } else { 1 };
                BinSketch::new(w.min(), w.max(), bins)
            })
            .collect();
        sketch_pass(dir, runs, &mut slots, &mut sketches, BinSketch::push)?;
        // A third pass keeps the min and max of the bins the quantiles read
        // (at most ten per cell), so a bin of one value (zeros, a count)
        // gives that value and a cluster in a wide bin stays in its range.
        sketches.par_iter_mut().zip(&counts).for_each(|(s, n)| {
            if n.is_empty() {
                let bins = s.bins_read_by(&REPORTED_QUANTILES);
                s.keep_extremes_of(&bins);
            }
        });
        sketch_pass(dir, runs, &mut slots, &mut sketches, BinSketch::observe)?;
        sketches
            .par_iter()
            .zip(&counts)
            .map(|(s, n)| {
                if !n.is_empty() {
                    return no_quantiles;
                }
                let q: Vec<f64> = REPORTED_QUANTILES.iter().map(|&p| s.quantile(p)).collect();
                ([q[0], q[1], q[2], q[3], q[4]], s.error_bound())
            })
            .collect()
    };
    drop(held);
    let mut bands: Vec<BandRow> = Vec::with_capacity(cells.cells.len());
    for c in cells.output_order() {
        let (k, t) = cells.cells[c as usize];
        let (key, time) = (&cells.keys[k as usize], &cells.times[t as usize]);
        let w = &cells.welford[c as usize];
        let row = |category: &str, mean, sd, (q, err): ([f64; 5], f64)| BandRow {
            metric: key.metric.clone(),
            entity: key.entity.clone(),
            category: category.to_string(),
            time_year: time.time_year,
            date: time.date.clone(),
            n: w.count(),
            mean,
            sd,
            q,
            quantile_abs_error_max: err,
        };
        match key_codes[k as usize] {
            // Every listed category (a share of 0 included, so each instant
            // has the same rows), then `unknown` only where a run reported
            // a value that is no listed code.
            Some(codes) => bands.extend(
                shares_of_counts(codes, &counts[c as usize])
                    .filter(|&(name, n, _)| n > 0 || name != UNKNOWN_CATEGORY)
                    .map(|(name, _, share)| row(name, share, f64::NAN, no_quantiles)),
            ),
            // Unknown from one run: NaN (an empty cell), as summary.json's
            // null and convergence.csv's empty half-width, not 0.
            None => bands.push(row(
                "",
                w.mean(),
                if w.count() < 2 { f64::NAN } else { w.sd() },
                quantile_rows[c as usize],
            )),
        }
    }
    write_runs_csv(&dir.join("runs.csv"), &table)?;
    crate::stata::write_runs_do(&dir.join("runs.do"), &runs_csv_header(&table))?;
    write_bands(&dir.join("bands.csv"), &bands)?;
    write_summary(
        &dir.join("summary.json"),
        &table,
        opts.categories,
        design,
        replication,
    )?;
    let conv = match replication {
        Some(rep) => replicated_convergence_rows(&table, rep, opts.categories),
        None => convergence_rows(&table, 100, opts.categories),
    };
    write_csv(
        &dir.join("convergence.csv"),
        &[
            "outcome",
            "runs",
            "mean",
            "half_width_95",
            "rel_half_width",
            "unseen_share_95",
        ]
        .map(String::from),
        conv.iter().map(|c| {
            vec![
                c.outcome.clone(),
                c.runs.to_string(),
                num(c.mean),
                // No interval from one run: an empty cell, as in runs.csv.
                if c.half_width_95.is_nan() {
                    String::new()
                } else {
                    num(c.half_width_95)
                },
                if c.rel_half_width.is_nan() {
                    String::new()
                } else {
                    num(c.rel_half_width)
                },
                // Only for an outcome that has not varied yet.
                if c.unseen_share_95.is_nan() {
                    String::new()
                } else {
                    num(c.unseen_share_95)
                },
            ]
        }),
    )?;
    if let Some(f) = ts {
        f.commit()?;
    }
    #[cfg(feature = "parquet")]
    if opts.parquet {
        crate::parquet_out::write_runs(&dir.join("runs.parquet"), &table)?;
        crate::parquet_out::write_bands(&dir.join("bands.parquet"), &bands)?;
        if let Some(p) = ts_parquet {
            p.commit()?;
        }
    }
    sync_dir(dir);
    Ok(RebuildReport {
        band_rows: bands.len(),
        table,
        bands_exact: exact,
    })
}

/// Writes `runs.csv`: `run,seed,<parameter paths…>,<outcomes…>`; empty cell for a missing outcome.
pub fn write_runs_csv(path: &Path, t: &RunsTable) -> Result<()> {
    let header = runs_csv_header(t);
    let rows = (0..t.runs.len()).map(|r| {
        let mut row = vec![t.runs[r].to_string(), t.seeds[r].to_string()];
        row.extend(t.params[r].iter().map(|&v| num(v)));
        row.extend(t.outcomes[r].iter().map(|v| v.map_or(String::new(), num)));
        row
    });
    write_csv(path, &header, rows)
}

/// The columns of `runs.csv`: `run`, `seed`, the parameters, the outcomes.
pub fn runs_csv_header(t: &RunsTable) -> Vec<String> {
    let mut header = vec!["run".to_string(), "seed".to_string()];
    header.extend(t.param_names.iter().cloned());
    header.extend(t.outcome_names.iter().cloned());
    header
}

/// The header of `bands.csv`.
pub const BANDS_HEADER: [&str; 14] = [
    "metric",
    "entity",
    "category",
    "time_year",
    "date",
    "n",
    "mean",
    "sd",
    "p5",
    "p25",
    "p50",
    "p75",
    "p95",
    "quantile_abs_error_max",
];

fn write_bands(path: &Path, bands: &[BandRow]) -> Result<()> {
    let rows = bands.iter().map(|b| {
        let mut row = vec![
            b.metric.clone(),
            b.entity.clone(),
            b.category.clone(),
            num(b.time_year),
            b.date.clone(),
            b.n.to_string(),
        ];
        row.extend(
            [b.mean, b.sd]
                .into_iter()
                .chain(b.q)
                .chain([b.quantile_abs_error_max])
                .map(|v| if v.is_nan() { String::new() } else { num(v) }),
        );
        row
    });
    write_csv(path, &BANDS_HEADER.map(String::from), rows)
}

/// `summary.json` layout.
#[derive(Serialize)]
struct SummaryFile<'a> {
    runs: usize,
    /// How the runs' parameters were chosen (`mc`, `lhs`, `external`).
    design: Design,
    /// Replicated Latin hypercube only: R (absent for one sample).
    #[serde(skip_serializing_if = "Option::is_none")]
    replicates: Option<u64>,
    quantile_definition: &'a str,
    /// What `mcse` is under this design ([`mcse_definition`]).
    mcse_definition: &'a str,
    outcomes: BTreeMap<&'a str, SummaryEntry>,
}

/// What `summary.json`'s `mcse` (sd/√n) means under `design`, as written in
/// its `mcse_definition`: the standard error of the mean only for
/// independent runs (plain Monte Carlo). Under a Latin hypercube it is the
/// independent-runs formula applied to a stratified sample, which overstates
/// the error of the mean (Owen 1997: an LHS mean's variance is at most
/// n/(n − 1) times an independent sample's, and often far smaller), so a
/// conservative bound; for an `eval` of a design the user chose (a grid, a
/// Saltelli design) it is no standard error at all. A replicated Latin
/// hypercube's summary says [`REPLICATED_MCSE_DEFINITION`] instead.
pub fn mcse_definition(design: Design) -> &'static str {
    match design {
        Design::Mc => {
            "mcse = sd/sqrt(n), the standard error of the mean of n independent runs; null (as sd) below 2 runs"
        }
        Design::Lhs => {
            "mcse = sd/sqrt(n), the formula for independent runs: under a Latin hypercube it is a conservative \
             upper bound on the standard error of the mean, often far above it (an LHS mean's variance is at \
             most n/(n-1) times that of n independent runs, Owen 1997), as are the half-widths in \
             convergence.csv; for a standard error, run the batch with several --seed values and take the sd \
             of their means; null (as sd) below 2 runs"
        }
        Design::External => {
            "mcse = sd/sqrt(n) of the design's rows: a standard error of the mean only if the rows are \
             independent draws from the distributions of interest, none for a grid, a Saltelli or a Latin \
             hypercube design; null (as sd) below 2 runs"
        }
    }
}

/// What `summary.json`'s `mcse` is for a replicated Latin hypercube
/// (`--replicates R`, R ≥ 2), as written in its `mcse_definition`.
pub const REPLICATED_MCSE_DEFINITION: &str = "mcse = sd(replicate means)/sqrt(R): the batch is R independent Latin \
     hypercubes (replicates) of N/R runs each, and mcse is the standard error of the pooled mean (the mean of all \
     runs, which is the mean of the R replicate means) estimated from the spread of the R replicate means; \
     half_width_95 = t(0.975, R-1) * mcse (Student's t with R-1 degrees of freedom). For an outcome only some runs \
     report, the replicates' counts differ and mcse is the ratio estimator's linearised standard error, \
     sqrt(sum_k (S_k - mean*n_k)^2 / (R(R-1) nbar^2)) with S_k, n_k replicate k's sum and count and nbar = n/R, \
     which equals sd(replicate means)/sqrt(R) when the counts are equal. sd and the quantiles are over all runs \
     pooled; null below two replicates";

/// A quantity's statistics, or a category's shares of runs.
#[derive(Serialize)]
#[serde(untagged)]
enum SummaryEntry {
    Quantity(OutcomeSummary),
    Category {
        n: u64,
        /// Share of the `n` runs in each category that occurs, by name.
        shares: BTreeMap<&'static str, f64>,
    },
}

fn write_summary(
    path: &Path,
    t: &RunsTable,
    categories: Option<Categories>,
    design: Design,
    replication: Option<Replication>,
) -> Result<()> {
    let outcomes = t
        .outcome_names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let vals: Vec<f64> = t
                .outcome(name)
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .collect();
            let entry = match categories.and_then(|c| c.of(name)) {
                Some(codes) => SummaryEntry::Category {
                    n: vals.len() as u64,
                    shares: category_shares(&vals, codes).into_iter().collect(),
                },
                None => SummaryEntry::Quantity(match replication {
                    Some(rep) => OutcomeSummary::replicated(&replicate_groups(t, k, rep)),
                    None => OutcomeSummary::of(&vals),
                }),
            };
            (name.as_str(), entry)
        })
        .collect();
    let s = SummaryFile {
        runs: t.runs.len(),
        design,
        replicates: replication.map(|r| r.replicates),
        quantile_definition: "Hyndman-Fan type 7 (R and NumPy default)",
        mcse_definition: match replication {
            Some(_) => REPLICATED_MCSE_DEFINITION,
            None => mcse_definition(design),
        },
        outcomes,
    };
    crate::store::write_json_record(path, &s)
}

/// Reads a `runs.csv` back (for sensitivity tables and charts of an existing batch).
/// `param_names` tells which columns after `seed` are parameters (from the manifest).
pub fn read_runs_csv(path: &Path, param_count: usize) -> Result<RunsTable> {
    let csv_err = |source| McError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut rd = csv::Reader::from_path(path).map_err(csv_err)?;
    let header: Vec<String> = rd.headers().map_err(csv_err)?.iter().map(String::from).collect();
    if header.len() < 2 + param_count || header[0] != "run" || header[1] != "seed" {
        return Err(McError::Invalid(format!(
            "{}: expected `run,seed,<parameters>,<outcomes>`",
            path.display()
        )));
    }
    let mut t = RunsTable {
        param_names: header[2..2 + param_count].to_vec(),
        outcome_names: header[2 + param_count..].to_vec(),
        ..RunsTable::default()
    };
    let bad = |line: u64, what: &str| McError::Invalid(format!("{}:{line}: bad {what}", path.display()));
    for rec in rd.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let f = |i: usize| rec.get(i).unwrap_or("");
        t.runs.push(f(0).parse().map_err(|_| bad(line, "run"))?);
        t.seeds.push(f(1).parse().map_err(|_| bad(line, "seed"))?);
        let ps: Result<Vec<f64>> = (2..2 + param_count)
            .map(|i| f(i).parse().map_err(|_| bad(line, "parameter")))
            .collect();
        t.params.push(ps?);
        let os: Result<Vec<Option<f64>>> = (2 + param_count..header.len())
            .map(|i| {
                if f(i).is_empty() {
                    Ok(None)
                } else {
                    f(i).parse().map(Some).map_err(|_| bad(line, "outcome"))
                }
            })
            .collect();
        t.outcomes.push(os?);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::AtomicFile;
    use std::io::Write;

    /// `AtomicFile::sync` puts every byte written into the temporary file
    /// (flushed, then fsynced: what `sensitivity`'s first phase relies on,
    /// review s26-2 F6) without renaming it; `commit` then renames. The
    /// fsync's own failure (a full disk under delayed allocation) is not
    /// fault-injected here.
    #[test]
    fn sync_writes_the_temporary_file_and_replaces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "old\n").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new table\n").unwrap();
        f.sync().unwrap();
        let tmp = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with(".t.csv.tmp-"))
            .unwrap();
        assert_eq!(std::fs::read(tmp.path()).unwrap(), b"new table\n");
        assert_eq!(std::fs::read(&path).unwrap(), b"old\n");
        f.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new table\n");
    }
}
