//! The final outputs of a batch directory, rebuilt from `DIR/runs/` in run
//! order: `runs.csv`, `bands.csv`, `summary.json`, `convergence.csv` and, on
//! request, `timeseries.csv`. Each is written to a temporary name and renamed,
//! so a reader never sees a partial file presented as complete.
//!
//! Because the outputs depend only on the set of run files, a resumed batch,
//! a merged set of shards and an uninterrupted batch write the same bytes.
//!
//! **Memory budget.** Exact bands keep every series value (8 bytes each)
//! until all runs are read. When the total would pass
//! [`OutputOptions::memory_budget_bytes`], the values are dropped and a
//! second pass fills one [`BinSketch`] per (metric, entity, instant) over the
//! range seen in the first pass; the per-row error bound is written to
//! `bands.csv`. The per-key state (Welford, range, date) is always kept:
//! about 100 bytes per (metric, entity, instant).

use crate::convergence::convergence_rows;
use crate::error::io_err;
use crate::sketch::BinSketch;
use crate::stats::{OutcomeSummary, REPORTED_QUANTILES, Welford, quantiles};
use crate::store::{read_run, run_file_path, sync_dir};
use crate::{McError, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// How outputs are rebuilt.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputOptions {
    /// Also write `timeseries.csv` (every run's series, long format with `run`).
    pub keep_timeseries: bool,
    /// Bytes of series values bands may hold for exact quantiles; past it they use sketches.
    pub memory_budget_bytes: u64,
    /// Bins per sketch (more bins: tighter bound, more memory: 4 bytes × bins × keys).
    pub sketch_bins: usize,
}

