//! The Monte Carlo commands as an economist meets them (audit s17 econ):
//! a run's output kept from a batch given its `--out`, a stopping rule that
//! did not stop saying so, `plot --out` for a batch one may not write to,
//! and options given odd values (`inf`, negative numbers).

mod common;

use common::{ok, refused, s, with_scenario};
use std::path::Path;

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_batch_into_a_run_directory_is_refused_and_leaves_it_as_it_was() {
    let (root, scenario) = with_scenario("econ", "run-dir");
    let run = root.join("r1");
    ok(&["run", s(&scenario), "--out", s(&run)]);
    let before = listing(&run);
    let summary = std::fs::read(run.join("summary.json")).unwrap();
    for args in [
        vec!["batch", s(&scenario), "--runs", "2", "--out", s(&run)],
        vec![
            "compare",
            s(&scenario),
            s(&scenario),
            "--runs",
            "2",
            "--out",
            s(&root),
        ],
    ] {
        let dir = if args[0] == "batch" {
            run.clone()
        } else {
            root.clone()
        };
        if args[0] == "compare" {
            std::fs::rename(&run, root.join("a")).unwrap();
        }
        let err = refused(&args);
        let side = if args[0] == "batch" {
            run.clone()
        } else {
            dir.join("a")
        };
        assert!(
            err.contains(&format!(
                "{} holds summary.json, timeseries.csv but no manifest.json",
                side.display()
            )) && err.contains("nothing was written"),
            "{err}"
        );
        assert_eq!(listing(&side), before);
        assert_eq!(std::fs::read(side.join("summary.json")).unwrap(), summary);
        if args[0] == "compare" {
            std::fs::rename(root.join("a"), &run).unwrap();
        }
    }
    ok(&["run", s(&scenario), "--out", s(&run)]);
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn a_stopping_rule_that_did_not_stop_names_what_is_still_above_it() {
    let (root, scenario) = with_scenario("econ", "not-stopped");
    let out = root.join("b");
    let o = ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--until-rel-halfwidth",
        "1e-9",
        "--stop-outcome",
        "energy.avg_price_usd_per_mwh",
        "--out",
        s(&out),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(
            "note: the half-width rule did not stop the batch: 1 watched outcome is still above \
             1e-9 at 3 runs: energy.avg_price_usd_per_mwh (rel. half-width "
        ) && stdout.contains("see convergence.csv"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn plot_out_writes_the_charts_elsewhere_and_nothing_in_the_batch() {
    let (root, scenario) = with_scenario("econ", "plot-out");
    let batch = root.join("b");
    ok(&["batch", s(&scenario), "--runs", "3", "--out", s(&batch)]);
    let before = listing(&batch);
    let charts = root.join("charts");
    let o = ok(&["plot", s(&batch), "--out", s(&charts)]);
    assert_eq!(listing(&batch), before, "plot wrote into the batch");
    assert!(charts.join("sensitivity.csv").is_file());
    assert!(
        listing(&charts)
            .iter()
            .any(|f| f.starts_with("hist-") && f.ends_with(".svg")),
        "{:?}",
        listing(&charts)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains(s(&charts)));
    let run = root.join("r");
    ok(&["run", s(&scenario), "--out", s(&run)]);
    let before = listing(&run);
    let run_charts = root.join("run-charts");
    ok(&["plot", s(&run), "--out", s(&run_charts)]);
    assert_eq!(listing(&run), before);
    assert!(run_charts.join("power.svg").is_file());
    let _ = std::fs::remove_dir_all(root);
}
