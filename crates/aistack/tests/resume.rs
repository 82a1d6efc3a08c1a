//! `aistack batch --resume DIR` as a user runs it: alone, it takes every
//! argument from DIR/manifest.json and finishes the batch byte for byte as an
//! uninterrupted one; arguments given must equal the record (`--threads`
//! excepted); a scenario file that moved is named with what to do.

use std::path::Path;

mod common;
use common::{aistack, ok, refused, s, uncertain_minimal};
use std::process::Command;

fn tmp(name: &str) -> common::Scratch {
    common::tmp("resume", name)
}

/// The command printed `tally` ("N runs in the outputs (R runs now, U reused)").
fn assert_reused(o: &std::process::Output, tally: &str) {
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(tally), "expected `{tally}` in:\n{out}");
}

/// What an interrupted batch leaves: its run files (some lost), a manifest
/// without `completed_runs`, no final outputs.
fn interrupt(dir: &Path, lost: &[u64]) {
    for f in FINALS {
        let _ = std::fs::remove_file(dir.join(f));
    }
    for i in lost {
        std::fs::remove_file(dir.join(format!("runs/run-{i:012}.txt"))).unwrap();
    }
    let path = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["completed_runs"] = serde_json::Value::Null;
    std::fs::write(&path, m.to_string()).unwrap();
}

const FINALS: [&str; 5] = [
    "runs.csv",
    "bands.csv",
    "summary.json",
    "convergence.csv",
    "timeseries.csv",
];

/// Every argument that changes the outputs differs from its default here
/// (seed, LHS, series kept, a budget too small for exact bands), so a resume
/// that did not take them from the manifest would not match.
///
/// Also for a Latin hypercube in 3 replicates (issue 7), whose replicate
/// count the resume takes from the manifest too.
#[test]
fn resume_with_only_the_directory_matches_an_uninterrupted_batch() {
    resume_with_only_the_directory("alone", &[]);
    resume_with_only_the_directory("alone-r3", &["--replicates", "3"]);
}

fn resume_with_only_the_directory(name: &str, extra: &[&str]) {
    let (root, scenario) = common::with_scenario("resume", name);
    let (full, cut) = (root.join("full"), root.join("cut"));
    let batch = |out: &Path| {
        let mut args = vec![
            "batch",
            s(&scenario),
            "--runs",
            "6",
            "--seed",
            "5",
            "--design",
            "lhs",
            "--keep-timeseries",
            "--memory-budget-mib",
            "0",
            "--threads",
            "2",
            "--out",
            s(out),
        ];
        args.extend(extra);
        ok(&args)
    };
    batch(&full);
    batch(&cut);
    interrupt(&cut, &[1, 4]);
    // Another replicate count is refused, naming it (nothing run).
    let other = "2";
    let recorded = if extra.is_empty() { "1" } else { extra[1] };
    let err = refused(&["batch", "--resume", s(&cut), "--replicates", other]);
    assert!(
        err.contains(&format!(
            "`replicates` differs (manifest has {recorded}, this command gives {other})"
        )),
        "{err}"
    );
    assert!(!cut.join("runs/run-000000000001.txt").exists());
    // From another working directory: the manifest's scenario path is absolute.
    let o = Command::new(env!("CARGO_BIN_EXE_aistack"))
        .args(["batch", "--resume", s(&cut), "--threads", "1"])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("6 runs in the outputs (2 runs now, 4 reused)"),
        "{out}"
    );
    assert!(
        out.contains("from the quantile sketch"),
        "the recorded budget: {out}"
    );
    for f in FINALS {
        assert!(
            std::fs::read(full.join(f)).unwrap() == std::fs::read(cut.join(f)).unwrap(),
            "{f} differs from the uninterrupted batch's"
        );
    }
}

