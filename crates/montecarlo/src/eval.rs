//! `aistack eval SCENARIO --design design.csv`: one run per row of an external
//! design whose columns are parameter paths (SALib, EMA Workbench, R's
//! `sensitivity` write such files), outcomes written in row order.
//!
//! Row r (0-based, header excluded) runs with seed `run_seed(master, r)`. Every
//! model parameter must have a column; unknown columns are refused. Outputs in
//! `out`: `runs/` (durable per-row files), `runs.csv` (row = run), `bands.csv`,
//! `summary.json`, `convergence.csv` and `manifest.json` (design `external`),
//! like a batch, so `plot` works on it too.

use crate::design::{Design, run_seed, validate_parameters};
use crate::manifest::{Build, MANIFEST_FORMAT, Manifest, TARGET_TRIPLE, crate_versions, identity_hash};
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
    let csv_err = |source| McError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(csv_err)?;
    let header: Vec<String> = rd.headers().map_err(csv_err)?.iter().map(String::from).collect();
    for h in &header {
        if !params.iter().any(|p| &p.path == h) {
            let known: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
            return Err(McError::Invalid(format!(
                "{}: column `{h}` is not an uncertain parameter of the scenario (known: {})",
                path.display(),
                known.join(", ")
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
        let row = cols
            .iter()
            .zip(params)
            .map(|(&c, p)| {
                let cell = rec.get(c).unwrap_or("");
                cell.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    McError::Invalid(format!(
                        "{}:{line}: `{}` = `{cell}` is not a finite number",
                        path.display(),
                        p.path
                    ))
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        rows.push(row);
    }
    Ok(rows)
}

/// Runs one model run per design row and writes the outputs (see the module docs).
pub fn eval_design<M: Model + ?Sized>(
    model: &M,
    o: &EvalOptions,
    progress: &dyn Progress,
) -> Result<RunsTable> {
    let params = model.parameters();
    validate_parameters(&params)?;
    let design = read_design(&o.design_csv, &params)?;
    if !list_runs(&o.out)?.is_empty() {
        return Err(McError::AlreadyExists(o.out.clone()));
    }
    std::fs::create_dir_all(runs_dir(&o.out)).map_err(crate::error::io_err(runs_dir(&o.out)))?;
    progress.start(design.len() as u64, 0);
    thread_pool(o.threads)?.install(|| {
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
    })?;
    progress.finish();
    let runs: Vec<u64> = (0..design.len() as u64).collect();
    let table = rebuild_outputs(&o.out, &runs, &o.output)?.table;
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        tool_version: o.tool_version.clone(),
        montecarlo_version: env!("CARGO_PKG_VERSION").to_string(),
        build: o.build.clone(),
        scenario_hash: identity_hash(&model.identity()),
        master_seed: o.master_seed,
        design: Design::External,
        runs: runs.len() as u64,
        shard: None,
        until_rel_halfwidth: None,
        stop_outcomes: Vec::new(),
        parameters: params,
        correlations: model.correlations(),
        crate_versions: crate_versions(),
        target: TARGET_TRIPLE.to_string(),
        command_line: o.command_line.clone(),
        merged_from: Vec::new(),
        completed_runs: Some(runs.len() as u64),
        stopped_at: None,
    };
    manifest.write(&o.out)?;
    Ok(table)
}
