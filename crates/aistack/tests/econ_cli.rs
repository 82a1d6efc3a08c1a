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

/// Audit s17 econ #1: `batch --out` on a run's directory replaced its
/// summary.json and deleted its timeseries.csv. Now refused, leaving the
/// directory as it was (no lock file), so the run can be written there again.
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
            root.to_path_buf()
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
}

/// Audit s17 econ #5: a stopping rule that did not stop the batch said
/// nothing. (3 runs: the rule checks only before the last block, so it
/// cannot stop here.)
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
}

/// Audit s17 econ #7: `plot` always wrote into the batch's directory.
/// With `--out` it writes nothing there (a run's directory the same way).
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
}

/// Review s26-2 F3: `plot RUN_DIR --out OUT` had no guard: it wrote a
/// run's charts into a batch's directory and over another run's charts.
/// Each is refused, writing nothing; a new OUT, plot's own earlier output
/// and the run's own directory are plotted into.
#[test]
fn plot_of_a_run_refuses_an_out_that_is_not_its_own() {
    let (root, scenario) = with_scenario("econ", "plot-run-out");
    let r1 = root.join("r1");
    let r2 = root.join("r2");
    ok(&["run", s(&scenario), "--out", s(&r1)]);
    ok(&["run", s(&scenario), "--out", s(&r2), "--plot"]);
    // A batch's files (no need for a real one: the names mark it), a
    // batch's plot, and the other run with its charts.
    let batch = root.join("batch");
    std::fs::create_dir_all(batch.join("runs")).unwrap();
    std::fs::write(batch.join("manifest.json"), "{}").unwrap();
    std::fs::write(batch.join("runs.csv"), "run\n").unwrap();
    let plotted = root.join("plotted");
    std::fs::create_dir_all(&plotted).unwrap();
    std::fs::write(plotted.join("plot.json"), "{}").unwrap();
    for (out, names) in [
        (&batch, "manifest.json, runs.csv, runs/"),
        (&plotted, "plot.json (a batch's charts)"),
        (&r2, "summary.json, timeseries.csv"),
    ] {
        let before: Vec<(String, Vec<u8>)> = listing(out)
            .into_iter()
            .filter(|n| out.join(n).is_file())
            .map(|n| (n.clone(), std::fs::read(out.join(&n)).unwrap()))
            .collect();
        let err = refused(&["plot", s(&r1), "--out", s(out)]);
        assert!(
            err.contains(&format!(
                "{} holds {names}: it is the output of another aistack command",
                out.display()
            )) && err.contains("nothing was written"),
            "{err}"
        );
        let after: Vec<(String, Vec<u8>)> = listing(out)
            .into_iter()
            .filter(|n| out.join(n).is_file())
            .map(|n| (n.clone(), std::fs::read(out.join(&n)).unwrap()))
            .collect();
        assert_eq!(after, before, "{}", out.display());
    }
    // A chart of a run's name that plot did not write.
    let mine = root.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("power.svg"), "my drawing").unwrap();
    let err = refused(&["plot", s(&r1), "--out", s(&mine)]);
    assert!(err.contains("holds power.svg, which plot did not write"), "{err}");
    assert_eq!(
        std::fs::read_to_string(mine.join("power.svg")).unwrap(),
        "my drawing"
    );
    // Its own: a new directory, plotted again, and the run itself.
    let charts = root.join("charts");
    ok(&["plot", s(&r1), "--out", s(&charts)]);
    ok(&["plot", s(&r1), "--out", s(&charts)]);
    ok(&["plot", s(&r1), "--out", s(&r1)]);
    assert!(charts.join("power.svg").is_file() && r1.join("power.svg").is_file());
}

/// Review s26-2 F9: the way on printed for a scenario file given to
/// `explain`/`plot` was not quoted, so a path with a space did not paste.
#[test]
fn the_way_on_for_a_scenario_file_is_quoted_for_a_shell() {
    let (root, scenario) = with_scenario("econ", "quoted way");
    let spaced = root.join("my s.ron");
    std::fs::copy(&scenario, &spaced).unwrap();
    for command in ["explain", "plot"] {
        let err = refused(&[command, s(&spaced)]);
        assert!(
            err.contains(&format!("`aistack run '{}' --out DIR`", spaced.display())),
            "{err}"
        );
    }
}