/// An argument given on resume that differs from the batch's is refused,
/// naming the field and the one-argument form; those equal to it (the
/// contract form, other --threads) resume.
#[test]
fn resume_refuses_a_given_argument_that_differs_from_the_manifest() {
    let (root, scenario) = common::with_scenario("resume", "mismatch");
    let dir = root.join("b");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--seed",
        "5",
        "--design",
        "lhs",
        "--out",
        s(&dir),
    ]);
    interrupt(&dir, &[2]);
    let err = refused(&["batch", "--resume", s(&dir), "--seed", "6"]);
    assert!(
        err.contains("`master_seed` differs (manifest has 5, this command gives 6)")
            && err.contains(&format!("give only `aistack batch --resume {}`", dir.display())),
        "{err}"
    );
    let err = refused(&["batch", "--resume", s(&dir), "--runs", "4"]);
    assert!(
        err.contains("`runs` differs (manifest has 3, this command gives 4)"),
        "{err}"
    );
    let err = refused(&["batch", "--resume", s(&dir), "--design", "mc"]);
    assert!(
        err.contains("`design` differs (manifest has lhs, this command gives mc)"),
        "{err}"
    );

    // Another scenario (the recorded one with a parameter's range changed).
    let other = root.join("other.ron");
    std::fs::write(
        &other,
        std::fs::read_to_string(&scenario)
            .unwrap()
            .replace("high: 0.5", "high: 0.6"),
    )
    .unwrap();
    let err = refused(&["batch", s(&other), "--resume", s(&dir)]);
    assert!(err.contains("`scenario_hash` differs"), "{err}");
    // Nothing was run by the refusals.
    assert!(!dir.join("runs/run-000000000002.txt").exists());
    // The contract form, with the arguments it had (and other threads).
    let o = ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--seed",
        "5",
        "--threads",
        "1",
        "--resume",
        s(&dir),
    ]);
    assert_reused(&o, "3 runs in the outputs (1 run now, 2 reused)");
}

/// A scenario file that moved since the batch: `--resume DIR` alone says so
/// and how to go on; given again (same text elsewhere), the batch resumes.
#[test]
fn resume_names_a_scenario_file_that_moved() {
    let (root, scenario) = common::with_scenario("resume", "moved");
    let dir = root.join("b");
    ok(&["batch", s(&scenario), "--runs", "2", "--out", s(&dir)]);
    interrupt(&dir, &[0]);
    let moved = root.join("moved.ron");
    std::fs::rename(&scenario, &moved).unwrap();
    // Without the batch's own copy of its scenario (a batch of an older
    // build, or a copy removed): the refusals name the file.
    let copy = root.join("copy");
    std::fs::rename(dir.join("scenario"), &copy).unwrap();
    let err = refused(&["batch", "--resume", s(&dir)]);
    assert!(
        err.contains(&format!(
            "the scenario the batch in {} ran, {} (from its manifest.json), does not exist any more",
            dir.display(),
            scenario.display()
        )) && err.contains(&format!("`aistack batch SCENARIO --resume {}`", dir.display())),
        "{err}"
    );
    assert!(!dir.join("runs/run-000000000000.txt").exists(), "nothing run");
    // Another file where it was: its hash is not the batch's.
    std::fs::write(
        &scenario,
        std::fs::read_to_string(&moved)
            .unwrap()
            .replace("high: 0.5", "high: 0.6"),
    )
    .unwrap();
    let err = refused(&["batch", "--resume", s(&dir)]);
    assert!(
        err.contains(&format!(
            "the scenario it ran, {} (from its manifest.json), changed since the batch started",
            scenario.display()
        )),
        "{err}"
    );
    // With the copy back, `--resume DIR` alone resumes from it, and says so.
    std::fs::rename(&copy, dir.join("scenario")).unwrap();
    let o = ok(&["batch", "--resume", s(&dir)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "note: {} changed since the batch ran: using the batch's own copy of its scenario, {}",
            scenario.display(),
            dir.join("scenario/scenario.ron").display()
        )),
        "{err}"
    );
    assert!(dir.join("runs.csv").exists());
    // Neither SCENARIO nor --resume: clap says what is required.
    let err = aistack(&["batch", "--runs", "2"]);
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("<SCENARIO>"));
}

