//! Helpers shared by the CLI tests: run the binary, expect success or a
//! refusal, scratch directories, the example scenarios and variants of
//! minimal.ron, and a small scenario with uncertain parameters.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `aistack` binary with `args`.
pub fn aistack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the `aistack` binary with `args` in the working directory `cwd`.
pub fn aistack_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aistack"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Succeeds, or fails the test with standard error.
pub fn ok(args: &[&str]) -> Output {
    let o = aistack(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Fails with exit status 1 and returns standard error; never a panic.
pub fn refused(args: &[&str]) -> String {
    let o = aistack(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// A path as the `&str` a command line takes.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[path = "../../../stack/tests/common/scratch.rs"]
mod scratch;
pub use scratch::Scratch;

/// A fresh (removed, not created) scratch path for test `name` of `suite`,
/// removed when dropped (see [`Scratch`]).
pub fn tmp(suite: &str, name: &str) -> Scratch {
    Scratch::new(&format!("aistack-{suite}-{name}"))
}

/// The path of the example scenario `name` (`examples/scenarios/NAME`).
pub fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/scenarios")
        .join(name)
        .display()
        .to_string()
}

/// A variant of minimal.ron named `name` that sets `set` (the body of a
/// `set: { … }` map) and adds `add` (the body of an `add: [ … ]` list),
/// written to the scratch file `aistack-SUITE-NAME.ron`.
pub fn minimal_variant(suite: &str, name: &str, set: &str, add: &str) -> Scratch {
    let file = Scratch::new(&format!("aistack-{suite}-{name}.ron"));
    std::fs::write(
        &file,
        format!(
            "Variant(base: \"{}\", name: \"{name}\", set: {{ {set} }}, add: [ {add} ])\n",
            example("minimal.ron")
        ),
    )
    .unwrap();
    file
}

/// `aistack run SCENARIO --out OUT`, then `aistack explain OUT`: their
/// standard outputs, each command required to succeed.
pub fn run_then_explain(scenario: &str, out: &Path) -> (String, String) {
    let run = ok(&["run", scenario, "--out", s(out)]);
    let explain = ok(&["explain", s(out)]);
    (
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&explain.stdout).into_owned(),
    )
}

/// A fresh directory for test `name` of `suite`, holding `scenario.ron`
/// (see [`uncertain_minimal`]): (the directory, removed when dropped; the
/// scenario).
pub fn with_scenario(suite: &str, name: &str) -> (Scratch, PathBuf) {
    let root = tmp(suite, name);
    std::fs::create_dir_all(&root).unwrap();
    let scenario = root.join("scenario.ron");
    uncertain_minimal(&scenario);
    (root, scenario)
}

/// minimal.ron with two uncertain parameters (the lab's MFU and the region's
/// demand), written to `path`.
pub fn uncertain_minimal(path: &Path) {
    let minimal = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/minimal.ron");
    let text = std::fs::read_to_string(minimal).unwrap();
    let body = text.trim_end().strip_suffix(')').unwrap();
    std::fs::write(
        path,
        format!(
            "{body}    uncertain: {{\n        \"labs.lab.mfu\": Uniform(low: 0.2, high: 0.5),\n        \"regions.home.demand_avg_mw\": Uniform(low: 900, high: 1100),\n    }},\n)\n"
        ),
    )
    .unwrap();
}

/// Shards 0/2 and 1/2 of a 4-run batch of `scenario` (seed 3), written to
/// `root/shard0` and `root/shard1`; their directories.
pub fn two_shards(root: &Path, scenario: &Path) -> Vec<PathBuf> {
    two_shards_with(root, scenario, &[])
}

/// [`two_shards`], each batch given the further arguments `extra`.
pub fn two_shards_with(root: &Path, scenario: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let shards: Vec<PathBuf> = (0..2).map(|k| root.join(format!("shard{k}"))).collect();
    for (k, d) in shards.iter().enumerate() {
        let shard = format!("{k}/2");
        let mut args = vec![
            "batch",
            s(scenario),
            "--runs",
            "4",
            "--seed",
            "3",
            "--shard",
            &shard,
            "--out",
            s(d),
        ];
        args.extend_from_slice(extra);
        ok(&args);
    }
    shards
}
