//! Monte Carlo batches over a [`Model`]: sampling designs, a parallel batch
//! runner with durable per-run files (resume, shards, merge), bands and
//! summaries, convergence, policy comparison with common random numbers,
//! sensitivity analysis (Spearman, PRCC, Morris, Sobol) and SVG charts.
//!
//! One function per `aistack` subcommand, each taking a typed options struct:
//!
//! | command | function |
//! | --- | --- |
//! | `batch` (incl. `--resume`, `--shard`) | [`run_batch`] |
//! | `merge` | [`merge`] |
//! | `compare` | [`compare()`] |
//! | `sensitivity` | [`sobol_sensitivity`] (+ [`rank_sensitivity`], [`morris`]) |
//! | `eval` | [`eval_design`] |
//! | `plot` | [`plot_batch`] |
//! | `run --from-batch DIR --run I` | [`plan_replay`] (the CLI then runs the scenario once) |
//!
//! **Invariant:** run `i`'s seed and parameters are a pure function of
//! (master seed, design, N, replicates R, i), and every output is rebuilt from the per-run
//! files in run order, so results are byte-identical whatever the thread
//! count, completion order, interruption or shard.
//!
//! The library never prints or exits; progress goes through [`Progress`].

pub mod charts;
pub mod compare;
pub mod convergence;
pub mod design;
pub mod discovery;
mod error;
pub mod eval;
pub mod linalg;
pub mod lock;
pub mod manifest;
mod model;
pub mod outputs;
#[cfg(feature = "parquet")]
pub mod parquet_out;
pub mod qmc;
pub mod replay;
pub mod runner;
pub mod scenario_copy;
pub mod scenario_model;
pub mod sensitivity;
pub mod series;
pub mod sketch;
pub mod stata;
pub mod stats;
pub mod store;
pub mod toy;

pub use charts::{PLOT_MARKER, PlotKind, PlotOptions, PlotReport, plot_batch, refuse_foreign_plot_out};

pub use compare::{
    COMPARE_RECORD, CompareOptions, CompareRecord, CompareReport, OutcomeDifference, compare,
    few_differing_note, one_sign_note, paired_share_difference, zero_difference_notes,
};
pub use design::{Design, Replication, Sampler, run_seed};
pub use error::{MathRefused, McError, Result, command_to_type};
pub use eval::{EvalOptions, EvalRecord, EvalReport, Others, SEED_COLUMN, eval_design};
pub use manifest::{
    Build, BuildSeen, Invocation, Manifest, OutputsRecord, Provenance, ScenarioFile, Shard, check_build,
};
pub use model::{Model, ModelError, ParamSpec, RankCorrelation, RunResult, SeriesPoint};
pub use outputs::{
    Categories, CategoryCodes, DEFAULT_MEMORY_BUDGET_BYTES, OutputOptions, PARQUET_SUPPORTED, RunsTable,
};
pub use replay::{ReplayPlan, plan_replay};
pub use runner::{
    BatchOptions, BatchReport, MergeOptions, NoProgress, Progress, merge, run_batch, shards_kept_series,
};
pub use scenario_model::ScenarioModel;
pub use sensitivity::{
    MorrisDesignRecord, MorrisOptions, MorrisRow, RankSensitivityRow, SaltelliSampler, SobolDesignRecord,
    SobolOptions, SobolReport, SobolRow, ignored_correlations_note, morris, rank_sensitivity,
    sensitivity_copy_note, sobol_sensitivity,
};
pub use series::{Instant, Series, SeriesBuilder, SeriesKey};