/// A manifest of an older build has no `scenario_path`: `--resume DIR` alone
/// (and `run --from-batch`) takes the `.ron` of its recorded command line,
/// relative to the current directory as any typed path is; from another
/// directory the refusal names the path it looked at and does not claim
/// the file moved. From the directory the batch was started in, it resumes.
#[test]
fn an_old_manifest_s_relative_scenario_is_looked_for_in_the_current_directory() {
    let root = tmp("oldrel");
    let started_in = root.join("work");
    std::fs::create_dir_all(&started_in).unwrap();
    uncertain_minimal(&started_in.join("scenario.ron"));
    let dir = root.join("b");
    let o = common::aistack_in(
        &started_in,
        &["batch", "scenario.ron", "--runs", "2", "--out", s(&dir)],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    interrupt(&dir, &[0]);
    let path = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["scenario_path"] = serde_json::Value::Null;
    // Nor a copy of the scenario.
    m.as_object_mut().unwrap().remove("scenario_copy");
    std::fs::remove_dir_all(dir.join("scenario")).unwrap();
    std::fs::write(&path, m.to_string()).unwrap();

    let elsewhere = root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let looked_at = std::fs::canonicalize(&elsewhere).unwrap().join("scenario.ron");
    for (args, usage) in [
        (
            vec!["batch", "--resume", s(&dir)],
            format!("`aistack batch SCENARIO --resume {}`", dir.display()),
        ),
        (
            vec!["run", "--from-batch", s(&dir), "--run", "1", "--out", "r"],
            format!("`aistack run SCENARIO --from-batch {} --run 1`", dir.display()),
        ),
    ] {
        let o = common::aistack_in(&elsewhere, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("ran, scenario.ron (the `.ron` of the command line its manifest.json records")
                && err.contains(&format!(
                    "is not at {}, where it was looked for (relative to the current directory)",
                    looked_at.display()
                ))
                && err.contains("run this from the directory the batch was started in")
                && err.contains(&usage)
                && !err.contains("moved or deleted"),
            "{err}"
        );
    }
    assert!(!dir.join("runs/run-000000000000.txt").exists(), "nothing run");
    let o = common::aistack_in(&started_in, &["batch", "--resume", s(&dir)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("runs.csv").exists());
}

/// `plot` of an interrupted batch (manifest.json and runs/, no runs.csv, or
/// a runs.csv of a rebuild that was killed) says it is one and shows the
/// command that finishes it, not that the directory holds no batch output.
#[test]
fn plot_of_an_interrupted_batch_shows_the_resume_command() {
    let (root, scenario) = common::with_scenario("resume", "plotint");
    let dir = root.join("b");
    ok(&["batch", s(&scenario), "--runs", "2", "--out", s(&dir)]);
    interrupt(&dir, &[0]);
    let resume = format!("`aistack batch --resume {}`", dir.display());
    let err = refused(&["plot", s(&dir)]);
    assert!(
        err.contains(&format!("{} is an interrupted batch", dir.display()))
            && err.contains(&resume)
            && !err.contains("holds no run or batch output"),
        "{err}"
    );
    // Killed while rebuilding its outputs: runs.csv written, not finished.
    std::fs::write(dir.join("runs.csv"), "run,seed\n").unwrap();
    let err = refused(&["plot", s(&dir)]);
    assert!(
        err.contains("the batch is not finished") && err.contains(&resume),
        "{err}"
    );
    assert!(!dir.join("plots").exists());
}

/// A directory holding run files without a manifest (or with one cut short)
/// is named as such by `batch --out` and `batch --resume`, with a way out
/// (audit s15 econ #6: `batch` said "already holds a batch (manifest.json)
/// … --resume", and `--resume` said "no manifest.json, nothing to resume").
#[test]
fn run_files_without_a_readable_manifest_are_no_dead_end() {
    let (root, scenario) = common::with_scenario("resume", "nomanifest");
    let dir = root.join("b");
    let batch = ["batch", s(&scenario), "--runs", "2", "--out", s(&dir)];
    ok(&batch);
    let manifest = dir.join("manifest.json");
    let text = std::fs::read(&manifest).unwrap();
    std::fs::remove_file(&manifest).unwrap();
    let way_out = "move that directory away (or remove it), or choose another --out";
    for args in [&batch[..], &["batch", "--resume", s(&dir)][..]] {
        let err = refused(args);
        assert!(
            err.contains(&format!(
                "{} holds run files (runs/) but no manifest.json",
                dir.display()
            )) && err.contains(way_out)
                && !err.contains("already holds a batch")
                && !err.contains("nothing to resume"),
            "{args:?}: {err}"
        );
    }
    // An empty directory still has nothing to resume.
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = refused(&["batch", "--resume", s(&empty)]);
    assert!(err.contains("no manifest.json, nothing to resume"), "{err}");
    std::fs::write(&manifest, &text[..text.len() / 2]).unwrap();
    for args in [&batch[..], &["batch", "--resume", s(&dir)][..]] {
        let err = refused(args);
        assert!(
            err.contains(&format!(
                "{}: cannot be read as a batch manifest",
                manifest.display()
            )) && err.contains("move that directory away"),
            "{args:?}: {err}"
        );
    }
}

/// A batch recorded with `--parquet` resumes in a build without the parquet
/// feature (as the full command form always did): without Parquet, saying
/// so, and removing the Parquet files that would disagree with the rebuilt
/// CSV outputs; the manifest records what was written.
#[cfg(not(feature = "parquet"))]
#[test]
fn a_parquet_batch_resumes_without_parquet_in_a_build_without_the_feature() {
    let (root, scenario) = common::with_scenario("resume", "parquet");
    let (full, cut) = (root.join("full"), root.join("cut"));
    for d in [&full, &cut] {
        ok(&["batch", s(&scenario), "--runs", "4", "--seed", "2", "--out", s(d)]);
    }
    // As a parquet build leaves it: recorded, and its Parquet files.
    interrupt(&cut, &[1]);
    let path = cut.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["outputs"]["parquet"] = serde_json::Value::Bool(true);
    std::fs::write(&path, m.to_string()).unwrap();
    for f in ["runs.parquet", "bands.parquet"] {
        std::fs::write(cut.join(f), "PAR1").unwrap();
    }
    let o = ok(&["batch", "--resume", s(&cut)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("was written with --parquet, but this build has no `parquet` feature")
            && err.contains("resumed without Parquet"),
        "{err}"
    );
    for f in ["runs.parquet", "bands.parquet"] {
        assert!(!cut.join(f).exists(), "{f} remains beside the rebuilt CSV files");
    }
    for f in &FINALS[..4] {
        assert!(
            std::fs::read(full.join(f)).unwrap() == std::fs::read(cut.join(f)).unwrap(),
            "{f} differs from the uninterrupted batch's"
        );
    }
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(m["outputs"]["parquet"], serde_json::Value::Bool(false));
    // The full command form too; asking for Parquet is still refused.
    interrupt(&cut, &[2]);
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["outputs"]["parquet"] = serde_json::Value::Bool(true);
    std::fs::write(&path, m.to_string()).unwrap();
    let err = refused(&["batch", "--resume", s(&cut), "--parquet"]);
    assert!(err.contains("needs a build with the `parquet` feature"), "{err}");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "4",
        "--seed",
        "2",
        "--resume",
        s(&cut),
    ]);
}

/// `--no-keep-timeseries` on resume drops the series of a batch that kept
/// them (timeseries.csv is removed, the manifest records it), and a later
/// bare resume keeps them off; `--keep-timeseries` turns them back on.
#[test]
fn no_keep_timeseries_switches_the_series_off_on_resume() {
    let (root, scenario) = common::with_scenario("resume", "nokeep");
    let dir = root.join("b");
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--keep-timeseries",
        "--out",
        s(&dir),
    ]);
    let series = std::fs::read(dir.join("timeseries.csv")).unwrap();
    let o = ok(&["batch", "--resume", s(&dir), "--no-keep-timeseries"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--no-keep-timeseries: the batch in")
            && err.contains("rebuilt without it (timeseries.csv is removed)"),
        "{err}"
    );
    assert!(!dir.join("timeseries.csv").exists());
    let manifest = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
    };
    assert_eq!(manifest()["outputs"]["keep_timeseries"], false);
    ok(&["batch", "--resume", s(&dir)]);
    assert!(
        !dir.join("timeseries.csv").exists(),
        "a bare resume keeps the record"
    );
    ok(&["batch", "--resume", s(&dir), "--keep-timeseries"]);
    assert_eq!(std::fs::read(dir.join("timeseries.csv")).unwrap(), series);
    let err = aistack(&[
        "batch",
        "--resume",
        s(&dir),
        "--keep-timeseries",
        "--no-keep-timeseries",
    ]);
    assert_eq!(err.status.code(), Some(2), "clap refuses both");
}

