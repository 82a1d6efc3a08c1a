//! The model interface a batch drives, and what one run returns.
//!
//! The batch runner knows nothing of energy grids or chips: it drives any
//! [`Model`], a deterministic function of (run seed, parameter values). The
//! `stack` crate implements it for a scenario; [`crate::toy`] has small
//! models for tests and benches.

use crate::series::Series;
use scheduler::Dist;
use serde::{Deserialize, Serialize};

/// One uncertain parameter: its path in the scenario (e.g.
/// `labs.deepseek.release_cadence_months`) and its distribution. Drawn once
/// per run; one column of `runs.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// Dotted path naming the parameter (stable across scenario edits).
    pub path: String,
    /// The parameter's distribution (values are drawn through [`Dist::quantile`]).
    pub dist: Dist,
}

/// A declared Spearman rank correlation between two parameters (by path).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankCorrelation {
    /// Path of the first parameter.
    pub a: String,
    /// Path of the second parameter.
    pub b: String,
    /// Target rank correlation, in (-1, 1).
    pub rho: f64,
}

/// One sampling instant of one metric of one entity (a tidy long row).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Simulated time in years since the scenario start (or calendar year; the model decides, consistently).
    pub time_year: f64,
    /// The instant as an ISO date (`2026-01-01`).
    pub date: String,
    /// Dotted metric name carrying its unit (`energy.unserved_mwh`).
    pub metric: String,
    /// Entity name, or `national` for totals.
    pub entity: String,
    /// The value, in the metric's unit; must be finite.
    pub value: f64,
}

/// What one run returns: named scalar outcomes (columns of `runs.csv`) and time series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunResult {
    /// Scalar outcomes `(name, value)`, names dotted with units; values finite.
    pub scalars: Vec<(String, f64)>,
    /// Time series, keys and instants interned (build it with [`Series::builder`]
    /// or [`Series::from_points`]); outputs list its points in canonical order.
    pub series: Series,
}

/// A run that could not be computed; the message says where it came from.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

/// A model the batch runner can drive: deterministic given (run seed, parameter values).
///
/// `Sync` because runs execute in parallel on a rayon pool sharing one `&Model`.
pub trait Model: Sync {
    /// The uncertain parameters, in a fixed order (the order of `params` in [`Model::run`]).
    fn parameters(&self) -> Vec<ParamSpec>;

    /// Declared rank correlations between parameters (none by default).
    fn correlations(&self) -> Vec<RankCorrelation> {
        Vec::new()
    }

    /// Runs once. `params[i]` is the value of `parameters()[i]`. `seed` seeds
    /// the run's stochastic processes (common random numbers: same seed, same
    /// streams, e.g. through `scheduler::RngStreams::new(seed, 0)`).
    fn run(&self, seed: u64, params: &[f64]) -> Result<RunResult, ModelError>;

    /// Checks that `params` (same order as [`Model::parameters`]) can be run,
    /// without running: what [`Model::run`] would refuse at its start (a value
    /// out of a field's range). `aistack eval` checks every design row this
    /// way before the first run. The default accepts everything.
    fn check(&self, params: &[f64]) -> Result<(), ModelError> {
        let _ = params;
        Ok(())
    }

    /// Why `outcome` (a scalar name) may be missing in some runs, for an
    /// outcome that exists only under a condition the draws decide; `None`
    /// (the default) for an outcome every run reports, or one the model does
    /// not know. A batch's `stop_outcomes` are checked against the batch's
    /// first run before any other run: a watched outcome that run lacks is
    /// refused at once unless declared here (a misspelt name), so a model
    /// with conditional outcomes should declare them.
    fn conditional_outcome(&self, outcome: &str) -> Option<String> {
        let _ = outcome;
        None
    }

    /// Bytes identifying the model (the scenario text with its bases), hashed
    /// into the manifest and checked on resume and merge.
    fn identity(&self) -> Vec<u8>;

    /// Where the model was read from (a scenario file's path), recorded in the
    /// manifest as `scenario_path` so that `aistack run --from-batch` can find
    /// it again; `None` (the default) for a model that has no file.
    fn source(&self) -> Option<String> {
        None
    }

    /// The files behind [`Model::identity`], each with its own hash, recorded
    /// in the manifest as `scenario_files` so that a refusal over a changed
    /// `scenario_hash` can name the file that changed; empty (the default)
    /// for a model without files.
    fn files(&self) -> Vec<crate::manifest::ScenarioFile> {
        Vec::new()
    }

    /// The texts of the files behind [`Model::identity`], in the order of
    /// [`Model::files`], each with the `base:` it names: what a batch, an
    /// eval and a merge copy verbatim into their directory's `scenario/`
    /// ([`crate::scenario_copy`]), so the directory can be run again. Empty
    /// (the default) for a model without files: then nothing is copied.
    fn sources(&self) -> Vec<crate::scenario_copy::SourceText> {
        Vec::new()
    }
}
