//! Refusals as an economist's audit read them (finding 7): the suggestion
//! and the way on are said, in the one `error:` form every command uses.

mod common;

use common::{ok, refused, s, with_scenario};

/// A misspelt sensitivity outcome gets its suggestion, then how many
/// outcomes the run reports and where all are described, not every name
/// on one line (it printed ~160 after the suggestion): Morris and Sobol alike.
#[test]
fn a_misspelt_sensitivity_outcome_is_suggested_and_the_outcomes_counted() {
    let (root, scenario) = with_scenario("errors", "sens-outcome");
    let out = root.join("sens");
    for method in [
        &["--method", "morris", "--trajectories", "2"][..],
        &["--method", "sobol", "--runs", "2"][..],
    ] {
        let mut args = vec![
            "sensitivity",
            s(&scenario),
            "--outcome",
            "training.largest_run_flp",
            "--out",
            s(&out),
        ];
        args.extend_from_slice(method);
        let err = refused(&args);
        assert!(
            err.contains(
                "nothing else was run. Did you mean `training.largest_run_flop`? The first run \
                 reports "
            ) && err.contains(" outcomes, from `energy.")
                && err.contains("docs/model.md, \"Scalar outcomes\""),
            "{method:?}: {err}"
        );
        // A name far down the list is not printed.
        assert!(
            !err.contains("training.lab.lab.releases_total"),
            "{method:?}: {err}"
        );
        assert!(!out.exists(), "nothing written");
    }
}

/// Every command's refusal is one `error: …` line (after any warnings and
/// notes) and exit status 1: the audit read `Error:` for `plot` of a
/// compare directory and for `sensitivity`, whose refusals were the first
/// line of its captured output (a viewer that capitalised it; the binary
/// wrote `error:`), so the bytes themselves are checked, command by command.
#[test]
fn every_command_refuses_with_a_lowercase_error_line() {
    let (root, scenario) = with_scenario("errors", "prefix");
    let sc = s(&scenario);
    let compare = root.join("compare");
    ok(&["compare", sc, sc, "--runs", "2", "--out", s(&compare)]);
    let batch = root.join("batch");
    ok(&["batch", sc, "--runs", "2", "--out", s(&batch)]);
    let missing = root.join("missing.ron");
    let m = s(&missing);
    let sens = root.join("sens");
    let merged = root.join("merged");
    let cases: [&[&str]; 12] = [
        &["plot", s(&compare)],
        &[
            "sensitivity",
            sc,
            "--outcome",
            "training.largest_run_flp",
            "--runs",
            "2",
            "--out",
            s(&sens),
        ],
        &["sensitivity", sc, "--outcome", "x", "--method", "fast"],
        &["run", m],
        &["validate", m],
        &["batch", m, "--runs", "2"],
        &["compare", sc, m, "--runs", "2"],
        &["eval", m, "--design", m],
        &["explain", s(&batch)],
        &["discover", s(&batch), "--outcome", "x", "--below", "1"],
        &["merge", m, "--out", s(&merged)],
        &["run", "--from-batch", s(&batch), "--run", "9"],
    ];
    for args in cases {
        let err = refused(args);
        let first = err
            .lines()
            .find(|l| !l.starts_with("warning: ") && !l.starts_with("note: "));
        assert!(
            first.is_some_and(|l| l.starts_with("error: ")),
            "{args:?}: {err:?}"
        );
        assert!(!err.contains("Error:"), "{args:?}: {err:?}");
    }
}