/// Running an interrupted `aistack compare` again finishes it: compare.csv
/// byte-identical to an uninterrupted compare's; another compare into the
/// same --out is refused, naming the field.
#[test]
fn an_interrupted_compare_is_finished_by_the_same_command() {
    let root = tmp("compare");
    std::fs::create_dir_all(&root).unwrap();
    let (sa, sb) = (root.join("a.ron"), root.join("b.ron"));
    uncertain_minimal(&sa);
    std::fs::write(
        &sb,
        std::fs::read_to_string(&sa)
            .unwrap()
            .replace("high: 0.5", "high: 0.6"),
    )
    .unwrap();
    let (full, cut) = (root.join("full"), root.join("cut"));
    let compare = |out: &Path, runs: &str| {
        aistack(&[
            "compare",
            s(&sa),
            s(&sb),
            "--runs",
            runs,
            "--seed",
            "3",
            "--out",
            s(out),
        ])
    };
    for d in [&full, &cut] {
        assert!(compare(d, "6").status.success());
    }
    // Killed while b/ ran: a/ finished, b/ partly done.
    std::fs::remove_file(cut.join("compare.csv")).unwrap();
    interrupt(&cut.join("b"), &[2, 5]);
    // `batch --resume` of it says what it is and how it is finished (audit
    // s30 econ: "no manifest.json, nothing to resume").
    let err = refused(&["batch", "--resume", s(&cut)]);
    assert!(
        err.contains("is a compare directory")
            && err.contains("finished by running the same `aistack compare A B")
            && !err.contains("nothing to resume"),
        "{err}"
    );
    let o = compare(&cut, "6");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read(full.join("compare.csv")).unwrap() == std::fs::read(cut.join("compare.csv")).unwrap(),
        "compare.csv differs from the uninterrupted compare's"
    );
    let o = compare(&cut, "7");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("holds the a side of another compare: its `runs` is 6, this command gives 7"),
        "{err}"
    );
}

