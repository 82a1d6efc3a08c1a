//! The `aistack` binary as a user runs it: outputs, exit codes, errors that
//! name file:line:column, the replace-only-on-success rule, determinism.

mod common;
use common::{Scratch, example, minimal_variant, run_then_explain};
use std::path::Path;
use std::process::{Command, Output};

fn aistack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("aistack-cli-{name}"))
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
}

/// A huge `--runs` is a cap the stopping rule need never reach: memory
/// follows the runs done, not the runs asked for. With 10⁹ runs the batch
/// used to list every index first (8 GB) and abort, so it runs here with a
/// 3 GB address-space limit (Unix shells' `ulimit -v`), stops at its first
/// check and finishes.
#[cfg(target_os = "linux")]
#[test]
fn batch_with_a_billion_runs_stops_at_its_first_check_in_bounded_memory() {
    let out = tmp("billion");
    let o = Command::new("sh")
        .args(["-c", "ulimit -v 3000000 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_aistack"))
        .args(["batch", &example("minimal.ron"), "--runs", "1000000000"])
        .args(["--until-rel-halfwidth", "0.5", "--threads", "1", "--out"])
        .arg(&*out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{:?}: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("100 runs in the outputs") && stdout.contains("stopped at 100"),
        "{stdout}"
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        (m["runs"].as_u64(), m["stopped_at"].as_u64()),
        (Some(1_000_000_000), Some(100))
    );
}

/// `--out .` (the current directory) and `--out DIR/.` name a directory
/// like any other: an empty one, or one holding a run's files, is replaced
/// by the run's files (they used to fail after the run: the staging
/// directory was made inside `.`, and a rename onto `DIR/.` is refused).
#[test]
fn run_out_dot_replaces_that_directory() {
    let root = tmp("dot");
    let here = root.join("here");
    std::fs::create_dir_all(&here).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(["run", &example("minimal.ron"), "--out", "."])
        .current_dir(&here)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(here.join("timeseries.csv").is_file() && here.join("summary.json").is_file());
    let there = root.join("there");
    for _ in 0..2 {
        // Absent, then holding the first run's files.
        let out = format!("{}/.", there.display());
        let o = aistack(&["run", &example("minimal.ron"), "--out", &out]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(there.join("summary.json").is_file());
    }
    let mut left: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["here", "there"], "no staging directory left behind");
}

