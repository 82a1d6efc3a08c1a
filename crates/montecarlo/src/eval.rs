//! `aistack eval SCENARIO --design design.csv`: one run per row of an external
//! design whose columns are parameter paths (SALib, EMA Workbench, R's
//! `sensitivity` write such files), outcomes written in row order.
//!
//! Row r (0-based, header excluded) runs with seed `run_seed(master, r)`. Every
//! model parameter must have exactly one column; unknown and repeated columns,
//! a design without rows, and an `--out` that already holds runs are refused.
//! Every row is checked ([`Model::check`]) before the first run, so a row the
//! scenario would refuse is named (design file, line and column) before any
//! run is made; a run that fails anyway leaves no run files behind. Outputs in
//! `out`: `runs/` (durable per-row files), `runs.csv` (row = run), `bands.csv`,
//! `summary.json`, `convergence.csv` and `manifest.json` (design `external`),
//! like a batch, so `plot` works on it too.

use crate::design::{Design, run_seed, validate_parameters};
use crate::manifest::{
    Build, MANIFEST_FORMAT, Manifest, OutputsRecord, TARGET_TRIPLE, crate_versions, identity_hash,
};
use crate::outputs::{OutputOptions, RunsTable, rebuild_outputs};
use crate::runner::{Progress, thread_pool};
use crate::store::{RunRecord, list_runs, runs_dir, write_run};
use crate::{McError, Model, Result};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

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
    let csv_err = |source| McError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(csv_err)?;
    let header: Vec<String> = rd.headers().map_err(csv_err)?.iter().map(String::from).collect();
    for (i, h) in header.iter().enumerate() {
        if !params.iter().any(|p| &p.path == h) {
            let known: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
            return Err(McError::Invalid(format!(
                "{}: column `{h}` is not an uncertain parameter of the scenario (known: {})",
                path.display(),
                known.join(", ")
            )));
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
    let cols: Vec<usize> = params
        .iter()
        .map(|p| {
            header.iter().position(|h| h == &p.path).ok_or_else(|| {
                McError::Invalid(format!(
                    "{}: no column for parameter `{}`",
                    path.display(),
                    p.path
                ))
            })
        })
        .collect::<Result<_>>()?;
    let mut rows = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let values = cols
            .iter()
            .zip(params)
            .map(|(&c, p)| {
                let cell = rec.get(c).unwrap_or("");
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
            "{}: the design has no rows (only a header): nothing to evaluate",
            path.display()
        )));
    }
    Ok(rows)
}

/// Checks every row with [`Model::check`] before any run. A refused row is
/// named by file:line, with the column(s) whose value the scenario refuses:
/// each column is tried alone, the others at their parameter's median.
fn check_rows<M: Model + ?Sized>(
    model: &M,
    path: &Path,
    params: &[crate::ParamSpec],
    rows: &[DesignRow],
) -> Result<()> {
    let medians: Vec<f64> = params.iter().map(|p| p.dist.quantile(0.5)).collect();
    for row in rows {
        let Err(e) = model.check(&row.values) else {
            continue;
        };
        let culprits: Vec<String> = (0..params.len())
            .filter(|&j| {
                let mut alone = medians.clone();
                alone[j] = row.values[j];
                model.check(&alone).is_err()
            })
            .map(|j| format!("`{}` = {}", params[j].path, row.values[j]))
            .collect();
        let what = match culprits.len() {
            0 => "the row's values together".to_string(),
            1 => format!("column {}", culprits[0]),
            _ => format!("columns {}", culprits.join(", ")),
        };
        return Err(McError::Invalid(format!(
            "{}:{}: {what}: the scenario refuses it: {e}; no run was made",
            path.display(),
            row.line
        )));
    }
    Ok(())
}

/// Runs one model run per design row and writes the outputs (see the module docs).
pub fn eval_design<M: Model + ?Sized>(
    model: &M,
    o: &EvalOptions,
    progress: &dyn Progress,
) -> Result<RunsTable> {
    let params = model.parameters();
    validate_parameters(&params)?;
    let rows = read_design_rows(&o.design_csv, &params)?;
    crate::runner::check_out_dir(&o.out)?;
    if !list_runs(&o.out)?.is_empty() || o.out.join("manifest.json").exists() {
        return Err(McError::Invalid(format!(
            "{} already holds runs (runs/ or manifest.json); eval does not add to or resume them: \
             choose another --out, or remove that directory first",
            o.out.display()
        )));
    }
    check_rows(model, &o.design_csv, &params, &rows)?;
    let design: Vec<Vec<f64>> = rows.into_iter().map(|r| r.values).collect();
    let pool = thread_pool(o.threads)?;
    let created = !o.out.exists();
    std::fs::create_dir_all(runs_dir(&o.out)).map_err(crate::error::io_err(runs_dir(&o.out)))?;
    progress.start(design.len() as u64, 0);
    let ran = run_rows(model, o, &params, &design, &pool, progress);
    if ran.is_err() {
        // eval cannot resume: run files of a failed eval would only block the
        // next attempt. Remove those this call wrote (the directory held none),
        // and the directories if this call created them and they are empty.
        for r in 0..design.len() as u64 {
            let _ = std::fs::remove_file(crate::store::run_file_path(&o.out, r));
        }
        let _ = std::fs::remove_dir(runs_dir(&o.out));
        if created {
            let _ = std::fs::remove_dir(&o.out);
        }
    }
    ran?;
    progress.finish();
    let runs: Vec<u64> = (0..design.len() as u64).collect();
    let table = rebuild_outputs(&o.out, &runs, &o.output)?.table;
    write_manifest(model, o, params, runs.len() as u64)?;
    Ok(table)
}

/// Runs every design row on `pool`, each written durably as it finishes.
fn run_rows<M: Model + ?Sized>(
    model: &M,
    o: &EvalOptions,
    params: &[crate::ParamSpec],
    design: &[Vec<f64>],
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
) -> Result<()> {
    pool.install(|| {
        design.par_iter().enumerate().try_for_each(|(r, values)| {
            let (run, seed) = (r as u64, run_seed(o.master_seed, r as u64));
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
                    result,
                },
                true,
            )?;
            progress.run_finished();
            Ok::<(), McError>(())
        })
    })
}

/// Writes the manifest of a finished eval (design `external`, `runs` rows).
fn write_manifest<M: Model + ?Sized>(
    model: &M,
    o: &EvalOptions,
    params: Vec<crate::ParamSpec>,
    runs: u64,
) -> Result<()> {
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        tool_version: o.tool_version.clone(),
        montecarlo_version: env!("CARGO_PKG_VERSION").to_string(),
        build: o.build.clone(),
        scenario_hash: identity_hash(&model.identity()),
        scenario_path: model.source(),
        master_seed: o.master_seed,
        design: Design::External,
        runs,
        shard: None,
        until_rel_halfwidth: None,
        stop_outcomes: Vec::new(),
        parameters: params,
        correlations: model.correlations(),
        crate_versions: crate_versions(),
        target: TARGET_TRIPLE.to_string(),
        command_line: o.command_line.clone(),
        merged_from: Vec::new(),
        completed_runs: Some(runs),
        stopped_at: None,
        outputs: Some(OutputsRecord::of(&o.output)),
    };
    manifest.write(&o.out)
}