/// The command a refusal shows after "as its manifest records them: `…`".
fn shown_command(err: &str) -> Vec<String> {
    let start = err
        .find("as its manifest records them: `")
        .unwrap_or_else(|| panic!("no command shown: {err}"))
        + "as its manifest records them: `".len();
    let len = err[start..].find('`').unwrap();
    err[start..start + len]
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// A refusal shows the batch's arguments as a command that resumes it, the
/// same before and after a resume (the recorded command line is `--out
/// DIR`, which `--resume` refuses, and then the resume command itself), with
/// values in words (`0.5`, not `Some(0.5)`). `--stop-outcome` alone on
/// resume is checked against the manifest's stopping rule.
#[test]
fn resume_refusal_shows_the_arguments_that_resume_the_batch() {
    let (root, scenario) = common::with_scenario("resume", "shown");
    let dir = root.join("b");
    let watched = "energy.unserved_fraction";
    ok(&[
        "batch",
        s(&scenario),
        "--runs",
        "3",
        "--seed",
        "5",
        "--until-rel-halfwidth",
        "0.5",
        "--stop-outcome",
        watched,
        "--out",
        s(&dir),
    ]);
    interrupt(&dir, &[2]);
    // Before any resume: the command shown resumes (the recorded one has --out).
    let err = refused(&["batch", "--resume", s(&dir), "--seed", "6"]);
    let before = shown_command(&err);
    let expected = format!(
        "aistack batch {} --runs 3 --seed 5 --design mc --until-rel-halfwidth 0.5 --stop-outcome {watched} --resume {}",
        scenario.display(),
        dir.display()
    );
    assert_eq!(before.join(" "), expected, "{err}");
    // `--stop-outcome` alone: the manifest gives the rule's target.
    let o = ok(&["batch", "--resume", s(&dir), "--stop-outcome", watched]);
    assert_reused(&o, "3 runs in the outputs (1 run now, 2 reused)");
    interrupt(&dir, &[1]);
    // After a resume: the same arguments, values in words.
    let err = refused(&["batch", "--resume", s(&dir), "--until-rel-halfwidth", "0.4"]);
    assert!(
        err.contains("`until_rel_halfwidth` differs (manifest has 0.5, this command gives 0.4)")
            && !err.contains("Some("),
        "{err}"
    );
    let after = shown_command(&err);
    assert_eq!(after, before, "{err}");
    let args: Vec<&str> = after[1..].iter().map(String::as_str).collect();
    let o = ok(&args);
    assert_reused(&o, "3 runs in the outputs (1 run now, 2 reused)");
}

/// `--resume` of a file says it is one; `--shard K/1` is the whole batch, as
/// no shard is, so it resumes a batch started without `--shard`.
#[test]
fn resume_names_a_file_and_takes_shard_k_of_1_as_no_shard() {
    let (root, scenario) = common::with_scenario("resume", "file-shard");
    let err = refused(&["batch", "--resume", s(&scenario)]);
    assert!(
        err.contains(&format!(
            "{} is a file, not a batch directory",
            scenario.display()
        )) && !err.contains("os error"),
        "{err}"
    );
    let dir = root.join("b");
    ok(&["batch", s(&scenario), "--runs", "2", "--out", s(&dir)]);
    interrupt(&dir, &[1]);
    let o = ok(&["batch", "--resume", s(&dir), "--shard", "0/1"]);
    assert_reused(&o, "2 runs in the outputs (1 run now, 1 reused)");
    let err = refused(&["batch", "--resume", s(&dir), "--shard", "0/2"]);
    assert!(
        err.contains("`shard` differs (manifest has none, this command gives 0/2)"),
        "{err}"
    );
    let err = refused(&["batch", "--resume", s(&dir), "--until-rel-halfwidth", "0.5"]);
    assert!(
        err.contains("`until_rel_halfwidth` differs (manifest has none, this command gives 0.5)"),
        "{err}"
    );
}

/// Resuming a merged batch (its outputs lost) keeps the manifest's
/// `merged_from`, the shard directories it was merged from.
#[test]
fn resuming_a_merged_batch_keeps_merged_from() {
    let (root, scenario) = common::with_scenario("resume", "merged");
    let shards = common::two_shards(&root, &scenario);
    let merged = root.join("merged");
    ok(&["merge", s(&shards[0]), s(&shards[1]), "--out", s(&merged)]);
    let read = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap()
    };
    let recorded = read(&merged)["merged_from"].clone();
    assert_eq!(recorded.as_array().map(Vec::len), Some(2), "{recorded}");
    interrupt(&merged, &[1]);
    ok(&["batch", "--resume", s(&merged)]);
    let m = read(&merged);
    assert_eq!(m["merged_from"], recorded, "resume erased merged_from");
    assert_eq!(m["completed_runs"], 4);
}