/// `--out` at a folder of the user's (here: the scenario's own folder, with
/// notes and data) is refused before the run and deletes nothing; a re-run
/// with charts into its own output directory replaces it.
#[test]
fn run_never_replaces_a_directory_holding_the_users_files() {
    let proj = tmp("proj");
    std::fs::create_dir_all(proj.join("data")).unwrap();
    std::fs::copy(example("minimal.ron"), proj.join("minimal.ron")).unwrap();
    std::fs::write(proj.join("paper.md"), "draft").unwrap();
    let scenario = proj.join("minimal.ron");
    let o = aistack(&["run", scenario.to_str().unwrap(), "--out", proj.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("data/, minimal.ron, paper.md") && err.contains("--out"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(proj.join("paper.md")).unwrap(), "draft");
    assert!(scenario.exists() && proj.join("data").is_dir());
    assert!(!proj.join("summary.json").exists());

    let out = proj.join("out");
    for _ in 0..2 {
        let o = aistack(&[
            "run",
            scenario.to_str().unwrap(),
            "--plot",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(out.join("accelerators.svg").exists());
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
    let read = |d: &Path| std::fs::read(d.join("timeseries.csv")).unwrap();
    assert_eq!(read(&a), read(&b), "same seed, different bytes");
    assert_ne!(read(&a), read(&c), "a different seed gave the same series");
}

#[test]
fn a_bad_scenario_names_file_line_column_and_field_and_keeps_old_output() {
    let out = tmp("keep");
    let o = aistack(&["run", &example("minimal.ron"), "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();

    let bad = Scratch::new("aistack-cli-bad.ron");
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
}

/// The AI power chart draws the other buyers' sites where a scenario gives
/// them any, since its cut line counts every datacenter (review s23, F5),
/// and only then.
#[test]
fn the_ai_power_chart_draws_the_other_buyers_sites() {
    let chart = |scenario: &str, name: &str| {
        let out = tmp(name);
        let o = aistack(&["run", scenario, "--plot", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(out.join("ai-power.svg")).unwrap()
    };
    let with = minimal_variant(
        "cli",
        "buyer-sites",
        "\"chips.other_buyers\": [(name: \"cloud\", budget_usd_per_year: 2e8, \
         sites: [(region: \"home\", connected_mw: 50)])]",
        "",
    );
    let svg = chart(with.to_str().unwrap(), "buyer-sites-run");
    assert!(
        svg.contains("other buyers&apos; sites drawn") || svg.contains("other buyers' sites drawn"),
        "{svg}"
    );
    let svg = chart(&example("minimal.ron"), "no-buyer-sites-run");
    assert!(!svg.contains("other buyers"), "{svg}");
}

/// Runs SCENARIO into a scratch directory named `name`, then `explain`s it:
/// its stdout (both must succeed).
fn run_and_explain(scenario: &str, name: &str) -> String {
    run_then_explain(scenario, &tmp(name)).1
}

/// `explain` says how many accelerators went to buyers outside the labs,
/// where some did: a "chips" bound is then the labs' share binding (the s21
/// review: explain never said that two thirds of china-2025's supply went
/// elsewhere); without other buyers it says nothing of them.
#[test]
fn explain_says_what_other_buyers_took() {
    let text = std::fs::read_to_string(example("minimal.ron")).unwrap();
    let body = text.trim_end().strip_suffix(')').unwrap();
    let scenario = Scratch::new("aistack-cli-explain-others.ron");
    std::fs::write(
        &scenario,
        format!(
            "{body}    imports: [(name: \"h100-imports\", design: \"h100\", units_per_month: 100)],\n    \
             chips: (allocation: ProRata, other_buyers: [(name: \"others\", budget_usd_per_year: 1e9)]),\n)\n"
        ),
    )
    .unwrap();
    let said = run_and_explain(scenario.to_str().unwrap(), "explain-others");
    assert!(
        said.contains("to buyers outside them (`chips.other_buyers`): the labs got"),
        "{said}"
    );
    assert!(!said.contains("Other buyers' sites"), "{said}");
    let alone = run_and_explain(&example("minimal.ron"), "explain-alone");
    assert!(!alone.contains("other_buyers"), "{alone}");
    // With sites, what they drew and lacked (review s23: only the run
    // summary said it).
    let sited = std::fs::read_to_string(&scenario).unwrap().replace(
        "budget_usd_per_year: 1e9)",
        "budget_usd_per_year: 1e9, sites: [(region: \"home\")])",
    );
    let sited_path = Scratch::new("aistack-cli-explain-others-sites.ron");
    std::fs::write(&sited_path, sited).unwrap();
    let said = run_and_explain(sited_path.to_str().unwrap(), "explain-others-sites");
    assert!(
        said.contains("Other buyers' sites drew") && said.contains("MWh from the grid"),
        "{said}"
    );
}

/// `explain` shows each lab's own figures where a run has two labs or more
/// (from the per-lab outcomes): a follower with a tenth of the leader's
/// chips ends further behind the frontier, which the national line (the
/// leader's) does not show; a one-lab run has no such table.
#[test]
fn explain_shows_each_labs_own_figures() {
    let scenario = Scratch::new("aistack-cli-explain-labs.ron");
    std::fs::write(
        &scenario,
        format!(
            "Variant(base: \"{}\", name: \"two-labs\",\n  \
             add: [Lab((name: \"follower\", sites: [(region: \"home\", connected_mw: 2)], \
             fleet: [(design: \"h100\", count: 200)]))],\n  \
             set: {{ \"ecosystem.frontier_log10_effective_flop\": [(\"2025-01-01\", 25), (\"2027-01-01\", 27)] }})\n",
            example("minimal.ron")
        ),
    )
    .unwrap();
    let said = run_and_explain(scenario.to_str().unwrap(), "explain-labs");
    let table = said
        .split("Each lab, whole run")
        .nth(1)
        .unwrap_or_else(|| panic!("no per-lab table in:\n{said}"));
    let row = |lab: &str| {
        // After the title's end and the header (whose first column is "lab").
        table
            .lines()
            .skip(2)
            .find(|l| l.starts_with(&format!("{lab} ")))
            .unwrap_or_else(|| panic!("no row for {lab} in:\n{table}"))
            .to_string()
    };
    let gap = |row: &str| -> f64 {
        let before = row.split(" mo ").next().expect("a gap");
        before.split_whitespace().last().unwrap().parse().expect("months")
    };
    let (leader, follower) = (row("lab"), row("follower"));
    assert!(
        leader.contains("behind") && follower.contains("behind"),
        "{table}"
    );
    assert!(gap(&follower) > gap(&leader), "{table}");
    let alone = run_and_explain(&example("minimal.ron"), "explain-one-lab");
    assert!(!alone.contains("Each lab"), "{alone}");
}

/// `explain` names a compute threshold as the scenario wrote it: 2.5e24
/// was read back from summary.json as 2.4999999999999997e24 (review s20,
/// finding 4: serde_json's default float parser).
#[test]
fn explain_writes_a_compute_threshold_as_written() {
    let scenario = minimal_variant(
        "cli",
        "threshold",
        "\"settings.compute_thresholds_flop\": [2.5e24]",
        "",
    );
    let text = run_and_explain(scenario.to_str().unwrap(), "threshold");
    assert!(
        text.contains("Compute thresholds (first run at or above each in this simulation, runs before the start not counted): 2.5e24 FLOP"),
        "{text}"
    );
}

/// minimal.ron on a grid short of power (1,000 MW of gas for 1,000 MW of
/// other demand) that cuts datacenters first: the lab's chip-bound runs of
/// 2026 read "chips", yet most of its training compute lacked power. The
/// summary, `summary.json` and `explain` say how much (audit s13-thesis F2:
/// before, power losses behind a "chips" label showed nowhere).
#[test]
fn explain_shows_training_compute_lost_to_power_behind_a_chips_label() {
    let scenario = minimal_variant(
        "cli",
        "short",
        "\"plants.home-gas.installed_mw\": 1000, \"grid.curtailment_order\": [Datacenter, Fab, Industry, Household]",
        "",
    );
    let out = tmp("short");
    let o = aistack(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("lost to power "), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let outcomes = &summary["outcomes"];
    assert_eq!(summary["largest_run_bound_by_year"]["2026"], "chips", "{summary}");
    let share = outcomes["training.share_lost_power_year_2026"].as_f64().unwrap();
    assert!(share > 0.3, "2026 lost {share} of its training compute to power");
    assert!(outcomes["training.share_lost_power_total"].as_f64().unwrap() > 0.3);
    assert!(outcomes["training.flop_lost_power_total"].as_f64().unwrap() > 0.0);
    let o = aistack(&["explain", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("lost to power"), "{text}");
    let row = text.lines().find(|l| l.starts_with("2026")).expect("a 2026 row");
    assert!(
        row.contains(&format!("{:.1} %", 100.0 * share)) && row.ends_with("chips"),
        "{row}"
    );
    assert!(
        text.contains("Training compute lost to power, whole run"),
        "{text}"
    );
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
}

/// minimal.ron with two uncertain parameters: the lab's MFU and the region's demand.
fn uncertain_minimal(name: &str) -> Scratch {
    let text = std::fs::read_to_string(example("minimal.ron")).unwrap();
    let body = text.trim_end().strip_suffix(')').unwrap();
    let path = Scratch::new(&format!("aistack-cli-{name}.ron"));
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
}

#[test]
fn memory_budget_flag_switches_bands_to_the_sketch_and_says_so() {
    // The largest quantile error of any band row (last column of bands.csv;
    // empty on a category's share rows, which have no quantiles).
    let max_error = |dir: &std::path::Path| {
        std::fs::read_to_string(dir.join("bands.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| l.rsplit(',').next().filter(|c| !c.is_empty()))
            .map(|c| c.parse::<f64>().unwrap())
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
    // The binding input's code gets shares of runs per category (all six,
    // 0 included), counted exactly under the sketch too, not a mean code.
    let binding = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("bands.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("fab.binding_input,"))
            .map(String::from)
            .collect()
    };
    let rows = binding(&exact);
    let first: Vec<&str> = rows
        .iter()
        .take(6)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(
        first,
        ["none", "wafers", "tools", "HBM", "packaging", "power at the fabs"]
    );
    assert!(rows.iter().all(|l| l.ends_with(",,,,,,,")), "{rows:?}");
    assert_eq!(rows, binding(&sketched));
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
}

/// `compare` and `eval` take the bands' memory budget too (audit s23-scale,
/// F2: a compare's peak can reach twice a batch's, and the user could not
/// lower it): with a budget of 0 every band of both sides, and of an eval,
/// comes from the sketch, as a batch's does.
#[test]
fn compare_and_eval_take_the_memory_budget() {
    let sketched = |bands: &Path| {
        let text = std::fs::read_to_string(bands).unwrap();
        let errors: Vec<f64> = text
            .lines()
            .skip(1)
            .filter_map(|l| l.rsplit(',').next().filter(|c| !c.is_empty()))
            .map(|c| c.parse::<f64>().unwrap())
            .collect();
        !errors.is_empty() && errors.iter().any(|&e| e > 0.0)
    };
    let scenario = uncertain_minimal("budget-compare");
    let out = tmp("budget-compare");
    let s = scenario.to_str().unwrap();
    for budget in ["512", "0"] {
        let o = aistack(&[
            "compare",
            s,
            s,
            "--runs",
            "3",
            "--threads",
            "1",
            "--memory-budget-mib",
            budget,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for side in ["a", "b"] {
            assert_eq!(
                sketched(&out.join(side).join("bands.csv")),
                budget == "0",
                "{side}, {budget}"
            );
        }
        std::fs::remove_dir_all(&out).unwrap();
    }
    let dir = tmp("budget-eval");
    std::fs::create_dir_all(&dir).unwrap();
    let design = dir.join("d.csv");
    std::fs::write(
        &design,
        "labs.lab.mfu,regions.home.demand_avg_mw\n0.4,1000\n0.3,1100\n0.35,900\n",
    )
    .unwrap();
    let eval_out = dir.join("out");
    let o = aistack(&[
        "eval",
        s,
        "--design",
        design.to_str().unwrap(),
        "--threads",
        "1",
        "--memory-budget-mib",
        "0",
        "--out",
        eval_out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(sketched(&eval_out.join("bands.csv")));
}

/// Fails with exit status 1 and returns standard error; never a panic.
fn refused(args: &[&str]) -> String {
    let o = aistack(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// A reader that goes away (`aistack schema | head -1`) ends a printing
/// command cleanly: status 0, no panic (before: exit 101 and a backtrace).
#[test]
fn printing_to_a_closed_pipe_exits_cleanly() {
    for args in [vec!["schema"], vec!["validate", &example("minimal.ron")]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aistack"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader closes before the first write
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

/// An I/O error prints its cause once (before: "…: No such file or
/// directory (os error 2): No such file or directory (os error 2)").
#[test]
fn io_errors_print_their_cause_once() {
    let scenario = uncertain_minimal("io-once");
    let missing = tmp("io-once-missing.csv");
    let err = refused(&[
        "eval",
        scenario.to_str().unwrap(),
        "--design",
        missing.to_str().unwrap(),
        "--out",
        tmp("io-once-out").to_str().unwrap(),
    ]);
    assert_eq!(err.matches("(os error 2)").count(), 1, "{err}");
}

/// `compare` refuses 0 and 1 runs before creating its --out; `--out` naming
/// a file is refused before any run by compare, sensitivity and eval.
#[test]
fn compare_and_sensitivity_refuse_before_running() {
    let scenario = uncertain_minimal("refuse-early");
    let s = scenario.to_str().unwrap();
    let out = tmp("refuse-early-out");
    for runs in ["0", "1"] {
        let err = refused(&["compare", s, s, "--runs", runs, "--out", out.to_str().unwrap()]);
        assert!(err.contains("compare needs at least 2 runs"), "{err}");
        assert!(!out.exists(), "--runs {runs} left {} behind", out.display());
    }
    let file = tmp("refuse-early-file");
    std::fs::write(&file, "not a directory").unwrap();
    let f = file.to_str().unwrap();
    let started = std::time::Instant::now();
    let err = refused(&[
        "sensitivity",
        s,
        "--outcome",
        "training.largest_run_flop",
        "--runs",
        "400",
        "--out",
        f,
    ]);
    assert!(err.contains("is not a directory"), "{err}");
    assert!(
        started.elapsed().as_secs() < 20,
        "1,600 runs were made before the refusal"
    );
    let err = refused(&["compare", s, s, "--runs", "2", "--out", f]);
    assert!(err.contains("is not a directory"), "{err}");
}

/// A constant outcome is refused with that reason (before: NaN indices, exit 0).
#[test]
fn sensitivity_refuses_a_constant_outcome() {
    let scenario = uncertain_minimal("constant");
    let err = refused(&[
        "sensitivity",
        scenario.to_str().unwrap(),
        "--outcome",
        "fab.accelerators_built_total", // no fab in minimal.ron: 0 in every run
        "--runs",
        "2",
        "--out",
        tmp("constant-out").to_str().unwrap(),
    ]);
    assert!(err.contains("is constant"), "{err}");
}

/// `aistack eval SCENARIO --design DESIGN --out OUT`, which must fail: its stderr.
fn refused_eval(scenario: &Path, design: &Path, out: &Path) -> String {
    refused(&[
        "eval",
        scenario.to_str().unwrap(),
        "--design",
        design.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

/// `eval` checks each row against the limits the horizon sets, as loading
/// checks the distributions' tails: a halving time of 0.3 months over 30
/// years (an efficiency multiplier of 2^1200) is refused before any run,
/// where it used to be accepted and stop the eval in its 2050 sample.
#[test]
fn eval_refuses_a_row_past_the_horizons_limits_before_any_run() {
    let text = std::fs::read_to_string(example("minimal.ron")).unwrap();
    let body = text
        .trim_end()
        .strip_suffix(')')
        .unwrap()
        .replace("horizon_years: 2,", "horizon_years: 30,");
    let scenario = Scratch::new("aistack-cli-eval-horizon.ron");
    std::fs::write(
        &scenario,
        format!("{body}    uncertain: {{\n        \"labs.lab.efficiency_halving_months\": Uniform(low: 6, high: 12),\n    }},\n)\n"),
    )
    .unwrap();
    let dir = tmp("eval-horizon");
    std::fs::create_dir_all(&dir).unwrap();
    let design = dir.join("d.csv");
    std::fs::write(&design, "labs.lab.efficiency_halving_months\n8\n0.3\n").unwrap();
    let out = dir.join("out");
    let err = refused_eval(&scenario, &design, &out);
    assert!(
        err.contains("d.csv:3: column `labs.lab.efficiency_halving_months` = 0.3: the scenario refuses it")
            && err.contains("efficiency multiplier"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

/// `eval` checks every design row first and names the design's file:line and
/// column (not "drawn" values), and writes nothing.
#[test]
fn eval_names_the_design_line_and_column_of_a_refused_value() {
    let scenario = uncertain_minimal("eval-range");
    let dir = tmp("eval-range");
    std::fs::create_dir_all(&dir).unwrap();
    let design = dir.join("d.csv");
    std::fs::write(
        &design,
        "labs.lab.mfu,regions.home.demand_avg_mw\n0.4,1000\n1.5,1000\n",
    )
    .unwrap();
    let out = dir.join("out");
    let err = refused_eval(&scenario, &design, &out);
    assert!(
        err.contains("d.csv:3: column `labs.lab.mfu` = 1.5: the scenario refuses it: field `labs[0].mfu`"),
        "{err}"
    );
    assert!(!err.contains("drawn"), "{err}");
    assert!(!out.exists(), "nothing written");
    // A misspelt column: its line and the nearest parameter path.
    std::fs::write(&design, "regions.home.demand_avg_mw,labs.lab.mf\n1000,0.4\n").unwrap();
    let err = refused_eval(&scenario, &design, &out);
    assert!(
        err.contains(
            "d.csv:1: column 2 `labs.lab.mf` is not an uncertain parameter of the scenario \
             (did you mean `labs.lab.mfu`?)"
        ),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

/// A column of runs.csv by its header name, as text.
fn runs_csv_column(dir: &Path, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines = text.lines();
    let j = lines.next().unwrap().split(',').position(|h| h == name).unwrap();
    lines.map(|l| l.split(',').nth(j).unwrap().to_string()).collect()
}

/// `eval --others`: a design that varies a subset of the parameters needs
/// it (the refusal names the missing parameter and both choices); `drawn`
/// gives row r run r's draw of `batch --seed S`, `median` the median; the
/// values used are in runs.csv and the choice in the manifest.
#[test]
fn eval_others_sets_the_parameters_a_design_leaves_out() {
    let scenario = uncertain_minimal("eval-others");
    let dir = tmp("eval-others");
    std::fs::create_dir_all(&dir).unwrap();
    let design = dir.join("d.csv");
    std::fs::write(&design, "labs.lab.mfu\n0.3\n0.4\n0.45\n").unwrap();
    let (sc, d) = (scenario.to_str().unwrap(), design.to_str().unwrap());
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let err = refused(&["eval", sc, "--design", d, "--out", &out("none")]);
    assert!(
        err.contains(
            "d.csv:1: no column for 1 of the scenario's 2 uncertain parameters: \
             `regions.home.demand_avg_mw` (the design gives labs.lab.mfu)"
        ) && err.contains("`--others median`")
            && err.contains("`--others drawn`"),
        "{err}"
    );
    let err = refused(&[
        "eval",
        sc,
        "--design",
        d,
        "--others",
        "mean",
        "--out",
        &out("none"),
    ]);
    assert!(err.contains("--others: `mean`: expected `median`"), "{err}");
    assert!(!dir.join("none").exists());

    let ok = |args: &[&str]| {
        let o = aistack(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let demand = "regions.home.demand_avg_mw";
    let said = ok(&[
        "eval",
        sc,
        "--design",
        d,
        "--others",
        "drawn",
        "--seed",
        "9",
        "--out",
        &out("drawn"),
    ]);
    assert!(
        said.contains(&format!(
            "1 parameter without a design column, set by --others drawn: {demand} (each row's values are in runs.csv)"
        )),
        "eval says what --others set: {said}"
    );
    ok(&["batch", sc, "--runs", "3", "--seed", "9", "--out", &out("batch")]);
    let drawn = dir.join("drawn");
    let batch = dir.join("batch");
    assert_eq!(runs_csv_column(&drawn, demand), runs_csv_column(&batch, demand));
    assert_eq!(runs_csv_column(&drawn, "seed"), runs_csv_column(&batch, "seed"));
    assert_eq!(runs_csv_column(&drawn, "labs.lab.mfu"), ["0.3", "0.4", "0.45"]);
    let manifest = |dir: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
    };
    assert_eq!(manifest(&drawn)["eval"]["others"], "drawn");
    assert_eq!(
        manifest(&drawn)["eval"]["others_parameters"],
        serde_json::json!([demand])
    );

    ok(&[
        "eval",
        sc,
        "--design",
        d,
        "--others",
        "median",
        "--out",
        &out("median"),
    ]);
    let median = dir.join("median");
    let values: Vec<f64> = runs_csv_column(&median, demand)
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(values, [1000.0; 3], "the median of Uniform(900, 1100)");
    assert_eq!(manifest(&median)["eval"]["others"], "median");
}

/// minimal.ron for a quarter year with a 5e24 FLOP target, runs planned to
/// last 2.5 months, no smaller runs and uncertain MFU: the draws whose
/// cluster can do the target in 2.5 months release at 2.5 months, the others
/// wait and release nothing (audit s7 #7). (Runs are released no earlier
/// than their planned duration, so the duration must fit in the horizon.)
fn sometimes_releasing(name: &str) -> Scratch {
    let path = Scratch::new(&format!("aistack-cli-{name}.ron"));
    std::fs::write(
        &path,
        format!(
            "Variant(\n    base: \"{}\",\n    name: \"cond\",\n    set: {{ \"horizon_years\": 0.25, \"labs.lab.initial_target_run_flop\": 5e24, \"labs.lab.chip_failure_rate_per_hour\": 0, \"labs.lab.min_run_share_of_target\": 1, \"labs.lab.release_cadence_months\": Const(value: 2.5) }},\n    uncertain: {{ \"labs.lab.mfu\": Uniform(low: 0.3, high: 0.5) }},\n)\n",
            example("minimal.ron")
        ),
    )
    .unwrap();
    path
}

/// Outcomes that exist only given a release: a batch says its statistics
/// are over fewer runs, `training.best_effective_flop` is in every row, and
/// sensitivity refuses the conditional outcome naming the base rows that
/// lack it and the outcome to use instead.
#[test]
fn conditional_outcomes_are_flagged_and_refused_by_sensitivity() {
    let scenario = sometimes_releasing("cond");
    let s = scenario.to_str().unwrap();
    let out = tmp("cond-batch");
    let o = aistack(&["batch", s, "--runs", "12", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (eff, cap) = (
        col("training.best_effective_flop"),
        col("training.best_capability"),
    );
    let rows: Vec<Vec<&str>> = runs.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let without = rows.iter().filter(|r| r[cap].is_empty()).count();
    assert!(
        without > 0 && without < rows.len(),
        "the draws must differ: {runs}"
    );
    for r in &rows {
        assert!(!r[eff].is_empty(), "{runs}");
        assert_eq!(r[cap].is_empty(), r[eff] == "0.0", "{runs}");
    }
    assert!(
        stdout.contains(&format!(
            "note: training.best_capability is reported by {} of 12 runs",
            12 - without
        )),
        "{stdout}"
    );
    let err = refused(&[
        "sensitivity",
        s,
        "--outcome",
        "training.best_capability",
        "--runs",
        "6",
        "--out",
        tmp("cond-sens").to_str().unwrap(),
    ]);
    // Refused after the first run if that run has no release (s8), else
    // after the runs; with the hint either way.
    assert!(
        (err.contains("is missing in some runs") && err.contains("base rows")
            || err.contains("is missing in the first run"))
            && err.contains("training.best_effective_flop"),
        "{err}"
    );
}

/// The run summary names the binding input's statistic as it is computed
/// (the mode over production ticks, not months).
/// A timeseries.csv cut at a line break parses as a shorter run; `plot`
/// and `explain` once drew and explained it without a word. Now both refuse
/// it against the horizon summary.json states, naming what stops early.
#[test]
fn plot_and_explain_refuse_a_timeseries_cut_short() {
    let out = tmp("cut");
    let o = aistack(&["run", &example("minimal.ron"), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    std::fs::write(
        out.join("timeseries.csv"),
        lines[..lines.len() / 2].join("\n") + "\n",
    )
    .unwrap();
    for cmd in ["plot", "explain"] {
        let o = aistack(&[cmd, out.to_str().unwrap()]);
        assert!(!o.status.success(), "{cmd} accepted a cut file");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("timeseries.csv is cut short")
                && err.contains("2 years")
                && err.contains("stop earlier"),
            "{cmd}: {err}"
        );
    }
}

/// `plot` and `explain` refuse a timeseries.csv with rows missing in the
/// middle, a row written twice, or rows out of order (a file cut in the
/// middle and glued, two files pasted together), naming FILE:LINE and what
/// `aistack run` writes there; before, only a file cut at its end was
/// refused and the rest was drawn as if it were the run.
#[test]
fn plot_and_explain_refuse_a_timeseries_with_rows_missing_twice_or_out_of_order() {
    let out = tmp("damaged");
    let o = aistack(&["run", &example("minimal.ron"), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    // Line numbers (1-based, the header is line 1) of each instant's rows.
    let block = |date: &str| {
        let at: Vec<usize> = (1..lines.len())
            .filter(|&i| lines[i].split(',').nth(2) == Some(date))
            .collect();
        (at[0] + 1, at[at.len() - 1] + 1)
    };
    let (jun, jun_end) = block("2025-06-01");
    let (jul, _) = block("2025-07-01");
    let imports = 1
        + (jul - 1..lines.len())
            .find(|&i| lines[i].contains(",fab.imports,national,"))
            .unwrap();
    let demand = 1
        + (jul - 1..lines.len())
            .find(|&i| lines[i].contains(",energy.demand_mwh,home,"))
            .unwrap();
    // (case, the file's lines, what the error must say)
    let without = |from: usize, to: usize| -> Vec<&str> {
        lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i + 1 < from || *i + 1 > to)
            .map(|(_, l)| *l)
            .collect()
    };
    let mut twice = lines.clone();
    twice.insert(imports, lines[imports - 1]);
    let mut swapped = without(jun, jun_end);
    let (_, jul_end) = block("2025-07-01");
    let jun_rows: Vec<&str> = lines[jun - 1..jun_end].to_vec();
    let at = jul_end - (jun_end - jun + 1);
    swapped.splice(at..at, jun_rows.iter().copied());
    let mut again = lines.clone();
    again.extend_from_slice(&lines[jun - 1..jun_end]);
    let mut cut = lines.clone();
    let short = lines[imports - 1]
        .split(',')
        .take(4)
        .collect::<Vec<_>>()
        .join(",");
    cut[imports - 1] = &short;
    let cases: Vec<(&str, Vec<&str>, Vec<String>)> = vec![
        (
            "an instant missing",
            without(jun, jun_end),
            vec![
                format!("timeseries.csv:{jun}:"),
                "2025-07-01 follows 2025-05-01".into(),
                "every month".into(),
                "2025-06-01 was expected here: rows are missing".into(),
            ],
        ),
        (
            "one row missing",
            without(imports, imports),
            vec![
                format!("timeseries.csv:{jul}:"),
                "2025-07-01".into(),
                "has no row for `fab.imports` of `national`".into(),
            ],
        ),
        (
            "a region's row missing",
            without(demand, demand),
            vec![
                format!("timeseries.csv:{jul}:"),
                "has no row for `energy.demand_mwh` of `home`".into(),
            ],
        ),
        (
            "a row twice",
            twice,
            vec![
                format!("timeseries.csv:{}:", imports + 1),
                "`fab.imports` of `national` at 2025-07-01 is written twice (also line".into(),
                format!("line {imports})"),
            ],
        ),
        (
            "two instants swapped",
            swapped,
            vec![
                "rows out of order".into(),
                "(2025-06-01), after rows at".into(),
                "(2025-07-01, line".into(),
            ],
        ),
        (
            "a line cut short",
            cut,
            vec![
                format!("timeseries.csv:{imports}:"),
                "found record with 4 fields".into(),
                "the file is damaged".into(),
            ],
        ),
        (
            "an instant pasted again",
            again,
            vec![
                format!("timeseries.csv:{}:", lines.len() + 1),
                format!(
                    "2025-06-01 (time_year {}) appear again: its rows are lines {jun}–{jun_end}",
                    lines[jun - 1].split(',').nth(1).unwrap()
                ),
            ],
        ),
    ];
    for (case, rows, want) in cases {
        std::fs::write(out.join("timeseries.csv"), rows.join("\n") + "\n").unwrap();
        for cmd in ["plot", "explain"] {
            let o = aistack(&[cmd, out.to_str().unwrap()]);
            assert!(!o.status.success(), "{cmd} accepted a file with {case}");
            let err = String::from_utf8_lossy(&o.stderr);
            for w in &want {
                assert!(err.contains(w.as_str()), "{cmd}, {case}: no `{w}` in: {err}");
            }
        }
    }
    // The file as written is accepted.
    std::fs::write(out.join("timeseries.csv"), &csv).unwrap();
    let o = aistack(&["explain", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn run_summary_labels_the_binding_input_by_production_ticks() {
    let out = tmp("summary-labels");
    let o = aistack(&["run", &example("minimal.ron"), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("binding input at most production ticks:"), "{text}");
}

/// `sensitivity` draws A and B from scrambled Sobol' points by default and
/// pseudo-random points with `--sampler random`; it says which on its first
/// line and in `sobol.json`, notes an N that is not a power of two, and
/// refuses an unknown sampler before loading the scenario (session 9).
#[test]
fn sensitivity_records_its_sampler() {
    let scenario = uncertain_minimal("sampler");
    let s = scenario.to_str().unwrap();
    for (flag, word, line) in [
        (None, "sobol", "scrambled Sobol' points"),
        (Some("random"), "random", "pseudo-random points"),
    ] {
        let out = tmp(&format!("sampler-{word}"));
        let mut args = vec![
            "sensitivity",
            s,
            "--outcome",
            "training.largest_run_flop",
            "--runs",
            "3",
            "--threads",
            "2",
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(f) = flag {
            args.extend(["--sampler", f]);
        }
        let o = aistack(&args);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert!(o.status.success(), "{stderr}");
        assert!(
            stdout.starts_with(&format!("12 model runs (Saltelli design, {line})")),
            "{stdout}"
        );
        let json = std::fs::read_to_string(out.join("sobol.json")).unwrap();
        assert!(json.contains(&format!("\"sampler\": \"{word}\"")), "{json}");
        assert_eq!(
            stderr.contains("note: N = 3 is not a power of two"),
            word == "sobol",
            "{stderr}"
        );
        let _ = std::fs::remove_dir_all(&out);
    }
    let err = refused(&[
        "sensitivity",
        "no-such.ron",
        "--outcome",
        "y",
        "--runs",
        "4",
        "--sampler",
        "halton",
    ]);
    assert!(
        err.contains("--sampler: unknown sampler `halton` (expected `sobol` or `random`)"),
        "{err}"
    );
}

/// An option of one sensitivity method given to the other would be silently
/// ignored (a Morris table read as if `--sampler random` had been used): it
/// is refused before any run. Morris says when it ignores declared rank
/// correlations, as Sobol does.
#[test]
fn sensitivity_refuses_the_other_methods_options_and_morris_notes_ignored_correlations() {
    let scenario = uncertain_minimal("method-options");
    let s = scenario.to_str().unwrap();
    let base = ["sensitivity", s, "--outcome", "training.largest_run_flop"];
    for (extra, says) in [
        (
            &["--method", "morris", "--trajectories", "2", "--sampler", "random"][..],
            "belong to --method sobol",
        ),
        (
            &["--method", "morris", "--trajectories", "2", "--runs", "8"][..],
            "belong to --method sobol",
        ),
        (
            &["--runs", "8", "--trajectories", "2"][..],
            "belong to --method morris",
        ),
        (&["--runs", "8", "--levels", "6"][..], "belong to --method morris"),
    ] {
        let o = aistack(&[&base[..], extra].concat());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(says), "{extra:?}: {err}");
    }

    let text = std::fs::read_to_string(&scenario).unwrap();
    let body = text.trim_end().strip_suffix(')').unwrap();
    let correlated = Scratch::new("aistack-cli-corr.ron");
    std::fs::write(
        &correlated,
        format!(
            "{body}    correlations: [(a: \"labs.lab.mfu\", b: \"regions.home.demand_avg_mw\", rho: 0.5)],\n)\n"
        ),
    )
    .unwrap();
    let out = tmp("morris-corr");
    let o = aistack(&[
        "sensitivity",
        correlated.to_str().unwrap(),
        "--method",
        "morris",
        "--outcome",
        "training.largest_run_flop",
        "--trajectories",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("note: the declared rank correlations labs.lab.mfu ~ regions.home.demand_avg_mw (ρ = 0.5) were ignored"),
        "{err}"
    );
}

/// A category's code has no variance worth decomposing: `sensitivity`
/// refuses it as its outcome, before running anything.
#[test]
fn sensitivity_refuses_a_categorical_outcome() {
    let out = tmp("sens-category");
    for (method, size) in [("sobol", "--runs"), ("morris", "--trajectories")] {
        let o = aistack(&[
            "sensitivity",
            &example("minimal.ron"),
            "--outcome",
            "training.largest_run_bound_year_2026",
            "--method",
            method,
            size,
            "4",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("is a category") && err.contains("chips"), "{err}");
        assert!(!out.exists());
    }
}

/// `explain` on a batch directory points to the replay of one of its runs.
#[test]
fn explain_of_a_batch_directory_says_how_to_explain_one_of_its_runs() {
    let out = tmp("explain-batch");
    let o = aistack(&[
        "batch",
        &example("minimal.ron"),
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = aistack(&["explain", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is a batch directory") && err.contains("--from-batch"),
        "{err}"
    );
}

/// `compare` of scenarios with different horizons says which outcomes only
/// one side reports, instead of dropping them silently (audit s15-econ:
/// docs/montecarlo.md says compare prints every outcome).
#[test]
fn compare_names_the_outcomes_only_one_side_reports() {
    let two = example("minimal.ron");
    let three = Scratch::new("aistack-cli-minimal-3y.ron");
    let text = std::fs::read_to_string(&two).unwrap();
    std::fs::write(
        &three,
        text.replace("horizon_years: 2,", "horizon_years: 3,")
            .replace("name: \"minimal\"", "name: \"minimal-3y\""),
    )
    .unwrap();
    // minimal.ron against `b`, two runs on one thread, into `out`: stdout.
    let compare = |b: &Path, out: &Path| {
        let o = aistack(&[
            "compare",
            &two,
            b.to_str().unwrap(),
            "--runs",
            "2",
            "--threads",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let stdout = compare(&three, &tmp("compare-horizons"));
    assert!(
        stdout.contains("Only B's runs report") && stdout.contains("training.largest_run_flop_year_2027"),
        "{stdout}"
    );
    assert!(!stdout.contains("Only A's runs report"), "{stdout}");
    // The table lines up, category rows (`…=none (the lab's own target)`)
    // included: every row's interval opens at the same column (audit
    // s20-econ, nit: long category names pushed theirs right).
    let small = minimal_variant(
        "cli",
        "small-target",
        "\"labs.lab.initial_target_run_flop\": 1e20",
        "",
    );
    let stdout = compare(&small, &tmp("compare-aligned"));
    let rows: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("outcome "))
        .skip(1)
        .take_while(|l| l.contains(" [") && !l.starts_with("note: "))
        .collect();
    let longest = rows
        .iter()
        .map(|r| r.split("  ").next().unwrap_or("").len())
        .max();
    assert!(longest > Some(44), "no outcome name over 44 characters: {stdout}");
    let at: Vec<usize> = rows.iter().map(|r| r.find(" [").unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] == w[1]), "{stdout}");
    // A variant that changes nothing the runs use (its description): every
    // difference is 0 in both runs, which is no knowledge that it always
    // is (audit s23 F1): narrowing n/a, 0 runs differing, and the rule of
    // three's note. (A scenario against itself gets the note that A and B
    // are identical instead.)
    let inert = Scratch::new("aistack-cli-minimal-inert.ron");
    std::fs::write(
        &inert,
        format!("Variant(base: \"{two}\", name: \"minimal-inert\", description: \"changes nothing\")\n"),
    )
    .unwrap();
    let stdout = compare(&inert, &tmp("compare-itself"));
    let rows: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("outcome "))
        .skip(1)
        .take_while(|l| l.contains(" [") && !l.starts_with("note: "))
        .collect();
    assert!(!rows.is_empty(), "{stdout}");
    for r in &rows {
        assert!(r.ends_with(" n/a               0"), "{r}");
    }
    assert!(
        stdout.contains("was 0 in all 2 paired runs")
            && stdout.contains("77.64 % of runs could still differ"),
        "{stdout}"
    );
}

/// `aistack eval … --resume` finishes an interrupted eval (its run files,
/// no manifest): the same command with the flag gives the outputs of an
/// uninterrupted eval; without it the directory is refused with the flag's
/// name.
#[test]
fn eval_resume_finishes_an_interrupted_eval() {
    let scenario = uncertain_minimal("eval-resume");
    let dir = tmp("eval-resume");
    std::fs::create_dir_all(&dir).unwrap();
    let design = dir.join("d.csv");
    std::fs::write(
        &design,
        "labs.lab.mfu,regions.home.demand_avg_mw\n0.4,1000\n0.3,950\n0.45,1050\n",
    )
    .unwrap();
    let eval = |out: &Path, resume: bool| {
        let mut args = vec![
            "eval",
            scenario.to_str().unwrap(),
            "--design",
            design.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        if resume {
            args.push("--resume");
        }
        aistack(&args)
    };
    let (whole, part) = (dir.join("whole"), dir.join("part"));
    assert!(eval(&whole, false).status.success());
    // Interrupted after row 1: only its run file.
    std::fs::create_dir_all(part.join("runs")).unwrap();
    let run1 = "runs/run-000000000001.txt";
    std::fs::copy(whole.join(run1), part.join(run1)).unwrap();
    let o = eval(&part, false);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
    let o = eval(&part, true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["runs.csv", "bands.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(part.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// `aistack eval … --shard K/M` evaluates the rows r with r % M == K, and
/// `aistack merge` of the shard directories writes what one unsharded eval
/// of the design writes, byte for byte; shards of another design file, and
/// an eval shard beside a batch shard, are refused naming what differs.
#[test]
fn eval_shards_merge_into_the_unsharded_eval() {
    let scenario = uncertain_minimal("eval-shard");
    let dir = tmp("eval-shard");
    std::fs::create_dir_all(&dir).unwrap();
    let design = dir.join("d.csv");
    std::fs::write(
        &design,
        "labs.lab.mfu,regions.home.demand_avg_mw\n0.4,1000\n0.3,950\n0.45,1050\n0.25,900\n0.35,1000\n",
    )
    .unwrap();
    let s = scenario.to_str().unwrap();
    let eval = |design: &Path, out: &Path, shard: Option<&str>| {
        let mut args = vec![
            "eval",
            s,
            "--design",
            design.to_str().unwrap(),
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(k) = shard {
            args.extend(["--shard", k]);
        }
        aistack(&args)
    };
    let whole = dir.join("whole");
    assert!(eval(&design, &whole, None).status.success());
    let (s0, s1) = (dir.join("s0"), dir.join("s1"));
    for (out, k, rows) in [(&s0, "0/2", 3), (&s1, "1/2", 2)] {
        let o = eval(&design, out, Some(k));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(
            said.contains(&format!("{rows} rows of shard {k} evaluated")),
            "{said}"
        );
    }
    // On one thread or three (`--threads`, as every other command takes):
    // the same outputs as the unsharded eval.
    for threads in ["1", "3"] {
        let merged = dir.join(format!("merged-{threads}"));
        let o = aistack(&[
            "merge",
            s1.to_str().unwrap(),
            s0.to_str().unwrap(),
            "--threads",
            threads,
            "--out",
            merged.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("merged 5 runs"));
        for f in ["runs.csv", "bands.csv", "summary.json", "convergence.csv"] {
            assert_eq!(
                std::fs::read(whole.join(f)).unwrap(),
                std::fs::read(merged.join(f)).unwrap(),
                "{f}, --threads {threads}"
            );
        }
    }
    // Shard 1 of another design (one value changed): refused.
    let other = dir.join("other.csv");
    let text = std::fs::read_to_string(&design).unwrap();
    std::fs::write(&other, text.replace("0.3,950", "0.3,960")).unwrap();
    let s1_other = dir.join("s1-other");
    assert!(eval(&other, &s1_other, Some("1/2")).status.success());
    let err = refused(&[
        "merge",
        s0.to_str().unwrap(),
        s1_other.to_str().unwrap(),
        "--out",
        dir.join("m-other").to_str().unwrap(),
    ]);
    assert!(
        err.contains("cannot merge: the design differs") && err.contains("other.csv (5 rows, fnv1a64:"),
        "{err}"
    );
    // A batch's shard 1/2 of as many runs: refused as a batch's.
    let b1 = dir.join("b1");
    let o = aistack(&[
        "batch",
        s,
        "--runs",
        "5",
        "--seed",
        "3",
        "--shard",
        "1/2",
        "--out",
        b1.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = refused(&[
        "merge",
        s0.to_str().unwrap(),
        b1.to_str().unwrap(),
        "--out",
        dir.join("m-batch").to_str().unwrap(),
    ]);
    assert!(err.contains("of an `aistack batch` (design mc)"), "{err}");
}

/// `plot` and `explain` on a compare's top directory say it is one and name
/// its two batches, as `run --from-batch` does (audit s16-thesis F5c: plot
/// said the directory `holds no run or batch output`).
#[test]
fn plot_and_explain_of_a_compare_directory_name_its_two_batches() {
    let out = tmp("plot-compare");
    let o = aistack(&[
        "compare",
        &example("minimal.ron"),
        &example("minimal.ron"),
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = out.display().to_string();
    for cmd in ["plot", "explain"] {
        let o = aistack(&[cmd, &d]);
        assert!(!o.status.success(), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("is a compare directory")
                && err.contains(&format!("{d}/a"))
                && err.contains(&format!("{d}/b")),
            "{cmd}: {err}"
        );
    }
    let o = aistack(&["plot", &format!("{d}/a")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Issue 7: `--replicates R` is refused, before anything is written, where
/// a batch cannot honour it (plain MC given or by default, also on resume;
/// R = 0; R not dividing N; one run a replicate; the stopping rule), and
/// `compare` and `sensitivity`, which have no `--design`, do not take it.
/// A replicated batch says so in summary.json and `--help` documents it.
#[test]
fn replicates_are_refused_where_a_batch_cannot_honour_them() {
    let scenario = uncertain_minimal("replicates");
    let sc = scenario.to_str().unwrap();
    let out = tmp("replicates");
    let o = out.to_str().unwrap();
    for (args, want) in [
        (
            vec!["--runs", "8", "--replicates", "2"],
            "--replicates 2 works with --design lhs only",
        ),
        (
            vec!["--runs", "8", "--design", "mc", "--replicates", "1"],
            "this batch's design is mc",
        ),
        (
            vec!["--runs", "8", "--design", "lhs", "--replicates", "0"],
            "at least 1",
        ),
        (
            vec!["--runs", "10", "--design", "lhs", "--replicates", "3"],
            "--replicates 3 does not divide --runs 10: each replicate is a Latin hypercube of the \
             same number of runs, N/R; give a --runs that R divides (e.g. 9 or 12)",
        ),
        (
            vec!["--runs", "10", "--design", "lhs", "--replicates", "10"],
            "leaves 1 run per replicate",
        ),
        (
            vec![
                "--runs",
                "10",
                "--design",
                "lhs",
                "--replicates",
                "2",
                "--until-rel-halfwidth",
                "0.1",
            ],
            "--until-rel-halfwidth works with plain MC only",
        ),
    ] {
        let mut all = vec!["batch", sc, "--out", o];
        all.extend(&args);
        let err = refused(&all);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} created {o}");
    }
    for cmd in [vec!["compare", sc, sc], vec!["sensitivity", sc]] {
        let mut all = cmd.clone();
        all.extend(["--runs", "4", "--replicates", "2", "--out", o]);
        let e = aistack(&all);
        let err = String::from_utf8_lossy(&e.stderr);
        assert_eq!(e.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(err.contains("unexpected argument '--replicates'"), "{err}");
        assert!(!out.exists());
    }
    // A plain MC batch resumed with --replicates: refused, nothing run.
    let o2 = aistack(&["batch", sc, "--runs", "2", "--out", o]);
    assert!(o2.status.success(), "{}", String::from_utf8_lossy(&o2.stderr));
    std::fs::remove_file(out.join("runs/run-000000000001.txt")).unwrap();
    let err = refused(&["batch", "--resume", o, "--replicates", "2"]);
    assert!(err.contains("this batch's design is mc"), "{err}");
    assert!(!out.join("runs/run-000000000001.txt").exists());
    let _ = std::fs::remove_dir_all(&out);
    let ok = aistack(&[
        "batch",
        sc,
        "--runs",
        "8",
        "--design",
        "lhs",
        "--replicates",
        "4",
        "--out",
        o,
    ]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["replicates"], 4);
    let help = aistack(&["batch", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("--replicates <R>"));
    let _ = (std::fs::remove_dir_all(&out), std::fs::remove_file(&scenario));
}

/// `compare` of scenarios over different periods warns, on stderr before
/// the runs and under the table, that their totals span different periods
/// (review s26-modeler, F10: a 2-year and a 1-year scenario were diffed
/// silently); over the same period it says nothing of the kind.
#[test]
fn compare_over_different_periods_warns() {
    let out = tmp("compare-periods");
    // minimal.ron against `b`, two runs on one thread, into `out`.
    let compare = |b: &Scratch| {
        let o = aistack(&[
            "compare",
            &example("minimal.ron"),
            b.to_str().unwrap(),
            "--runs",
            "2",
            "--threads",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (stdout, stderr) = compare(&minimal_variant(
        "cli",
        "compare-short",
        "\"horizon_years\": 1",
        "",
    ));
    let warning = "warning: A = minimal covers 2 years from 2025-01-01 but B = compare-short covers 1 year \
                   from 2025-01-01: totals and end-of-run outcomes span different periods";
    assert!(stderr.contains(warning), "{stderr}");
    assert!(stdout.contains(warning), "{stdout}");
    // And kept with the results: compare.json's `warnings`.
    let record = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("compare.json")).unwrap()).unwrap()
    };
    let saved = record();
    let warnings = saved["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{saved}");
    // The same words as the terminal's, in full.
    let saved_warning = warnings[0].as_str().unwrap();
    assert!(saved_warning.contains("span different periods"), "{saved}");
    assert!(
        stderr.contains(&format!("warning: {saved_warning}\n")),
        "{stderr}"
    );
    std::fs::remove_dir_all(&out).unwrap();
    let (stdout, stderr) = compare(&minimal_variant(
        "cli",
        "compare-same",
        "\"labs.lab.mfu\": 0.3",
        "",
    ));
    assert!(!stderr.contains("span different periods"), "{stderr}");
    assert!(!stdout.contains("span different periods"), "{stdout}");
    assert_eq!(record()["warnings"], serde_json::json!([]));
}

/// `--threads 0` runs on every core (rayon's default), which every
/// command's help now says (review s26-modeler, F10: it was accepted
/// silently and undocumented).
#[test]
fn threads_zero_is_documented_as_every_core() {
    for command in ["batch", "compare", "sensitivity", "eval", "merge"] {
        let help = aistack(&[command, "--help"]);
        let text = String::from_utf8_lossy(&help.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains("0 or absent: every core"), "{command}: {text}");
    }
}

/// A run whose output cannot be written (a file size limit, as a full disk
/// would) names the file: it said only "File too large (os error 27)"
/// (review s26-modeler, F9). The limit binds root too, and the earlier
/// output is left as it was.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_output_write_names_the_file() {
    let out = tmp("write-limit");
    let o = Command::new("sh")
        .args(["-c", "trap '' XFSZ; ulimit -f 100 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_aistack"))
        .args(["run", &example("minimal.ron"), "--out"])
        .arg(&*out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "cannot write {}: ",
            out.join("timeseries.csv").display()
        )),
        "{err}"
    );
    assert!(!out.exists(), "a failed run left {}", out.display());
}

/// `plot` of a directory that does not exist says so (it said the
/// directory "holds no run or batch output"; audit s20-econ, nit).
#[test]
fn plot_of_a_missing_directory_says_it_does_not_exist() {
    let missing = tmp("plot-missing").join("nowhere");
    let o = aistack(&["plot", missing.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("does not exist"), "{err}");
}

/// `plot` of an interrupted `aistack eval` (run files under runs/, no
/// manifest.json yet, which an eval writes once it finishes) says so and
/// how to finish it (it said the directory "holds no run or batch output";
/// audit s30).
#[test]
fn plot_of_an_interrupted_eval_says_resume_finishes_it() {
    let dir = tmp("plot-interrupted-eval");
    std::fs::create_dir_all(dir.join("runs")).unwrap();
    std::fs::write(dir.join("runs").join("run-000000.json"), "{}").unwrap();
    let o = aistack(&["plot", dir.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{} holds run files (runs/) but no manifest.json: an interrupted `aistack eval`",
            dir.display()
        )) && err.contains("the same eval command with --resume finishes it")
            && !err.contains("holds no run or batch output"),
        "{err}"
    );
}

/// `explain` of a missing directory says what `plot` says, and of a
/// scenario file how to run it first (review s26-modeler, F8: "cannot
/// read minimal.ron/summary.json: Not a directory").
#[test]
fn explain_of_a_missing_directory_or_a_scenario_file_says_what_to_give() {
    let missing = tmp("explain-missing").join("nowhere");
    for command in ["explain", "plot"] {
        let o = aistack(&[command, missing.to_str().unwrap()]);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "{} does not exist or is not a directory: give the --out directory of `aistack run`",
                missing.display()
            )),
            "{command}: {err}"
        );
        let ron = example("minimal.ron");
        let o = aistack(&[command, &ron]);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "{ron} is a scenario file, not an output directory: run it first, \
                 `aistack run {ron} --out DIR`, then `aistack {command} DIR`"
            )),
            "{command}: {err}"
        );
    }
}

/// A scenario file whose name is not UTF-8 (clap takes it as a path) runs
/// and batches; recording the command line panicked in `std::env::args`
/// (review s26 F2).
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_runs_without_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tmp("non-utf8");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(std::ffi::OsStr::from_bytes(b"bad\xff.ron"));
    std::fs::copy(example("minimal.ron"), &file).unwrap();
    for (what, extra) in [("run", &[][..]), ("batch", &["--runs", "2"][..])] {
        let out = dir.join(what);
        let o = Command::new(env!("CARGO_BIN_EXE_aistack"))
            .arg(what)
            .arg(&file)
            .args(extra)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("the binary runs");
        assert!(
            o.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.join("summary.json").is_file(), "{what}");
    }
}

/// A compare of a scenario with itself says so and gives none of the
/// rule-of-three notes, which would read its zeros as evidence about a
/// policy (review s26 F11).
#[test]
fn compare_of_a_scenario_with_itself_gives_no_rule_of_three_note() {
    let out = tmp("compare-same");
    let m = example("minimal.ron");
    let o = aistack(&["compare", &m, &m, "--runs", "3", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("A and B are identical"), "{text}");
    assert!(!text.contains("could still differ"), "{text}");
}

/// `aistack run --medians` runs the central case: summary.json's
/// parameters are the uniforms' midpoints whatever the seed, and the
/// printed summary says so; `--medians` with `--from-batch` is refused
/// (a replay runs the batch's own values).
#[test]
fn run_medians_runs_the_central_case() {
    let scenario = uncertain_minimal("medians");
    let params = |seed: &str| -> serde_json::Value {
        let out = tmp(&format!("medians-{seed}"));
        let o = aistack(&[
            "run",
            scenario.to_str().unwrap(),
            "--medians",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("2 at their medians"),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        json["parameters"].clone()
    };
    let p = params("1");
    assert!((p["labs.lab.mfu"].as_f64().unwrap() - 0.35).abs() < 1e-12, "{p}");
    assert!(
        (p["regions.home.demand_avg_mw"].as_f64().unwrap() - 1000.0).abs() < 1e-9,
        "{p}"
    );
    assert_eq!(params("2"), p);
    let o = aistack(&["run", "--medians", "--from-batch", "x", "--run", "0"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be used with"));
}
