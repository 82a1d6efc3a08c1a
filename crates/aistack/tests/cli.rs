//! The `aistack` binary as a user runs it: outputs, exit codes, errors that
//! name file:line:column, the replace-only-on-success rule, determinism.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aistack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/scenarios")
        .join(name)
        .display()
        .to_string()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aistack-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn run_writes_timeseries_and_summary_with_the_exact_header() {
    let out = tmp("run");
    let o = aistack(&["run", &example("minimal.ron"), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("largest training run"), "{stdout}");
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert_eq!(ts.lines().next(), Some("run,time_year,date,metric,entity,value"));
    for domain in ["energy.", "fab.", "training."] {
        assert!(ts.contains(domain), "no {domain} metric in timeseries.csv");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["scenario"], "minimal");
    assert!(summary["outcomes"]["training.largest_run_flop"].as_f64().unwrap() > 0.0);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn same_seed_same_bytes_and_another_seed_differs() {
    let (a, b, c) = (tmp("seed-a"), tmp("seed-b"), tmp("seed-c"));
    for (dir, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let o = aistack(&[
            "run",
            &example("minimal.ron"),
            "--seed",
            seed,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let read = |d: &PathBuf| std::fs::read(d.join("timeseries.csv")).unwrap();
    assert_eq!(read(&a), read(&b), "same seed, different bytes");
    assert_ne!(read(&a), read(&c), "a different seed gave the same series");
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn a_bad_scenario_names_file_line_column_and_field_and_keeps_old_output() {
    let out = tmp("keep");
    let o = aistack(&["run", &example("minimal.ron"), "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();

    let bad = std::env::temp_dir().join(format!("aistack-cli-{}-bad.ron", std::process::id()));
    std::fs::write(&bad, "Scenario(name: \"x\", start: \"2025-01-01\", horizon_years: 1,\n  regions: [(name: \"a\", demand_avg_mw: -1)],\n  labs: [(name: \"l\", sites: [(region: \"a\")])])\n").unwrap();
    for cmd in ["validate", "run"] {
        let mut args = vec![cmd, bad.to_str().unwrap()];
        if cmd == "run" {
            args.extend(["--out", out.to_str().unwrap()]);
        }
        let o = aistack(&args);
        assert!(!o.status.success(), "{cmd} accepted a bad scenario");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("-bad.ron:2:"), "{cmd}: no file:line in {err}");
        assert!(
            err.contains("regions[0].demand_avg_mw"),
            "{cmd}: no field path in {err}"
        );
        assert!(!err.contains("panicked"), "{cmd} panicked: {err}");
    }
    assert_eq!(
        std::fs::read(out.join("timeseries.csv")).unwrap(),
        before,
        "a failed run touched old output"
    );
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_file(&bad);
}

#[test]
fn explain_and_plot_read_a_run_directory() {
    let out = tmp("explain");
    let o = aistack(&[
        "run",
        &example("minimal.ron"),
        "--plot",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for chart in ["power.svg", "ai-power.svg", "accelerators.svg", "releases.svg"] {
        let svg = std::fs::read_to_string(out.join(chart)).unwrap();
        assert!(
            svg.contains("<svg") && svg.contains("year"),
            "{chart} has no axis label"
        );
    }
    let o = aistack(&["explain", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("2025") && text.contains("bound"), "{text}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn batch_outputs_do_not_depend_on_the_thread_count() {
    let (one, two) = (tmp("b1"), tmp("b2"));
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        let o = aistack(&[
            "batch",
            &example("minimal.ron"),
            "--runs",
            "4",
            "--seed",
            "3",
            "--threads",
            threads,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in ["runs.csv", "bands.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs"
        );
    }
    for d in [one, two] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// minimal.ron with two uncertain parameters: the lab's MFU and the region's demand.
fn uncertain_minimal(name: &str) -> PathBuf {
    let text = std::fs::read_to_string(example("minimal.ron")).unwrap();
    let body = text.trim_end().strip_suffix(')').unwrap();
    let path = std::env::temp_dir().join(format!("aistack-cli-{}-{name}.ron", std::process::id()));
    std::fs::write(
        &path,
        format!(
            "{body}    uncertain: {{\n        \"labs.lab.mfu\": Uniform(low: 0.2, high: 0.5),\n        \"regions.home.demand_avg_mw\": Uniform(low: 900, high: 1100),\n    }},\n)\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn sensitivity_morris_screens_parameters_and_writes_morris_csv() {
    let scenario = uncertain_minimal("morris");
    let out = tmp("morris");
    let o = aistack(&[
        "sensitivity",
        scenario.to_str().unwrap(),
        "--method",
        "morris",
        "--outcome",
        "training.largest_run_flop",
        "--trajectories",
        "4",
        "--seed",
        "5",
        "--threads",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("12 model runs"),
        "4 × (2 + 1) runs expected: {stdout}"
    );
    let csv = std::fs::read_to_string(out.join("morris.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("outcome,parameter,trajectories,levels,mu,mu_star,sigma")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    let mu_star = |p: &str| -> f64 { rows.iter().find(|r| r[1] == p).unwrap()[5].parse().unwrap() };
    // The largest run grows with MFU (more FLOP from the same chips).
    assert!(mu_star("labs.lab.mfu") > 0.0, "{csv}");
    // The printout lists every parameter, by μ* (its second column) descending.
    let printed: Vec<f64> = stdout
        .lines()
        .filter(|l| l.starts_with("labs.") || l.starts_with("regions."))
        .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(printed.len(), rows.len(), "{stdout}");
    assert!(printed.windows(2).all(|w| w[0] >= w[1]), "{stdout}");

    let bad = aistack(&[
        "sensitivity",
        scenario.to_str().unwrap(),
        "--method",
        "morris",
        "--outcome",
        "training.largest_run_flop",
    ]);
    assert!(
        !bad.status.success(),
        "morris without --trajectories was accepted"
    );
    let bad = aistack(&[
        "sensitivity",
        scenario.to_str().unwrap(),
        "--method",
        "fast",
        "--outcome",
        "x",
        "--runs",
        "2",
    ]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("sobol` or `morris"));
    let no_runs = aistack(&[
        "sensitivity",
        scenario.to_str().unwrap(),
        "--outcome",
        "training.largest_run_flop",
    ]);
    assert!(!no_runs.status.success());
    assert!(String::from_utf8_lossy(&no_runs.stderr).contains("--runs N is required"));
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_file(&scenario);
}

#[test]
fn parquet_is_refused_up_front_without_the_feature_and_written_with_it() {
    let out = tmp("parquet");
    let o = aistack(&[
        "batch",
        &example("minimal.ron"),
        "--runs",
        "2",
        "--parquet",
        "--out",
        out.to_str().unwrap(),
    ]);
    if cfg!(feature = "parquet") {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for t in ["runs.parquet", "bands.parquet"] {
            let bytes = std::fs::read(out.join(t)).unwrap();
            assert!(
                bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
                "{t} is not Parquet"
            );
        }
    } else {
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--features parquet"), "{err}");
        assert!(!out.join("runs").exists(), "runs were made before the refusal");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn memory_budget_flag_switches_bands_to_the_sketch_and_says_so() {
    // The largest quantile error of any band row (last column of bands.csv).
    let max_error = |dir: &std::path::Path| {
        std::fs::read_to_string(dir.join("bands.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().parse::<f64>().unwrap())
            .fold(0.0f64, f64::max)
    };
    let (exact, sketched) = (tmp("budget-default"), tmp("budget-zero"));
    let scenario = example("minimal.ron");
    for (dir, budget) in [(&exact, None), (&sketched, Some("0"))] {
        let mut args = vec![
            "batch",
            scenario.as_str(),
            "--runs",
            "4",
            "--seed",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ];
        if let Some(b) = budget {
            args.extend(["--memory-budget-mib", b]);
        }
        let o = aistack(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let said = String::from_utf8_lossy(&o.stdout).to_string();
        let expected = if budget.is_some() {
            "quantile sketch"
        } else {
            "bands exact"
        };
        assert!(said.contains(expected), "{said}");
    }
    assert_eq!(max_error(&exact), 0.0);
    assert!(
        max_error(&sketched) > 0.0,
        "a zero budget must bound its quantiles by the sketch"
    );
    // The runs are the same; only how their bands are summarised differs.
    assert_eq!(
        std::fs::read(exact.join("runs.csv")).unwrap(),
        std::fs::read(sketched.join("runs.csv")).unwrap()
    );
    let o = aistack(&[
        "merge",
        sketched.to_str().unwrap(),
        "--out",
        "/dev/null/x",
        "--memory-budget-mib",
        "99999999999999999",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--memory-budget-mib"));
    for d in [exact, sketched] {
        let _ = std::fs::remove_dir_all(d);
    }
}