/// A scenario file that does not exist is named, with the file beside it
/// whose name is near, by every command that reads one; `compare` says
/// which of its two it is (it said "cannot read the scenario file: No such
/// file or directory" alone).
#[test]
fn a_misspelt_scenario_file_gets_the_near_one_beside_it() {
    let (root, scenario) = with_scenario("errors", "near-file");
    let sc = s(&scenario);
    let typo = root.join("scenaro.ron");
    let t = s(&typo);
    let said = format!("{t}: cannot read the scenario file: ");
    let hint = format!("hint: did you mean `{sc}`?");
    let out = root.join("out");
    let o = s(&out);
    let commands: [&[&str]; 7] = [
        &["run", t, "--out", o],
        &["validate", t],
        &["batch", t, "--runs", "2", "--out", o],
        &[
            "sensitivity",
            t,
            "--outcome",
            "training.largest_run_flop",
            "--runs",
            "2",
            "--out",
            o,
        ],
        &["eval", t, "--design", sc, "--out", o],
        &["compare", t, sc, "--runs", "2", "--out", o],
        &["compare", sc, t, "--runs", "2", "--out", o],
    ];
    for args in commands {
        let err = refused(args);
        assert!(err.contains(&said) && err.contains(&hint), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?}: nothing written");
    }
    let err = refused(&["compare", t, sc, "--runs", "2", "--out", o]);
    assert!(err.starts_with(&format!("error: scenario A: {said}")), "{err}");
    let err = refused(&["compare", sc, t, "--runs", "2", "--out", o]);
    assert!(err.starts_with(&format!("error: scenario B: {said}")), "{err}");
    // Nothing near: the file is named, with no guess.
    let far = root.join("zzz.ron");
    let err = refused(&["validate", s(&far)]);
    assert!(
        err.contains(&format!("{}: cannot read the scenario file: ", s(&far))) && !err.contains("hint:"),
        "{err}"
    );
}

/// A directory inside a batch (its runs/, plots/, scenario/, a discovery's
/// directory) given to `discover` or `plot` is refused naming the batch to
/// give instead (it said "no manifest.json; not a batch directory", or for
/// plot "holds no run or batch output"), leaving no lock file behind.
#[test]
fn a_directory_inside_a_batch_names_the_batch() {
    let (root, scenario) = with_scenario("errors", "inside");
    let batch = root.join("batch");
    ok(&["batch", s(&scenario), "--runs", "2", "--out", s(&batch)]);
    ok(&["plot", s(&batch)]);
    let deep = batch.join("discover").join("training.largest_run_flop-below-1");
    std::fs::create_dir_all(&deep).unwrap();
    let b = s(&batch);
    for (dir, within) in [
        (batch.join("runs"), "runs"),
        (batch.join("plots"), "plots"),
        (batch.join("scenario"), "scenario"),
        (deep.clone(), "discover/training.largest_run_flop-below-1"),
    ] {
        let d = s(&dir);
        let said = format!(
            "{d}: no manifest.json; not a batch directory, but the {within}/ of the batch {b}: give the batch's own directory, "
        );
        let err = refused(&["discover", d, "--outcome", "x", "--below", "1"]);
        assert!(
            err.contains(&format!("{said}`aistack discover {b}` with the same options")),
            "{err}"
        );
        let err = refused(&["plot", d]);
        assert!(err.contains(&format!("{said}`aistack plot {b}`")), "{err}");
        assert!(!dir.join(".lock").exists(), "{d}: a refusal left a lock");
    }
    // As the path was given, relative to the batch; or, when that path
    // does not lead up to it (`.`), in full.
    let o = common::aistack_in(&batch, &["plot", "runs"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("runs: no manifest.json; not a batch directory, but the runs/ of the batch .: give the batch's own directory, `aistack plot .`"),
        "{err}"
    );
    let o = common::aistack_in(&batch.join("runs"), &["plot", "."]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let full = std::fs::canonicalize(&batch).unwrap();
    assert!(
        err.contains(&format!(
            "the runs/ of the batch {0}: give the batch's own directory, `aistack plot {0}`",
            full.display()
        )),
        "{err}"
    );
    // A directory in no batch is told as before.
    let lone = root.join("lone");
    std::fs::create_dir(&lone).unwrap();
    let err = refused(&["discover", s(&lone), "--outcome", "x", "--below", "1"]);
    assert!(
        err.contains("no manifest.json; not a batch directory") && !err.contains(", but"),
        "{err}"
    );
}
