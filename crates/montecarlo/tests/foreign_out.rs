//! An `--out` that holds files a command would replace or remove, but that
//! are not that command's own output (audit s17 econ #1: `batch`, `eval` and
//! `compare` replaced an `aistack run`'s `summary.json` and deleted its
//! `timeseries.csv` without a word). Each is refused, naming the files and
//! writing nothing; the command's own directories (resume, a compare run
//! again, a sensitivity run again, a merge into a fresh directory) still work.

mod common;
use common::Scratch;

use common::eval_opts;
use montecarlo::toy::{Ishigami, ToyGrowth};
use montecarlo::{
    BatchOptions, CompareOptions, McError, MergeOptions, MorrisOptions, NoProgress, OutputOptions, Shard,
    SobolOptions, compare, eval_design, merge, morris, run_batch, sobol_sensitivity,
};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> Scratch {
    Scratch::new(&format!("mc-foreign-{name}"))
}

fn opts(out: &Path, runs: u64) -> BatchOptions {
    let mut o = BatchOptions::new(out, runs, 2026);
    o.threads = Some(1);
    o.durable = false;
    o
}

/// What `aistack run --out DIR` leaves: its summary and its series.
fn run_output(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("summary.json"), "{\"run\": \"mine\"}\n").unwrap();
    std::fs::write(dir.join("timeseries.csv"), "time_year,metric,value\n0,x,1\n").unwrap();
}

/// The directory's entries, sorted, and the two files' contents unchanged.
fn assert_untouched(dir: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["summary.json", "timeseries.csv"], "{}", dir.display());
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.json")).unwrap(),
        "{\"run\": \"mine\"}\n"
    );
}

fn assert_names_files(e: &McError, dir: &Path) {
    let text = e.to_string();
    assert!(
        text.contains(&format!("{} holds summary.json, timeseries.csv", dir.display()))
            && text.contains("nothing was written"),
        "{text}"
    );
}

