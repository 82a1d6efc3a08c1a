//! Helpers shared by the montecarlo integration tests: scratch paths
//! removed when dropped, `eval` options.

#![allow(dead_code)] // each test binary uses its own subset

use montecarlo::{EvalOptions, OutputOptions};
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A scratch path that does not exist yet, `name` inside a fresh temporary
/// directory (`NAME-XXXXXX` in the system's temporary directory): dropping it
/// removes that directory and all the test wrote there, also when the test
/// panics. Dereferences to the path.
pub struct Scratch {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Scratch {
    /// A fresh scratch path named `name`.
    pub fn new(name: &str) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir()
            .expect("a temporary directory");
        Scratch {
            path: dir.path().join(name),
            _dir: dir,
        }
    }
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl From<&Scratch> for PathBuf {
    fn from(s: &Scratch) -> PathBuf {
        s.path.clone()
    }
}

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
