//! `aistack run --from-batch DIR --run I`: run I of a batch again, alone,
//! with the seed and parameter values the batch gave it. Its outcomes must
//! be runs.csv's row and its series the batch's kept series of that run, so
//! a replay with any other seed or values fails these tests.

mod common;
use common::Scratch;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aistack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let o = aistack(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refused(args: &[&str]) -> String {
    let o = aistack(args);
    assert!(!o.status.success(), "{args:?} succeeded");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn tmp(name: &str) -> Scratch {
    let d = Scratch::new(&format!("aistack-replay-{name}"));
    std::fs::create_dir_all(&*d).unwrap();
    d
}

/// minimal.ron (two years, random gas outages) with two uncertain,
/// rank-correlated parameters: the lab's MFU and the region's demand.
fn scenario(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/minimal.ron"),
    )
    .unwrap();
    let body = text.trim_end().strip_suffix(')').unwrap();
    let path = dir.join("uncertain.ron");
    std::fs::write(
        &path,
        format!(
            "{body}    uncertain: {{\n        \"labs.lab.mfu\": Uniform(low: 0.2, high: 0.5),\n        \
             \"regions.home.demand_avg_mw\": Uniform(low: 900, high: 1100),\n    }},\n    \
             correlations: [(a: \"labs.lab.mfu\", b: \"regions.home.demand_avg_mw\", rho: 0.5)],\n)\n"
        ),
    )
    .unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `runs.csv` as header and rows of cells.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rd = csv::Reader::from_path(path).unwrap();
    let header = rd.headers().unwrap().iter().map(String::from).collect();
    let rows = rd
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Run `run`'s rows of a timeseries.csv as (time bits, date, metric, entity,
/// value bits), sorted (a batch writes them in its canonical order).
fn series(path: &Path, run: &str) -> Vec<(u64, String, String, String, u64)> {
    let (_, rows) = table(path);
    let mut v: Vec<_> = rows
        .into_iter()
        .filter(|r| r[0] == run)
        .map(|r| {
            let f = |c: &str| c.parse::<f64>().unwrap().to_bits();
            (f(&r[1]), r[2].clone(), r[3].clone(), r[4].clone(), f(&r[5]))
        })
        .collect();
    v.sort();
    v
}

/// Shortest round-trip text, as runs.csv writes numbers.
fn num(v: f64) -> String {
    format!("{v:?}")
}

/// The number after `"name": ` in a JSON text, exactly (serde_json, without
/// its `float_roundtrip` feature, may read a double one ulp off), as
/// runs.csv writes it; empty when absent.
fn json_number(text: &str, name: &str) -> String {
    let key = format!("\"{name}\": ");
    let Some(at) = text.find(&key) else {
        return String::new();
    };
    let rest = &text[at + key.len()..];
    let end = rest.find([',', '\n', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse::<f64>().map(num).unwrap_or_default()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Replaying run 2 of a 4-run batch (plain MC and Latin hypercube, with a
/// rank correlation) gives runs.csv's row 2 (seed, parameters and every
/// outcome, as the same decimal strings) and the batch's series of run 2;
/// the other runs' rows differ, so a wrong seed or wrong values would fail.
/// The summary records where the run came from, the text says it once,
/// and `explain` and `plot` work on the directory.
#[test]
fn replaying_run_2_reproduces_its_row_and_series_in_both_designs() {
    let dir = tmp("designs");
    let sc = scenario(&dir);
    // And a Latin hypercube in 2 replicates of 4 runs (issue 7; the rank
    // correlation needs more runs a replicate than correlated parameters + 1).
    for (design, runs, replicates) in [("mc", "4", "1"), ("lhs", "4", "1"), ("lhs", "8", "2")] {
        let batch = dir.join(format!("batch-{design}-{replicates}"));
        let mut args = vec![
            "batch",
            s(&sc),
            "--runs",
            runs,
            "--seed",
            "7",
            "--design",
            design,
            "--keep-timeseries",
            "--out",
            s(&batch),
        ];
        if replicates != "1" {
            args.extend(["--replicates", replicates]);
        }
        ok(&args);
        let out = dir.join(format!("replay-{design}-{replicates}"));
        // The scenario is taken from the manifest.
        let stdout = ok(&[
            "run",
            "--from-batch",
            s(&batch),
            "--run",
            "2",
            "--out",
            s(&out),
            "--plot",
        ]);
        assert_eq!(
            stdout.matches("Replay of run 2 of the batch").count(),
            1,
            "{stdout}"
        );
        let replicated = if replicates == "1" {
            ")".to_string()
        } else {
            format!(" in {replicates} replicates)")
        };
        assert!(
            stdout.contains(&format!(
                "design {design}, master seed 7, {runs} runs{replicated}"
            )),
            "{stdout}"
        );

        let (header, rows) = table(&batch.join("runs.csv"));
        let row = &rows[2];
        assert_eq!(row[0], "2");
        let sum = summary(&out);
        assert_eq!(
            sum["seed"].as_u64().unwrap().to_string(),
            row[1],
            "{design}: seed"
        );
        let from = &sum["replayed_from"];
        assert_eq!(from["run"], 2);
        assert_eq!(from["design"], design);
        assert_eq!(
            from.get("replicates").map(|r| r.to_string()),
            (replicates != "1").then(|| replicates.to_string())
        );
        assert_eq!(from["seed"].as_u64().unwrap().to_string(), row[1]);
        assert_eq!(
            Path::new(from["batch_dir"].as_str().unwrap()),
            batch.canonicalize().unwrap()
        );
        // Parameters appear under `parameters` and `replayed_from.parameters`,
        // with the same values; outcomes once.
        let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
        for (j, name) in header.iter().enumerate().skip(2) {
            assert_eq!(json_number(&text, name), row[j], "{design}: {name}");
            if j < 4 {
                assert_eq!(
                    text.matches(&format!("\"{name}\": {}", row[j])).count(),
                    2,
                    "{name}"
                );
            }
        }
        // Every run differs from run 2 in some outcome.
        for other in [0, 1, 3] {
            assert_ne!(rows[other][4..], row[4..], "{design}: runs {other} and 2 alike");
        }
        let replayed = series(&out.join("timeseries.csv"), "2");
        assert!(replayed.len() > 1000, "{}", replayed.len());
        assert_eq!(replayed, series(&batch.join("timeseries.csv"), "2"), "{design}");
        assert_ne!(replayed, series(&batch.join("timeseries.csv"), "1"), "{design}");

        let explained = ok(&["explain", s(&out)]);
        assert!(explained.contains(&format!("(seed {})", row[1])), "{explained}");
        let charts = std::fs::read_dir(&out)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "svg"))
            .count();
        assert!(charts > 0, "--plot drew no chart");
    }
}

/// A scenario changed since the batch (given, or edited where the manifest
/// says it is) and an index past the batch are refused, naming the hashes
/// or the range, and nothing is written; the default OUT is
/// aistack-out/<name>-run-<I>.
#[test]
fn a_changed_scenario_and_an_index_out_of_range_are_refused_and_write_nothing() {
    let dir = tmp("refusals");
    let sc = scenario(&dir);
    let batch = dir.join("batch");
    ok(&["batch", s(&sc), "--runs", "4", "--seed", "3", "--out", s(&batch)]);
    let hash = summary_hash(&batch);
    let out = dir.join("out");

    let err = refused(&["run", "--from-batch", s(&batch), "--run", "4", "--out", s(&out)]);
    assert!(
        err.contains("run 4 is out of range") && err.contains("indices 0 to 3"),
        "{err}"
    );
    assert!(!out.exists());

    let changed = dir.join("changed.ron");
    let text = std::fs::read_to_string(&sc).unwrap();
    std::fs::write(
        &changed,
        text.replace("demand_avg_mw: 1000", "demand_avg_mw: 1001"),
    )
    .unwrap();
    let err = refused(&[
        "run",
        s(&changed),
        "--from-batch",
        s(&batch),
        "--run",
        "1",
        "--out",
        s(&out),
    ]);
    assert!(
        err.contains("changed since the batch") && err.contains(&hash),
        "{err}"
    );
    assert!(err.contains("changed.ron has hash fnv1a64:"), "{err}");
    assert!(!out.exists());
    // The recorded scenario edited in place: the batch's own copy of it
    // (`batch/scenario/`) is replayed, and that is said.
    std::fs::write(&sc, format!("{text}// edited\n")).unwrap();
    let args = ["run", "--from-batch", s(&batch), "--run", "1", "--out", s(&out)];
    let o = aistack(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "note: {} changed since the batch ran: using the batch's own copy of its scenario, {}",
            sc.display(),
            batch.join("scenario/uncertain.ron").display()
        )),
        "{err}"
    );
    std::fs::remove_dir_all(&out).unwrap();
    // Without that copy (a batch of an older build): refused.
    let kept = dir.join("kept-copy");
    std::fs::rename(batch.join("scenario"), &kept).unwrap();
    let err = refused(&args);
    assert!(err.contains("changed since the batch"), "{err}");
    assert!(!out.exists());
    std::fs::rename(&kept, batch.join("scenario")).unwrap();
    // Restored: the default output directory is <name>-run-<I>.
    std::fs::write(&sc, &text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(["run", "--from-batch", s(&batch), "--run", "1"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("aistack-out/minimal-run-1/summary.json").exists());
}

fn summary_hash(batch: &Path) -> String {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(batch.join("manifest.json")).unwrap()).unwrap();
    m["scenario_hash"].as_str().unwrap().to_string()
}

/// A row of an `aistack eval` directory replays with the row's values; the
/// top directory of `aistack compare` is refused, naming its batches, one
/// of which replays.
#[test]
fn an_eval_row_replays_and_a_compare_directory_points_to_its_batches() {
    let dir = tmp("eval");
    let sc = scenario(&dir);
    let design = dir.join("design.csv");
    std::fs::write(
        &design,
        "regions.home.demand_avg_mw,labs.lab.mfu\n950,0.25\n1080.5,0.45\n",
    )
    .unwrap();
    let eval = dir.join("eval");
    ok(&[
        "eval",
        s(&sc),
        "--design",
        s(&design),
        "--seed",
        "5",
        "--out",
        s(&eval),
    ]);
    let out = dir.join("row1");
    let stdout = ok(&["run", "--from-batch", s(&eval), "--run", "1", "--out", s(&out)]);
    assert!(
        stdout.contains(&format!(
            "Replay of row 1 of the eval in {} (design file {}, master seed 5)",
            eval.display(),
            design.display()
        )),
        "{stdout}"
    );
    let sum = summary(&out);
    assert_eq!(
        sum["replayed_from"]["design_file"].as_str(),
        Some(s(&design)),
        "the replay's summary.json names the design file"
    );
    assert_eq!(sum["parameters"]["labs.lab.mfu"].as_f64(), Some(0.45));
    assert_eq!(
        sum["parameters"]["regions.home.demand_avg_mw"].as_f64(),
        Some(1080.5)
    );
    let (header, rows) = table(&eval.join("runs.csv"));
    assert_eq!(sum["seed"].as_u64().unwrap().to_string(), rows[1][1]);
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    for (j, name) in header.iter().enumerate().skip(2) {
        assert_eq!(json_number(&text, name), rows[1][j], "{name}");
    }

    let cmp = dir.join("cmp");
    ok(&["compare", s(&sc), s(&sc), "--runs", "2", "--out", s(&cmp)]);
    let err = refused(&["run", "--from-batch", s(&cmp), "--run", "0", "--out", s(&out)]);
    assert!(err.contains("`aistack compare`") && err.contains("/b"), "{err}");
    ok(&[
        "run",
        "--from-batch",
        s(&cmp.join("b")),
        "--run",
        "1",
        "--out",
        s(&dir.join("b1")),
    ]);
}