#[test]
fn batch_eval_and_merge_refuse_a_run_output_and_write_nothing() {
    let model = ToyGrowth::default();
    let r = tmp("run");
    run_output(&r);
    let e = run_batch(&model, &opts(&r, 5), &NoProgress).unwrap_err();
    assert_names_files(&e, &r);
    assert_untouched(&r);
    // The user's own file of one of those names, beside others of theirs.
    let own = tmp("own");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(own.join("notes.txt"), "mine").unwrap();
    std::fs::write(own.join("bands.csv"), "mine").unwrap();
    let e = run_batch(&model, &opts(&own, 5), &NoProgress).unwrap_err();
    assert!(
        e.to_string().contains("holds bands.csv but no manifest.json"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(own.join("bands.csv")).unwrap(), "mine");
    // Other files of the user's are no batch output: the batch goes beside them.
    std::fs::remove_file(own.join("bands.csv")).unwrap();
    run_batch(&model, &opts(&own, 5), &NoProgress).unwrap();
    assert_eq!(std::fs::read_to_string(own.join("notes.txt")).unwrap(), "mine");

    let ev = tmp("eval");
    let mut o = eval_opts(
        &ev,
        "labs.toy.growth_per_month,grid.toy.capacity_mw,fab.toy.yield\n0.1,500,0.8\n",
        1,
    );
    run_output(&o.out);
    let e = eval_design(&model, &o, &NoProgress).unwrap_err();
    assert_names_files(&e, &o.out);
    assert_untouched(&o.out);
    o.resume = true;
    let e = eval_design(&model, &o, &NoProgress).unwrap_err();
    assert_names_files(&e, &o.out);
    assert_untouched(&o.out);

    // Merge: two shards into a run's output is refused; into a fresh directory it works.
    let shards_scratch: Vec<Scratch> = (0..2).map(|k| tmp(&format!("shard{k}"))).collect();
    let shards: Vec<PathBuf> = shards_scratch.iter().map(|d| d.to_path_buf()).collect();
    for (k, d) in shards.iter().enumerate() {
        let mut o = opts(d, 6);
        o.shard = Some(Shard {
            index: k as u64,
            count: 2,
        });
        run_batch(&model, &o, &NoProgress).unwrap();
    }
    let mo = |out: &Path| MergeOptions {
        shard_dirs: shards.clone(),
        out: out.to_path_buf(),
        output: OutputOptions::default(),
        command_line: vec![],
        build: Default::default(),
        threads: None,
    };
    let e = merge(&mo(&r)).unwrap_err();
    assert_names_files(&e, &r);
    assert_untouched(&r);
    let fresh = tmp("merged");
    merge(&mo(&fresh)).unwrap();
}

#[test]
fn batch_resume_and_its_own_rebuild_still_remove_what_they_do_not_write() {
    let model = ToyGrowth::default();
    let d = tmp("own-resume");
    let mut o = opts(&d, 8);
    o.output.keep_timeseries = true;
    run_batch(&model, &o, &NoProgress).unwrap();
    assert!(d.join("timeseries.csv").exists());
    // Resumed without the series: its own timeseries.csv goes, as documented.
    o.output.keep_timeseries = false;
    o.resume = true;
    run_batch(&model, &o, &NoProgress).unwrap();
    assert!(!d.join("timeseries.csv").exists());
}

#[test]
fn compare_refuses_a_run_output_as_a_side_or_a_foreign_compare_csv() {
    let a = ToyGrowth::default();
    let b = ToyGrowth {
        policy_boost: 0.002,
        ..ToyGrowth::default()
    };
    let out = tmp("cmp");
    let go = |out: &Path| {
        compare(
            &a,
            &b,
            &CompareOptions {
                out: out.to_path_buf(),
                batch: opts(out, 4),
                warnings: Vec::new(),
            },
            &NoProgress,
        )
    };
    run_output(&out.join("a"));
    let e = go(&out).unwrap_err();
    assert_names_files(&e, &out.join("a"));
    assert_untouched(&out.join("a"));
    // Nothing was created beside it: no lock file, no b/.
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    std::fs::remove_dir_all(out.join("a")).unwrap();
    std::fs::write(out.join("compare.csv"), "mine").unwrap();
    let e = go(&out).unwrap_err().to_string();
    assert!(e.contains("holds compare.csv but no compare's batches"), "{e}");
    assert_eq!(std::fs::read_to_string(out.join("compare.csv")).unwrap(), "mine");
    std::fs::remove_file(out.join("compare.csv")).unwrap();
    // So is a compare.json of the user's.
    std::fs::write(out.join("compare.json"), "mine").unwrap();
    let e = go(&out).unwrap_err().to_string();
    assert!(e.contains("holds compare.json but no compare's batches"), "{e}");
    assert_eq!(std::fs::read_to_string(out.join("compare.json")).unwrap(), "mine");
    std::fs::remove_file(out.join("compare.json")).unwrap();
    // A compare of its own, run again, is finished (here: rewritten as it was).
    go(&out).unwrap();
    let first = std::fs::read(out.join("compare.csv")).unwrap();
    let record = std::fs::read(out.join("compare.json")).unwrap();
    go(&out).unwrap();
    assert_eq!(std::fs::read(out.join("compare.csv")).unwrap(), first);
    assert_eq!(std::fs::read(out.join("compare.json")).unwrap(), record);
}

#[test]
fn sensitivity_refuses_a_table_it_did_not_write_but_replaces_its_own() {
    let model = Ishigami { a: 7.0, b: 0.1 };
    let dir = tmp("sens");
    let sobol = SobolOptions {
        invocation: Default::default(),
        outcome: "y".into(),
        base_samples: 8,
        sampler: Default::default(),
        master_seed: 3,
        threads: Some(1),
        bootstrap: 10,
        out: Some(dir.to_path_buf()),
    };
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sensitivity.csv"), "my,own\n1,2\n").unwrap();
    let e = sobol_sensitivity(&model, &sobol, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("holds sensitivity.csv, which sensitivity did not write") && e.contains("nothing was run"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("sensitivity.csv")).unwrap(),
        "my,own\n1,2\n"
    );
    std::fs::remove_file(dir.join("sensitivity.csv")).unwrap();
    sobol_sensitivity(&model, &sobol, &NoProgress).unwrap();
    // Run again into its own --out: its tables are replaced.
    sobol_sensitivity(&model, &sobol, &NoProgress).unwrap();
    let mo = MorrisOptions {
        invocation: Default::default(),
        outcome: "y".into(),
        trajectories: 4,
        levels: 4,
        master_seed: 1,
        threads: Some(1),
        out: Some(dir.to_path_buf()),
    };
    morris(&model, &mo, &NoProgress).unwrap();
    morris(&model, &mo, &NoProgress).unwrap();
    std::fs::write(dir.join("morris.csv"), "mu\n").unwrap();
    let e = morris(&model, &mo, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("holds morris.csv, which sensitivity did not write"),
        "{e}"
    );
    // The record of how the table was made is protected as the table is.
    std::fs::remove_file(dir.join("morris.csv")).unwrap();
    std::fs::write(dir.join("morris.json"), "{\"mine\": 1}\n").unwrap();
    let e = morris(&model, &mo, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("holds morris.json, which sensitivity did not write"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("morris.json")).unwrap(),
        "{\"mine\": 1}\n"
    );
}
