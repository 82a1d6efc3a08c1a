//! Helpers shared by the montecarlo integration tests: scratch paths
//! removed when dropped, `eval` options.

#![allow(dead_code)] // each test binary uses its own subset

use montecarlo::{EvalOptions, OutputOptions};
use std::path::Path;

#[path = "../../../stack/tests/common/scratch.rs"]
mod scratch;
pub use scratch::Scratch;

/// `eval` options for a design written to `DIR/design.csv` (created here),
/// output in `DIR/out`, on 2 threads, with the given master seed.
pub fn eval_opts(dir: &Path, design: &str, master_seed: u64) -> EvalOptions {
    std::fs::create_dir_all(dir).unwrap();
    let csv = dir.join("design.csv");
    std::fs::write(&csv, design).unwrap();
    EvalOptions {
        design_csv: csv,
        out: dir.join("out"),
        master_seed,
        threads: Some(2),
        output: OutputOptions::default(),
        tool_version: "test".into(),
        build: Default::default(),
        command_line: vec![],
        others: None,
        resume: false,
        shard: None,
    }
}