/// Audit s17 econ #8: `--until-rel-halfwidth inf` was refused as "must be
/// > 0", and negative values were taken for flags by clap.
#[test]
fn odd_option_values_are_refused_with_their_reason() {
    let (root, scenario) = with_scenario("econ", "odd-values");
    let out = root.join("b");
    let batch = |extra: &[&str]| {
        let mut args = vec!["batch", s(&scenario), "--runs", "3", "--out", s(&out)];
        args.extend_from_slice(extra);
        refused(&args)
    };
    let e = batch(&["--until-rel-halfwidth", "inf"]);
    assert!(
        e.contains("must be a finite number > 0")
            && e.contains("infinite target")
            && e.contains("leave the rule out"),
        "{e}"
    );
    let e = batch(&["--until-rel-halfwidth", "-0.1"]);
    assert!(
        e.contains("must be a finite number > 0") && e.contains("got -0.1"),
        "{e}"
    );
    // A usage error: clap's exit status 2, naming the option and the value.
    let usage = |args: &[&str]| {
        let o = common::aistack(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = usage(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--seed",
        "-1",
        "--out",
        s(&out),
    ]);
    assert!(
        e.contains("invalid value '-1' for '--seed <SEED>': -1 is negative"),
        "{e}"
    );
    let e = usage(&["eval", s(&scenario), "--design", "d.csv", "--threads", "-2"]);
    assert!(e.contains("'--threads <THREADS>': -2 is negative"), "{e}");
    assert!(!out.exists());
}

/// Audit s17 econ #8: a batch stopped by a failed write (`ulimit -f`: File
/// too large) gave no way on; `batch --resume DIR` finishes it, and the
/// error now says so. (SIGXFSZ ignored, as a shell with that limit does for
/// the error to reach the program.)
#[cfg(target_os = "linux")]
#[test]
fn a_batch_stopped_by_a_file_too_large_says_how_to_finish_it() {
    let (root, scenario) = with_scenario("econ", "too-large");
    let out = root.join("b");
    // 100 KB: a run file (~40 KB) fits, bands.csv (~400 KB) does not.
    let o = std::process::Command::new("sh")
        .args(["-c", "trap '' XFSZ; ulimit -f 200 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_aistack"))
        .args([
            "batch",
            s(&scenario),
            "--runs",
            "2",
            "--threads",
            "1",
            "--out",
            s(&out),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("File too large")
            && err.contains(&format!(
                "the runs finished so far are kept: once that is fixed (free space, a larger file \
                 size limit), `aistack batch --resume {}` finishes it",
                out.display()
            )),
        "{err}"
    );
    let o = ok(&["batch", "--resume", s(&out)]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("(0 runs now, 2 reused)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// Audit s26 econ F1/F10: `plot --out FILE` and `merge --out FILE` said only
/// "f.txt: File exists (os error 17)"; they say what every other writer
/// says. And `plot --out` into another batch's directory is refused,
/// leaving it as it was.
#[test]
fn plot_and_merge_name_an_out_that_is_a_file_or_another_batch() {
    let (root, scenario) = with_scenario("econ", "out-file");
    let shards = common::two_shards(&root, &scenario);
    let file = root.join("f.txt");
    std::fs::write(&file, "mine").unwrap();
    let expected = format!(
        "{}: exists and is not a directory; --out must name a directory",
        file.display()
    );
    let err = refused(&["plot", s(&shards[0]), "--out", s(&file)]);
    assert!(err.contains(&expected), "{err}");
    let err = refused(&["merge", s(&shards[0]), s(&shards[1]), "--out", s(&file)]);
    assert!(err.contains(&expected), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    let before = listing(&shards[1]);
    let err = refused(&["plot", s(&shards[0]), "--out", s(&shards[1])]);
    assert!(
        err.contains("it is the output of another aistack command"),
        "{err}"
    );
    assert_eq!(listing(&shards[1]), before);
}

/// The outcome `sobol.json` in `dir` records.
fn sobol_outcome(dir: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sobol.json")).unwrap()).unwrap();
    v["outcome"].as_str().unwrap().to_string()
}

/// Audit s26 econ F6: `sensitivity` without `--out` wrote every outcome
/// to `aistack-out/<scenario>-sensitivity/`, silently replacing the
/// previous outcome's tables. The default is now one directory per
/// outcome (Morris too); an `--out` reused for another outcome says whose
/// tables it replaced.
#[test]
fn sensitivity_without_out_keeps_each_outcomes_tables() {
    let (root, scenario) = with_scenario("econ", "sens-default");
    let sobol = |outcome: &str, extra: &[&str]| {
        let mut args = vec!["sensitivity", s(&scenario), "--outcome", outcome, "--runs", "2"];
        args.extend_from_slice(extra);
        let o = common::aistack_in(&root, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    };
    sobol("training.largest_run_flop", &[]);
    sobol("energy.demand_mwh_total", &[]);
    let a = root.join("aistack-out/minimal-sensitivity-training.largest_run_flop");
    let b = root.join("aistack-out/minimal-sensitivity-energy.demand_mwh_total");
    assert_eq!(sobol_outcome(&a), "training.largest_run_flop");
    assert_eq!(sobol_outcome(&b), "energy.demand_mwh_total");
    let o = common::aistack_in(
        &root,
        &[
            "sensitivity",
            s(&scenario),
            "--method",
            "morris",
            "--outcome",
            "training.largest_run_flop",
            "--trajectories",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        root.join("aistack-out/minimal-morris-training.largest_run_flop/morris.csv")
            .is_file()
    );
    // The same --out for another outcome: replaced, and said so.
    let o = sobol("training.largest_run_flop", &["--out", s(&b)]);
    assert_eq!(sobol_outcome(&b), "training.largest_run_flop");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "note: {} held the tables of outcome energy.demand_mwh_total, now replaced",
            b.display()
        )),
        "{err}"
    );
    let o = sobol("training.largest_run_flop", &["--out", s(&b)]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("now replaced"));
}

/// `aistack ARGS` under a file size limit of `blocks` × 512 bytes (SIGXFSZ
/// ignored, so that the write fails with "File too large").
#[cfg(target_os = "linux")]
fn with_file_limit(blocks: u32, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .args([
            "-c",
            &format!("trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\""),
        ])
        .arg(env!("CARGO_BIN_EXE_aistack"))
        .args(args)
        .output()
        .unwrap()
}

/// Audit s26 econ F9: stopped by a failed write, `compare` and `eval`
/// showed placeholders in backticks (`the same compare command`, `the same
/// eval command with --resume`) where `batch` shows its command; they show
/// the command to type. `sensitivity` left a finished-looking `sobol.csv`
/// without `sobol.json` and no way on: now nothing is replaced, no
/// temporary file stays, and the error gives the command.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_gives_the_command_that_finishes_it() {
    let (root, scenario) = with_scenario("econ", "finish-cmd");
    let cmp = root.join("cmp");
    let args = [
        "compare",
        s(&scenario),
        s(&scenario),
        "--runs",
        "2",
        "--threads",
        "1",
        "--out",
        s(&cmp),
    ];
    let o = with_file_limit(200, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("File too large")
            && err.contains(&format!(
                "once that is fixed (free space, a larger file size limit), `aistack compare {} {} \
                 --runs 2 --threads 1 --out {}` finishes it",
                s(&scenario),
                s(&scenario),
                s(&cmp)
            )),
        "{err}"
    );
    ok(&args);
    let design = root.join("d.csv");
    std::fs::write(
        &design,
        "labs.lab.mfu,regions.home.demand_avg_mw\n0.3,1000\n0.4,1050\n",
    )
    .unwrap();
    let ev = root.join("ev");
    let args = [
        "eval",
        s(&scenario),
        "--design",
        s(&design),
        "--threads",
        "1",
        "--out",
        s(&ev),
    ];
    let o = with_file_limit(200, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let again = format!(
        "aistack eval {} --design {} --threads 1 --out {} --resume",
        s(&scenario),
        s(&design),
        s(&ev)
    );
    assert!(err.contains(&format!("`{again}` finishes it")), "{err}");
    let again: Vec<&str> = again.split(' ').skip(1).collect();
    ok(&again);
    // sensitivity: its tables of an earlier call stay as they were, and
    // none of this call's is left half-way.
    let sens = root.join("sens");
    let args = [
        "sensitivity",
        s(&scenario),
        "--outcome",
        "training.largest_run_flop",
        "--runs",
        "2",
        "--out",
        s(&sens),
    ];
    ok(&args);
    let before = listing(&sens);
    let sobol_csv = std::fs::read(sens.join("sobol.csv")).unwrap();
    let mut other = args.to_vec();
    other[3] = "energy.demand_mwh_total";
    let o = with_file_limit(1, &other);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("File too large")
            && err.contains(&format!("nothing in {} was replaced", s(&sens)))
            && err.contains(&format!(
                "`aistack sensitivity {} --outcome energy.demand_mwh_total --runs 2 --out {}` writes them",
                s(&scenario),
                s(&sens)
            )),
        "{err}"
    );
    assert_eq!(listing(&sens), before);
    assert_eq!(std::fs::read(sens.join("sobol.csv")).unwrap(), sobol_csv);
}

/// Audit s26 econ F13: "1 rows evaluated", and a design value of 1e300
/// echoed as a 301-digit integer in the refusal.
#[test]
fn one_row_and_a_huge_value_read_as_written() {
    let (root, scenario) = with_scenario("econ", "one-row");
    let design = root.join("d.csv");
    std::fs::write(&design, "labs.lab.mfu,regions.home.demand_avg_mw\n0.3,1000\n").unwrap();
    let o = ok(&[
        "eval",
        s(&scenario),
        "--design",
        s(&design),
        "--out",
        s(&root.join("ev")),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains(": 1 row evaluated in design order"), "{stdout}");
    std::fs::write(&design, "labs.lab.mfu,regions.home.demand_avg_mw\n1e300,1000\n").unwrap();
    let err = refused(&[
        "eval",
        s(&scenario),
        "--design",
        s(&design),
        "--out",
        s(&root.join("ev2")),
    ]);
    assert!(
        err.contains(&format!(
            "{}:2: column `labs.lab.mfu` = 1e300: the scenario refuses it",
            s(&design)
        )) && !err.contains("00000000000"),
        "{err}"
    );
}

/// Audit s33-econ F9: a finished batch prints its headline outcomes, each
/// as summary.json has it (mean ± MCSE, p5, p50, p95, four significant
/// digits), so the console answers "how sure are we?" on its own.
#[test]
fn a_batch_prints_its_headline_outcomes_from_the_summary() {
    let (root, scenario) = with_scenario("econ", "headline");
    let dir = root.join("b");
    let o = ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "6",
        "--seed",
        "4",
        "--out",
        s(&dir),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("headline outcomes over 6 runs (mean ± its Monte Carlo standard error"),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let o = &summary["outcomes"]["training.largest_run_flop"];
    let four = |v: &serde_json::Value| {
        let x = v.as_f64().unwrap();
        let rounded: f64 = format!("{x:.3e}").parse().unwrap();
        montecarlo::outputs::num(rounded)
    };
    // The share the budgets withheld is there too (not lost to power).
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("training.share_lost_budget_total ")),
        "{stdout}"
    );
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("training.largest_run_flop "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains(&format!("{} ± {} FLOP", four(&o["mean"]), four(&o["mcse"])))
            && line.ends_with(&format!(
                "({}, {}, {})",
                four(&o["p5"]),
                four(&o["p50"]),
                four(&o["p95"])
            )),
        "{line}"
    );
    drop(root);
}
