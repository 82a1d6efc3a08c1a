//! DESIGN's minimal scenario (a start, a horizon, one region, one lab; no
//! plants, designs, fabs or fleet) through the binary: `validate` accepts it,
//! `run` and a small `batch` complete and write finite outcomes.

mod common;
use common::Scratch;
use std::path::Path;
use std::process::{Command, Output};

fn aistack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn bare() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../stack/tests/minimal/bare.ron")
        .display()
        .to_string()
}

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("aistack-bare-{name}"))
}

fn ok(o: &Output, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{what} failed: {err}");
    assert!(!err.contains("panicked"), "{what} panicked: {err}");
}

#[test]
fn validate_accepts_the_design_minimal_scenario() {
    let o = aistack(&["validate", &bare()]);
    ok(&o, "validate");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("ok") && stdout.contains("0 fabs, 1 lab,"),
        "{stdout}"
    );
}

#[test]
fn run_and_batch_complete_on_the_design_minimal_scenario() {
    let out = tmp("run");
    let o = aistack(&["run", &bare(), "--out", out.to_str().unwrap()]);
    ok(&o, "run");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["scenario"], "bare");
    let outcomes = summary["outcomes"].as_object().unwrap();
    assert!(outcomes.values().all(|v| v.as_f64().is_some_and(f64::is_finite)));
    assert_eq!(outcomes["fab.accelerators_delivered_total"], 0.0);
    assert_eq!(outcomes["training.releases_total"], 0.0);
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    for line in ts.lines().skip(1) {
        let value = line.rsplit(',').next().and_then(|v| v.parse::<f64>().ok());
        assert!(value.is_some_and(f64::is_finite), "a non-finite sample: {line}");
    }
    let _ = std::fs::remove_dir_all(&out);

    let out = tmp("batch");
    let o = aistack(&[
        "batch",
        &bare(),
        "--runs",
        "3",
        "--seed",
        "1",
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    ok(&o, "batch");
    for f in ["runs.csv", "bands.csv", "summary.json"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(!text.contains("NaN"), "{f} holds a NaN");
    }
}