impl Default for OutputOptions {
    /// No time series; 512 MiB for exact bands; 2048-bin sketches.
    fn default() -> Self {
        OutputOptions {
            keep_timeseries: false,
            memory_budget_bytes: 512 << 20,
            sketch_bins: 2048,
        }
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

/// Writes a CSV atomically from rows of string cells.
pub fn write_csv(path: &Path, header: &[String], rows: impl IntoIterator<Item = Vec<String>>) -> Result<()> {
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
    file.commit()
}

/// Formats a number for CSV: shortest round-trip text (`0.1`, `3.0`, `1e25`).
pub fn num(v: f64) -> String {
    format!("{v:?}")
}

/// A time value ordered totally, for use as a map key.
#[derive(Clone, Copy, Debug, PartialEq)]
struct OrdTime(f64);
impl Eq for OrdTime {}
impl PartialOrd for OrdTime {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for OrdTime {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

type BandKey = (String, String, OrdTime);

struct BandAcc {
    date: String,
    welford: Welford,
    exact: Vec<f64>,
    sketch: Option<BinSketch>,
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

/// Rebuilds every output of `dir` from the run files of `runs` (ascending run indices).
pub fn rebuild_outputs(dir: &Path, runs: &[u64], opts: &OutputOptions) -> Result<RebuildReport> {
    let mut table = RunsTable::default();
    let mut bands: BTreeMap<BandKey, BandAcc> = BTreeMap::new();
    let mut exact = true;
    let mut held_bytes = 0u64;
    let mut ts = if opts.keep_timeseries {
        let mut f = AtomicFile::create(&dir.join("timeseries.csv"))?;
        writeln!(f.writer(), "run,time_year,date,metric,entity,value")
            .map_err(io_err(dir.join("timeseries.csv")))?;
        Some(f)
    } else {
        None
    };
    for (r, &run) in runs.iter().enumerate() {
        let rec = read_run(&run_file_path(dir, run))?;
        if r == 0 {
            table.param_names = rec.params.iter().map(|(n, _)| n.clone()).collect();
        } else if rec.params.len() != table.param_names.len()
            || rec
                .params
                .iter()
                .zip(&table.param_names)
                .any(|((a, _), b)| a != b)
        {
            return Err(McError::Invalid(format!(
                "run {run} has different parameters from run {}",
                runs[0]
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
        for p in &rec.result.series {
            let key = (p.metric.clone(), p.entity.clone(), OrdTime(p.time_year));
            let acc = bands.entry(key).or_insert_with(|| BandAcc {
                date: p.date.clone(),
                welford: Welford::new(),
                exact: Vec::new(),
                sketch: None,
            });
            acc.welford.push(p.value);
            if exact {
                acc.exact.push(p.value);
                held_bytes += 8;
                if held_bytes > opts.memory_budget_bytes {
                    exact = false;
                    bands.values_mut().for_each(|a| a.exact = Vec::new());
                }
            }
        }
        if let Some(f) = ts.as_mut() {
            let path = f.path().to_path_buf();
            let w = f.writer();
            for p in &rec.result.series {
                writeln!(
                    w,
                    "{run},{:?},{},{},{},{:?}",
                    p.time_year, p.date, p.metric, p.entity, p.value
                )
                .map_err(io_err(&path))?;
            }
        }
    }
    for row in &mut table.outcomes {
        row.resize(table.outcome_names.len(), None);
    }
    if !exact {
        for acc in bands.values_mut() {
            acc.sketch = Some(BinSketch::new(
                acc.welford.min(),
                acc.welford.max(),
                opts.sketch_bins,
            ));
        }
        for &run in runs {
            let rec = read_run(&run_file_path(dir, run))?;
            for p in &rec.result.series {
                if let Some(s) = bands
                    .get_mut(&(p.metric.clone(), p.entity.clone(), OrdTime(p.time_year)))
                    .and_then(|a| a.sketch.as_mut())
                {
                    s.push(p.value);
                }
            }
        }
    }
    write_runs_csv(&dir.join("runs.csv"), &table)?;
    write_bands(&dir.join("bands.csv"), &bands)?;
    write_summary(&dir.join("summary.json"), &table)?;
    let conv = convergence_rows(&table, 100);
    write_csv(
        &dir.join("convergence.csv"),
        &["outcome", "runs", "mean", "half_width_95", "rel_half_width"].map(String::from),
        conv.iter().map(|c| {
            vec![
                c.outcome.clone(),
                c.runs.to_string(),
                num(c.mean),
                num(c.half_width_95),
                num(c.rel_half_width),
            ]
        }),
    )?;
    if let Some(f) = ts {
        f.commit()?;
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
    let mut header = vec!["run".to_string(), "seed".to_string()];
    header.extend(t.param_names.iter().cloned());
    header.extend(t.outcome_names.iter().cloned());
    let rows = (0..t.runs.len()).map(|r| {
        let mut row = vec![t.runs[r].to_string(), t.seeds[r].to_string()];
        row.extend(t.params[r].iter().map(|&v| num(v)));
        row.extend(t.outcomes[r].iter().map(|v| v.map_or(String::new(), num)));
        row
    });
    write_csv(path, &header, rows)
}

fn write_bands(path: &Path, bands: &BTreeMap<BandKey, BandAcc>) -> Result<()> {
    let header = [
        "metric",
        "entity",
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
    ]
    .map(String::from);
    let rows = bands.iter().map(|((metric, entity, t), acc)| {
        let (q, err) = match &acc.sketch {
            Some(s) => (
                REPORTED_QUANTILES.iter().map(|&p| s.quantile(p)).collect(),
                s.error_bound(),
            ),
            None => (quantiles(&acc.exact, &REPORTED_QUANTILES), 0.0),
        };
        let w = &acc.welford;
        let mut row = vec![
            metric.clone(),
            entity.clone(),
            num(t.0),
            acc.date.clone(),
            w.count().to_string(),
        ];
        row.extend([w.mean(), w.sd()].into_iter().chain(q).chain([err]).map(num));
        row
    });
    write_csv(path, &header, rows)
}

/// `summary.json` layout.
#[derive(Serialize)]
struct SummaryFile<'a> {
    runs: usize,
    quantile_definition: &'a str,
    outcomes: BTreeMap<&'a str, OutcomeSummary>,
}

fn write_summary(path: &Path, t: &RunsTable) -> Result<()> {
    let outcomes = t
        .outcome_names
        .iter()
        .map(|name| {
            let vals: Vec<f64> = t
                .outcome(name)
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .collect();
            (name.as_str(), OutcomeSummary::of(&vals))
        })
        .collect();
    let s = SummaryFile {
        runs: t.runs.len(),
        quantile_definition: "Hyndman-Fan type 7 (R and NumPy default); mcse = sd/sqrt(n)",
        outcomes,
    };
    let mut text = serde_json::to_string_pretty(&s).map_err(|source| McError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    text.push('\n');
    crate::store::write_atomic(path, text.as_bytes(), true)
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