/// Audit s26-econ F3: a merge stopped by a failed write into its --out
/// (here `bands.csv` is a directory, a stand-in for a full disk) names that
/// file and says how to go on, as `batch` does; once fixed, the same merge
/// finishes with the outputs of one never stopped.
#[test]
fn a_merge_that_cannot_write_its_outputs_says_how_to_go_on() {
    let (root, scenario) = common::with_scenario("resume", "merge-fails");
    let shards = common::two_shards(&root, &scenario);
    let merged = root.join("merged");
    let merge = [
        "merge",
        s(&shards[0]),
        s(&shards[1]),
        "--threads",
        "1",
        "--out",
        s(&merged),
    ];
    ok(&merge);
    let runs_csv = std::fs::read(merged.join("runs.csv")).unwrap();
    interrupt(&merged, &[]);
    std::fs::create_dir_all(merged.join("bands.csv").join("x")).unwrap();
    let err = refused(&merge);
    assert!(
        err.contains(s(&merged.join("bands.csv")))
            && err.contains("run the same merge again (`aistack merge ")
            && err.contains(&format!("--out {}`)", s(&merged))),
        "{err}"
    );
    std::fs::remove_dir_all(merged.join("bands.csv")).unwrap();
    ok(&merge);
    assert_eq!(std::fs::read(merged.join("runs.csv")).unwrap(), runs_csv);
}

/// `merge` keeps the series when every shard was made with
/// `--keep-timeseries` (what one unsharded batch of theirs writes), and
/// `--no-keep-timeseries` leaves them out (audit s15-econ and its review:
/// merge dropped them unless given the flag again, then could not be told
/// not to keep them).
#[test]
fn merge_keeps_the_shards_series_unless_told_not_to() {
    let (root, scenario) = common::with_scenario("resume", "merge-series");
    let shards = common::two_shards_with(&root, &scenario, &["--keep-timeseries"]);
    let kept = root.join("kept");
    ok(&["merge", s(&shards[0]), s(&shards[1]), "--out", s(&kept)]);
    assert!(kept.join("timeseries.csv").exists());
    let lean = root.join("lean");
    ok(&[
        "merge",
        s(&shards[0]),
        s(&shards[1]),
        "--no-keep-timeseries",
        "--out",
        s(&lean),
    ]);
    assert!(!lean.join("timeseries.csv").exists());
    assert_eq!(
        std::fs::read(kept.join("runs.csv")).unwrap(),
        std::fs::read(lean.join("runs.csv")).unwrap()
    );
}
